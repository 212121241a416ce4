using CpomExchange.Infrastructure.Storage;
using Microsoft.EntityFrameworkCore;

namespace CpomExchange.Tests.Shared;

/// <summary>
/// What someone with write access to a gateway's database can do to its access log, for the tests that
/// show the tampering is detected: the append-only triggers out of the way first (dropped on SQLite,
/// disabled on PostgreSQL), then rows of <c>access_log_entries</c> and <c>access_log_leaves</c> rewritten.
/// </summary>
public static class LogTampering
{
    /// <summary>
    /// Runs <paramref name="sql"/> (one or more statements) on <paramref name="gateway"/>'s database with
    /// the log's append-only triggers out of the way, with the parameters given (<c>@c</c>, ...), and
    /// returns the rows it changed. The triggers stay out of the way afterwards (a dropped SQLite trigger
    /// is gone), unless <paramref name="enableTriggersAfter"/>, which re-enables them on PostgreSQL.
    /// </summary>
    public static async Task<int> RewriteAsync(GatewayFixture gateway, string sql, IReadOnlyDictionary<string, object>? parameters = null,
        bool enableTriggersAfter = false)
    {
        ArgumentNullException.ThrowIfNull(gateway);
        await using var db = await gateway.OpenDatabaseAsync();
        var connection = db.Database.GetDbConnection();
        await connection.OpenAsync();
        var postgres = db.Database.IsNpgsql();
        await ExecuteAsync(connection, postgres
            ? "ALTER TABLE access_log_entries DISABLE TRIGGER USER; ALTER TABLE access_log_leaves DISABLE TRIGGER USER;"
            : "DROP TRIGGER IF EXISTS access_log_entries_append_only; DROP TRIGGER IF EXISTS access_log_leaves_no_update; DROP TRIGGER IF EXISTS access_log_leaves_no_delete;",
            null);
        var changed = await ExecuteAsync(connection, sql, parameters);
        if (postgres && enableTriggersAfter)
        {
            await ExecuteAsync(connection, "ALTER TABLE access_log_entries ENABLE TRIGGER USER; ALTER TABLE access_log_leaves ENABLE TRIGGER USER;", null);
        }
        return changed;
    }

    /// <summary>The parameter <c>@c</c>: the controller whose log is rewritten.</summary>
    public static IReadOnlyDictionary<string, object> Controller(string controller) => new Dictionary<string, object> { ["c"] = controller };

    private static async Task<int> ExecuteAsync(System.Data.Common.DbConnection connection, string sql, IReadOnlyDictionary<string, object>? parameters)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters ?? new Dictionary<string, object>())
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            parameter.Value = value;
            command.Parameters.Add(parameter);
        }
        return await command.ExecuteNonQueryAsync();
    }
}
