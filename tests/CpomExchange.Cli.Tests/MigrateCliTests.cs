using System.Text.Json;
using CpomExchange.Tests.Shared;
using Npgsql;

namespace CpomExchange.Cli.Tests;

/// <summary>These tests set the process's Storage__ environment variables: nothing runs beside them.</summary>
[CollectionDefinition(nameof(StorageEnvironment), DisableParallelization = true)]
public sealed class StorageEnvironment;

/// <summary><c>cpom admin migrate</c> on SQLite and on a real PostgreSQL server.</summary>
[Collection(nameof(StorageEnvironment))]
public sealed class MigrateCliTests : IDisposable
{
    private readonly string _home = Directory.CreateTempSubdirectory("cpom-cli-migrate-").FullName;

    public void Dispose()
    {
        Environment.SetEnvironmentVariable("Storage__Provider", null);
        Environment.SetEnvironmentVariable("Storage__ConnectionString", null);
        CpomExchange.Infrastructure.Storage.CpomDatabase.ClearPools();
        Directory.Delete(_home, recursive: true);
    }

    /// <summary>Every migration the gateway ships for <paramref name="storage"/>'s provider (read from the assembly: nothing connects).</summary>
    private static List<string> Shipped(CpomExchange.Infrastructure.Storage.StorageOptions storage)
    {
        using var db = CpomExchange.Infrastructure.Storage.CpomDatabase.Create(storage, new CpomExchange.Infrastructure.CpomHome(Path.GetTempPath()));
        return [.. Microsoft.EntityFrameworkCore.RelationalDatabaseFacadeExtensions.GetMigrations(db.Database)];
    }

    [Fact]
    public async Task Sqlite_CheckListsWhatIsPending_MigrateAppliesIt_ThenNothingIsLeft()
    {
        var shipped = Shipped(new CpomExchange.Infrastructure.Storage.StorageOptions());
        var before = await CliRunner.RunAsync("admin", "migrate", "--check", "--home", _home);
        Assert.Equal(ExitCodes.Error, before.Exit);
        Assert.Contains($"{shipped.Count} migration(s) à appliquer (Sqlite)", before.Out, StringComparison.Ordinal);
        foreach (var name in new[] { "_Initial", "_Leases", "_DatasetFilesDeleted", "_KeysDataKeysInDatabase" })
        {
            Assert.Contains(shipped, m => m.EndsWith(name, StringComparison.Ordinal));
        }
        foreach (var migration in shipped)
        {
            Assert.Contains(migration, before.Out, StringComparison.Ordinal);
        }

        var applied = await CliRunner.RunAsync("admin", "migrate", "--home", _home);
        Assert.True(applied.Exit == ExitCodes.Ok, applied.Err);
        Assert.Contains($"{shipped.Count} migration(s) appliquée(s) (Sqlite)", applied.Out, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(_home, "cpom.db")));

        var again = await CliRunner.RunAsync("admin", "migrate", "--home", _home, "--json");
        Assert.True(again.Exit == ExitCodes.Ok, again.Err);
        using var json = JsonDocument.Parse(again.Out);
        Assert.Equal(0, json.RootElement.GetProperty("applied").GetArrayLength());
        Assert.Equal(ExitCodes.Ok, (await CliRunner.RunAsync("admin", "migrate", "--check", "--home", _home)).Exit);
    }

    [Fact]
    public async Task Postgres_FromTheEnvironment_CreatesTheSchemaWithItsAppendOnlyTriggers()
    {
        var server = await PostgresServer.GetAsync();
        var connectionString = await server.CreateDatabaseAsync();
        Environment.SetEnvironmentVariable("Storage__Provider", "Postgres");
        Environment.SetEnvironmentVariable("Storage__ConnectionString", connectionString);

        var applied = await CliRunner.RunAsync("admin", "migrate", "--home", _home);
        Assert.True(applied.Exit == ExitCodes.Ok, applied.Err);
        var shipped = Shipped(new CpomExchange.Infrastructure.Storage.StorageOptions { Provider = "Postgres", ConnectionString = connectionString });
        Assert.Contains(shipped, m => m.EndsWith("_KeysDataKeysInDatabase", StringComparison.Ordinal));
        Assert.Contains($"{shipped.Count} migration(s) appliquée(s) (Postgres)", applied.Out, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_home, "cpom.db")));

        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT count(*) FROM pg_trigger WHERE NOT tgisinternal AND tgname LIKE 'access_log_%'", connection);
        Assert.Equal(6L, (long)(await command.ExecuteScalarAsync())!);
        Assert.Equal(ExitCodes.Ok, (await CliRunner.RunAsync("admin", "migrate", "--check", "--home", _home)).Exit);
    }

    [Fact]
    public async Task Postgres_WithoutConnectionString_IsAUsageError_InFrench()
    {
        Environment.SetEnvironmentVariable("Storage__ConnectionString", null);
        var result = await CliRunner.RunAsync("admin", "migrate", "--provider", "Postgres", "--home", _home);
        Assert.Equal(ExitCodes.Usage, result.Exit);
        Assert.Contains("Storage:ConnectionString", result.Err, StringComparison.Ordinal);
        Assert.Contains("est requis", result.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Postgres_Unreachable_SaysSo_WithoutThePassword()
    {
        Environment.SetEnvironmentVariable("Storage__Provider", "Postgres");
        // A closed port: nothing listens there.
        Environment.SetEnvironmentVariable("Storage__ConnectionString", "Host=127.0.0.1;Port=1;Username=cpom;Password=secret-qui-ne-sort-pas;Database=cpom;Timeout=3");
        var result = await CliRunner.RunAsync("admin", "migrate", "--home", _home);
        Assert.Equal(ExitCodes.Unreachable, result.Exit);
        Assert.Contains("injoignable", result.Err, StringComparison.Ordinal);
        Assert.DoesNotContain("secret-qui-ne-sort-pas", result.Err + result.Out, StringComparison.Ordinal);
    }
}
