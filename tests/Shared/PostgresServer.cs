using System.Diagnostics;
using CpomExchange.Infrastructure.Storage;
using Npgsql;

namespace CpomExchange.Tests.Shared;

/// <summary>
/// A real, throw-away PostgreSQL server for the tests: <c>initdb</c> in a temporary folder (as the
/// <c>postgres</c> user when the tests run as root, as CI does), started on a free loopback port,
/// stopped and deleted when the test process ends. One server per test process; each gateway gets a
/// database of its own. The suite runs on it when <c>CPOM_TEST_STORAGE=Postgres</c> (see .ci/run).
/// </summary>
public sealed class PostgresServer
{
    /// <summary>The environment variable that selects the database of the suite: <c>Sqlite</c> (default) or <c>Postgres</c>.</summary>
    public const string SelectorVariable = "CPOM_TEST_STORAGE";

    private static readonly Lazy<Task<PostgresServer>> Shared = new(() => Task.Run(StartAsync), LazyThreadSafetyMode.ExecutionAndPublication);

    private readonly string _root;
    private readonly string _bin;
    private readonly bool _asPostgresUser;

    private PostgresServer(string root, string bin, bool asPostgresUser, int port)
    {
        _root = root;
        _bin = bin;
        _asPostgresUser = asPostgresUser;
        Port = port;
    }

    /// <summary>True when this test run is on PostgreSQL.</summary>
    public static bool Selected =>
        string.Equals(Environment.GetEnvironmentVariable(SelectorVariable), StorageOptions.Postgres, StringComparison.OrdinalIgnoreCase);

    /// <summary>The server's port on 127.0.0.1.</summary>
    public int Port { get; }

    /// <summary>The server of this test process, started at the first call.</summary>
    public static Task<PostgresServer> GetAsync() => Shared.Value;

    /// <summary>The connection string of database <paramref name="database"/>.</summary>
    public string ConnectionString(string database) =>
        $"Host=127.0.0.1;Port={Port};Username=cpom;Database={database};Maximum Pool Size=30;Timeout=30";

    /// <summary>Creates an empty database and returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync()
    {
        var name = "cpom_" + Guid.NewGuid().ToString("N")[..16];
        await using (var connection = new NpgsqlConnection(ConnectionString("postgres") + ";Pooling=false"))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            await command.ExecuteNonQueryAsync();
        }
        return ConnectionString(name);
    }

    /// <summary>The storage settings of a new database on this server.</summary>
    public async Task<StorageOptions> CreateStorageAsync() =>
        new() { Provider = StorageOptions.Postgres, ConnectionString = await CreateDatabaseAsync() };

    private static async Task<PostgresServer> StartAsync()
    {
        RemoveLeftovers();
        var bin = FindBinaries();
        var asPostgresUser = Environment.UserName == "root";
        var root = Directory.CreateTempSubdirectory("cpom-pg-").FullName;
        var port = LoopbackPort.Free();
        var server = new PostgresServer(root, bin, asPostgresUser, port);
        if (asPostgresUser)
        {
            // initdb refuses to run as root: the folder belongs to postgres.
            Run("chown", "-R", "postgres:postgres", root);
        }
        var data = Path.Combine(root, "data");
        server.RunAsServerUser(Path.Combine(bin, "initdb"), "-D", data, "-U", "cpom", "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync");
        // Enough connections for the test classes that run in parallel, each with its own pool.
        server.RunAsServerUser(Path.Combine(bin, "pg_ctl"), "-D", data, "-l", Path.Combine(root, "server.log"), "-w", "-t", "60",
            "-o", $"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c max_connections=400 -c max_wal_size=64MB -c min_wal_size=32MB", "start");
        AppDomain.CurrentDomain.ProcessExit += (_, _) => server.Stop();
        server.StartWatchdog();
        await using (var connection = new NpgsqlConnection(server.ConnectionString("postgres") + ";Pooling=false"))
        {
            await connection.OpenAsync();
        }
        return server;
    }

    private void Stop()
    {
        try
        {
            RunAsServerUser(Path.Combine(_bin, "pg_ctl"), "-D", Path.Combine(_root, "data"), "-m", "immediate", "-w", "stop");
        }
        catch (InvalidOperationException)
        {
            // Already stopped.
        }
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The next run's RemoveLeftovers deletes it.
        }
    }

    /// <summary>
    /// Stops the server and deletes its folder once this test process has ended, however it ends. The
    /// test host is often killed right after the last test (vstest does not wait for ProcessExit
    /// handlers to finish), which left a running server or a 41 MB folder behind at every run: a shell
    /// of its own, detached from this process (setsid, not a child of the test host), waits for this
    /// process to be gone, stops the server if it still runs, and deletes the folder.
    /// </summary>
    private void StartWatchdog()
    {
        var stop = $"'{Path.Combine(_bin, "pg_ctl")}' -D '{Path.Combine(_root, "data")}' -m immediate -w stop";
        if (_asPostgresUser)
        {
            stop = "runuser -u postgres -- " + stop;
        }
        var watch = $"while kill -0 {Environment.ProcessId} 2>/dev/null; do sleep 1; done; {stop} >/dev/null 2>&1; rm -rf '{_root}'";
        // The outer shell exits at once: the watcher, started in a session of its own, is adopted by init.
        Run("/bin/sh", "-c", $"setsid /bin/sh -c \"{watch}\" </dev/null >/dev/null 2>&1 &");
    }

    /// <summary>
    /// Deletes the folders of earlier runs whose server is stopped (no <c>postmaster.pid</c>) and that
    /// nothing touched for ten minutes: a test process killed at its end may stop its server without
    /// getting to delete the folder.
    /// </summary>
    private static void RemoveLeftovers()
    {
        foreach (var folder in Directory.EnumerateDirectories(Path.GetTempPath(), "cpom-pg-*"))
        {
            try
            {
                if (!File.Exists(Path.Combine(folder, "data", "postmaster.pid"))
                    && Directory.GetLastWriteTimeUtc(folder) < DateTime.UtcNow.AddMinutes(-10))
                {
                    Directory.Delete(folder, recursive: true);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Someone else's, or in use: left alone.
            }
        }
    }

    private static string FindBinaries()
    {
        var configured = Environment.GetEnvironmentVariable("PG_BIN");
        if (!string.IsNullOrEmpty(configured) && File.Exists(Path.Combine(configured, "initdb")))
        {
            return configured;
        }
        const string debian = "/usr/lib/postgresql";
        var found = Directory.Exists(debian)
            ? Directory.GetDirectories(debian)
                .Select(d => Path.Combine(d, "bin"))
                .Where(d => File.Exists(Path.Combine(d, "initdb")))
                .OrderByDescending(d => int.TryParse(Path.GetFileName(Path.GetDirectoryName(d)), out var v) ? v : 0)
                .FirstOrDefault()
            : null;
        return found ?? throw new InvalidOperationException(
            "PostgreSQL server binaries not found (initdb): install them (apt-get install -y postgresql) or set PG_BIN.");
    }

    private void RunAsServerUser(string program, params string[] args)
    {
        if (_asPostgresUser)
        {
            Run("runuser", ["-u", "postgres", "--", program, .. args]);
        }
        else
        {
            Run(program, args);
        }
    }

    private static void Run(string program, params string[] args)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{program} did not start.");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', args)} exited with {process.ExitCode}: {error} {output.Result}");
        }
    }
}
