using System.Globalization;
using CpomExchange.Infrastructure;
using CpomExchange.Infrastructure.Storage;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace CpomExchange.Bench.Instances;

/// <summary>What the benchmark reads from the gateways' PostgreSQL database, beside the gateways.</summary>
internal sealed class PostgresProbe(StorageOptions storage, CpomHome home)
{
    // While the gateways wait for a controller's log lock (pg_advisory_xact_lock), their backends
    // wait on a lock of type "advisory".
    private const string ActivitySql = """
        SELECT count(*) FILTER (WHERE wait_event_type = 'Lock' AND wait_event = 'advisory'),
               count(*) FILTER (WHERE state = 'active')
        FROM pg_stat_activity
        WHERE datname = current_database() AND pid <> pg_backend_pid()
        """;

    /// <summary>The rows of <c>access_log_entries</c> per controller.</summary>
    public async Task<IReadOnlyDictionary<string, long>> EntriesPerControllerAsync(CancellationToken cancellationToken)
    {
        await using var db = await CpomDatabase.OpenAsync(storage, home, migrate: false, cancellationToken);
        return await db.AccessLogEntries.GroupBy(e => e.Controller)
            .Select(g => new { Controller = g.Key, Count = g.LongCount() })
            .ToDictionaryAsync(x => x.Controller, x => x.Count, StringComparer.Ordinal, cancellationToken);
    }

    /// <summary>The process ids of the backends connected to the gateways' database (this probe's own excepted).</summary>
    public async Task<IReadOnlyList<int>> BackendProcessIdsAsync(CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(storage.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand("SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()", connection);
        var ids = new List<int>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            ids.Add(reader.GetInt32(0));
        }
        return ids;
    }

    /// <summary>The value of a server setting (<c>SHOW name</c>).</summary>
    public async Task<string> SettingAsync(string name, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(storage.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand("SELECT current_setting(@name)", connection);
        command.Parameters.AddWithValue("name", name);
        return (string)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>
    /// Samples <c>pg_stat_activity</c> every <paramref name="every"/> until the token is cancelled: the
    /// gateways' backends waiting for a log lock, and those running a statement (waiting included).
    /// </summary>
    public async Task<LockWaits> SampleLockWaitsAsync(TimeSpan every, CancellationToken stop)
    {
        long waiting = 0, active = 0, samples = 0;
        await using var connection = new NpgsqlConnection(storage.ConnectionString);
        await connection.OpenAsync(CancellationToken.None);
        await using var command = new NpgsqlCommand(ActivitySql, connection);
        try
        {
            while (!stop.IsCancellationRequested)
            {
                await using (var reader = await command.ExecuteReaderAsync(CancellationToken.None))
                {
                    await reader.ReadAsync(CancellationToken.None);
                    waiting += reader.GetInt64(0);
                    active += reader.GetInt64(1);
                    samples++;
                }
                await Task.Delay(every, stop);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // The measured time is over.
        }
        return samples == 0 ? new LockWaits(0, 0, 0) : new LockWaits((double)waiting / samples, (double)active / samples, samples);
    }
}

/// <summary>On average over the samples: backends waiting for a controller's log lock, and backends running a statement.</summary>
internal sealed record LockWaits(double Waiting, double Active, long Samples);

/// <summary>
/// The machine's processor time (Linux: the first line of /proc/stat) and that of some processes
/// (/proc/&lt;pid&gt;/stat), in clock ticks, to say how busy the processors were over an interval and
/// how much of it those processes took.
/// </summary>
internal sealed record ProcessorTimes(long Busy, long Total, IReadOnlyDictionary<int, long> Processes)
{
    /// <summary>Now; null when /proc/stat cannot be read (not Linux). Processes that cannot be read are left out.</summary>
    public static ProcessorTimes? Read(IEnumerable<int> processIds)
    {
        try
        {
            var line = File.ReadLines("/proc/stat").First();
            // cpu user nice system idle iowait irq softirq steal ...
            var ticks = line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Take(8).Select(Ticks).ToArray();
            var idle = ticks[3] + ticks[4];
            var total = ticks.Sum();
            var processes = new Dictionary<int, long>();
            foreach (var id in processIds.Distinct())
            {
                if (ProcessTicks(id) is { } used)
                {
                    processes[id] = used;
                }
            }
            return new ProcessorTimes(total - idle, total, processes);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException or InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>
    /// Since <paramref name="earlier"/>, in percent of all the machine's processors: how much was busy,
    /// and how much of it the processes read both times took.
    /// </summary>
    public (double Busy, double Processes) PercentSince(ProcessorTimes earlier)
    {
        ArgumentNullException.ThrowIfNull(earlier);
        var total = Total - earlier.Total;
        if (total <= 0)
        {
            return (double.NaN, double.NaN);
        }
        var processes = Processes.Where(p => earlier.Processes.ContainsKey(p.Key)).Sum(p => p.Value - earlier.Processes[p.Key]);
        return (100.0 * (Busy - earlier.Busy) / total, 100.0 * processes / total);
    }

    // utime + stime of /proc/<pid>/stat (fields 14 and 15, counted after the command's closing parenthesis).
    private static long? ProcessTicks(int id)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{id.ToString(CultureInfo.InvariantCulture)}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return Ticks(fields[11]) + Ticks(fields[12]);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException or ArgumentOutOfRangeException)
        {
            // Gone, or not ours to read.
            return null;
        }
    }

    private static long Ticks(string value) => long.Parse(value, NumberStyles.None, CultureInfo.InvariantCulture);
}
