using System.Data.Common;
using System.Globalization;
using System.Text;
using CpomExchange.Infrastructure.Storage;
using Microsoft.EntityFrameworkCore;

namespace CpomExchange.Tests.Shared;

/// <summary>
/// Searches everything a gateway keeps for values that must never be there in clear: every file of
/// its state folder (SQLite database, keys, payloads, spool), every column of every table of its
/// database read through SQL (so PostgreSQL too), and every line it logged at Information and above.
/// </summary>
public static class ClearTextSearch
{
    /// <summary>Where each of <paramref name="values"/> was found (empty when nowhere), and what was searched.</summary>
    public static async Task<ClearTextFindings> SearchAsync(GatewayFixture gateway, params string[] values)
    {
        ArgumentNullException.ThrowIfNull(gateway);
        var found = new List<string>();
        var files = await SearchFilesAsync(gateway.Home, values, found);
        var (tables, cells) = await SearchDatabaseAsync(gateway, values, found);
        var lines = gateway.Logs.Lines;
        foreach (var line in lines)
        {
            foreach (var value in values.Where(v => line.Text.Contains(v, StringComparison.Ordinal)))
            {
                found.Add($"log {line.Level} {line.Category} ({line.EventId.Id}): « {value} » in {line.Text}");
            }
        }
        return new ClearTextFindings(found, files, tables, cells, lines.Count);
    }

    private static async Task<int> SearchFilesAsync(string home, string[] values, List<string> found)
    {
        CpomDatabase.ClearPools();
        var count = 0;
        foreach (var file in Directory.EnumerateFiles(home, "*", SearchOption.AllDirectories))
        {
            byte[] bytes;
            try
            {
                await using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                using var memory = new MemoryStream();
                await stream.CopyToAsync(memory);
                bytes = memory.ToArray();
            }
            catch (FileNotFoundException)
            {
                continue; // a temporary file gone meanwhile
            }
            count++;
            foreach (var value in values.Where(v => bytes.AsSpan().IndexOf(Encoding.UTF8.GetBytes(v)) >= 0))
            {
                found.Add($"file {Path.GetRelativePath(home, file)}: « {value} »");
            }
        }
        return count;
    }

    private static async Task<(IReadOnlyList<string> Tables, long Cells)> SearchDatabaseAsync(GatewayFixture gateway, string[] values, List<string> found)
    {
        await using var db = await gateway.OpenDatabaseAsync();
        var connection = db.Database.GetDbConnection();
        await connection.OpenAsync();
        var tables = new List<string>();
        await using (var list = connection.CreateCommand())
        {
            // The catalogue, not the EF model: a table the model does not know is searched too.
            list.CommandText = db.Database.IsNpgsql()
                ? "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name"
                : "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name";
            await using var reader = await list.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                tables.Add(reader.GetString(0));
            }
        }
        long cells = 0;
        foreach (var table in tables)
        {
            await using var select = connection.CreateCommand();
            select.CommandText = $"SELECT * FROM \"{table.Replace("\"", "\"\"", StringComparison.Ordinal)}\"";
            await using var reader = await select.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                for (var i = 0; i < reader.FieldCount; i++)
                {
                    cells++;
                    foreach (var value in values.Where(v => Holds(reader, i, v)))
                    {
                        found.Add($"table {table}, column {reader.GetName(i)}: « {value} »");
                    }
                }
            }
        }
        return (tables, cells);
    }

    private static bool Holds(DbDataReader reader, int i, string value)
    {
        if (reader.IsDBNull(i))
        {
            return false;
        }
        return reader.GetValue(i) switch
        {
            byte[] bytes => bytes.AsSpan().IndexOf(Encoding.UTF8.GetBytes(value)) >= 0,
            IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture).Contains(value, StringComparison.Ordinal),
            var other => (other.ToString() ?? "").Contains(value, StringComparison.Ordinal),
        };
    }
}

/// <summary>What <see cref="ClearTextSearch"/> found, and how much it searched (a search of nothing proves nothing).</summary>
public sealed record ClearTextFindings(IReadOnlyList<string> Found, int Files, IReadOnlyList<string> Tables, long DatabaseCells, int LogLines);
