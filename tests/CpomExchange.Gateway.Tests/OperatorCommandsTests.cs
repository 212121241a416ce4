using System.Diagnostics;
using CpomExchange.Gateway.Operations;
using CpomExchange.Infrastructure;
using CpomExchange.Infrastructure.Storage;
using CpomExchange.Tests.Shared;
using Npgsql;

namespace CpomExchange.Gateway.Tests;

/// <summary>
/// The operator's commands of the gateway's binary (<c>migrate</c>, <c>dev init</c>), in process with
/// their settings on the command line, and through <c>dotnet CpomExchange.Gateway.dll</c> with the
/// environment, as a release runs them. They moved here from <c>cpom</c>, which carries no database driver.
/// </summary>
public sealed class OperatorCommandsTests : IDisposable
{
    private readonly string _home = Directory.CreateTempSubdirectory("cpom-operator-").FullName;

    public void Dispose()
    {
        CpomDatabase.ClearPools();
        Directory.Delete(_home, recursive: true);
    }

    private static async Task<(int Exit, string Out, string Err)> RunAsync(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var exit = await OperatorCommands.RunAsync(args, stdout, stderr);
        return (exit, stdout.ToString(), stderr.ToString());
    }

    /// <summary>Every migration the gateway ships for <paramref name="storage"/>'s provider (read from the assembly: nothing connects).</summary>
    private static List<string> Shipped(StorageOptions storage)
    {
        using var db = CpomDatabase.Create(storage, new CpomHome(Path.GetTempPath()));
        return [.. Microsoft.EntityFrameworkCore.RelationalDatabaseFacadeExtensions.GetMigrations(db.Database)];
    }

    [Fact]
    public async Task Sqlite_CheckListsWhatIsPending_MigrateAppliesIt_ThenNothingIsLeft()
    {
        var shipped = Shipped(new StorageOptions());
        var before = await RunAsync("migrate", "--check", "--Cpom:Home", _home);
        Assert.Equal(OperatorCommands.Pending, before.Exit);
        Assert.Contains($"{shipped.Count} migration(s) à appliquer (Sqlite)", before.Out, StringComparison.Ordinal);
        foreach (var name in new[] { "_Initial", "_Leases", "_DatasetFilesDeleted", "_KeysDataKeysInDatabase" })
        {
            Assert.Contains(shipped, m => m.EndsWith(name, StringComparison.Ordinal));
        }
        foreach (var migration in shipped)
        {
            Assert.Contains(migration, before.Out, StringComparison.Ordinal);
        }

        var applied = await RunAsync("migrate", "--Cpom:Home=" + _home);
        Assert.True(applied.Exit == OperatorCommands.Ok, applied.Err);
        Assert.Contains($"{shipped.Count} migration(s) appliquée(s) (Sqlite)", applied.Out, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(_home, "cpom.db")));

        var again = await RunAsync("migrate", "--Cpom:Home", _home);
        Assert.True(again.Exit == OperatorCommands.Ok, again.Err);
        Assert.Contains("déjà à jour : rien à appliquer", again.Out, StringComparison.Ordinal);
        Assert.Equal(OperatorCommands.Ok, (await RunAsync("migrate", "--check", "--Cpom:Home", _home)).Exit);
    }

    [Fact]
    public async Task WrongSettings_AreAllNamed_AndNothingIsCreated()
    {
        // The operator's commands read the settings as the gateway does: validated, every wrong one named at once.
        var refused = await RunAsync("migrate", "--Cpom:Home", _home, "--Cpom:TimeZone", "Europe/Nowhere", "--Cpom:Limits:ConcurrentUploadsPerOrganisation", "0");
        Assert.Equal(OperatorCommands.Usage, refused.Exit);
        Assert.Contains("Commande impossible : 2 réglage(s) invalide(s)", refused.Err, StringComparison.Ordinal);
        Assert.Contains("Cpom:TimeZone", refused.Err, StringComparison.Ordinal);
        Assert.Contains("Cpom:Limits:ConcurrentUploadsPerOrganisation", refused.Err, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_home, "cpom.db")));
    }

    [Fact]
    public async Task Postgres_CreatesTheSchemaWithItsAppendOnlyTriggers()
    {
        var server = await PostgresServer.GetAsync();
        var connectionString = await server.CreateDatabaseAsync();

        var applied = await RunAsync("migrate", "--Cpom:Home", _home, "--Storage:Provider", "Postgres", "--Storage:ConnectionString", connectionString);
        Assert.True(applied.Exit == OperatorCommands.Ok, applied.Err);
        var shipped = Shipped(new StorageOptions { Provider = "Postgres", ConnectionString = connectionString });
        Assert.Contains(shipped, m => m.EndsWith("_KeysDataKeysInDatabase", StringComparison.Ordinal));
        Assert.Contains($"{shipped.Count} migration(s) appliquée(s) (Postgres)", applied.Out, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_home, "cpom.db")));

        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT count(*) FROM pg_trigger WHERE NOT tgisinternal AND tgname LIKE 'access_log_%'", connection);
        Assert.Equal(6L, (long)(await command.ExecuteScalarAsync())!);
        // --provider overrides the setting.
        Assert.Equal(OperatorCommands.Ok, (await RunAsync("migrate", "--check", "--provider", "Postgres", "--Cpom:Home", _home, "--Storage:ConnectionString", connectionString)).Exit);
    }

    [Fact]
    public async Task Postgres_WithoutConnectionString_IsAUsageError_InFrench()
    {
        var result = await RunAsync("migrate", "--provider", "Postgres", "--Cpom:Home", _home);
        Assert.Equal(OperatorCommands.Usage, result.Exit);
        Assert.Contains("Storage:ConnectionString", result.Err, StringComparison.Ordinal);
        Assert.Contains("est requis", result.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Postgres_Unreachable_SaysSo_WithoutThePassword()
    {
        // A closed port: nothing listens there.
        var result = await RunAsync("migrate", "--Cpom:Home", _home, "--Storage:Provider", "Postgres",
            "--Storage:ConnectionString", "Host=127.0.0.1;Port=1;Username=cpom;Password=secret-qui-ne-sort-pas;Database=cpom;Timeout=3");
        Assert.Equal(OperatorCommands.Unreachable, result.Exit);
        Assert.Contains("injoignable", result.Err, StringComparison.Ordinal);
        Assert.DoesNotContain("secret-qui-ne-sort-pas", result.Err + result.Out, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("migrat", "Commande inconnue : « migrat ». Vouliez-vous dire « migrate » ?")]
    [InlineData("dev", "Commande inconnue : « dev ». Vouliez-vous dire « dev init » ?")]
    [InlineData("purge", "Commande inconnue : « purge ».\n")]
    public async Task UnknownCommand_IsAUsageError_WithASuggestion(string command, string message)
    {
        var result = await RunAsync(command);
        Assert.Equal(OperatorCommands.Usage, result.Exit);
        Assert.StartsWith(message, result.Err, StringComparison.Ordinal);
        Assert.Contains("migrate [--check]", result.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AStrayWord_AmongTheSettings_IsAUsageError()
    {
        var result = await RunAsync("migrate", "--check", "maintenant");
        Assert.Equal(OperatorCommands.Usage, result.Exit);
        Assert.Contains("Argument inattendu : « maintenant »", result.Err, StringComparison.Ordinal);
    }

    [Fact]
    public void OnlyAWordFirst_IsACommand_SettingsStartTheService()
    {
        Assert.True(OperatorCommands.Handles(["migrate"]));
        Assert.True(OperatorCommands.Handles(["--help"]));
        Assert.False(OperatorCommands.Handles([]));
        Assert.False(OperatorCommands.Handles(["--urls", "https://127.0.0.1:5444"]));
        Assert.False(OperatorCommands.Handles(["--environment", "Development"]));
        Assert.False(OperatorCommands.Handles(["urls=https://127.0.0.1:5444"]));
    }

    [Fact]
    public async Task DevInit_CreatesAndRegistersEveryIdentity_ThenNeverOverwrites()
    {
        var created = await RunAsync("dev", "init", "--environment", "Development", "--Cpom:Home", _home, "--Cpom:Policies", TestPaths.Policies);
        Assert.True(created.Exit == OperatorCommands.Ok, created.Err);
        // 12 agents + 12 DPOs + 4 PDP cells + 4 services sociaux + admin.
        Assert.Contains("33 identité(s) créée(s) et enregistrée(s)", created.Out, StringComparison.Ordinal);
        foreach (var ext in new[] { ".pem", ".key", ".pfx" })
        {
            Assert.True(File.Exists(Path.Combine(_home, "dev", "pst38-pdp" + ext)));
        }
        Assert.True(File.Exists(Path.Combine(_home, "dev", "carsat-ra-service-social.pem")));
        await using (var db = await CpomDatabase.OpenSqliteAsync(new CpomHome(_home)))
        {
            Assert.Equal(33, await Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.CountAsync(db.Agents));
        }

        var before = await File.ReadAllTextAsync(Path.Combine(_home, "dev", "prevy-agent.pem"));
        var again = await RunAsync("dev", "init", "--environment", "Development", "--Cpom:Home", _home, "--Cpom:Policies", TestPaths.Policies);
        Assert.True(again.Exit == OperatorCommands.Ok, again.Err);
        Assert.Contains("rien n'a été remplacé", again.Out, StringComparison.Ordinal);
        Assert.Equal(before, await File.ReadAllTextAsync(Path.Combine(_home, "dev", "prevy-agent.pem")));
    }

    [Fact]
    public async Task DevInit_OutsideDevelopment_IsRefused_AndCreatesNothing()
    {
        var result = await RunAsync("dev", "init", "--environment", "Production", "--Cpom:Home", _home, "--Cpom:Policies", TestPaths.Policies);
        Assert.Equal(OperatorCommands.Refused, result.Exit);
        Assert.Contains("ne sert qu'en développement (environnement actuel : Production)", result.Err, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_home, "dev")));
    }

    [Fact]
    public async Task TheGatewayBinary_RunsMigrate_OnTheDatabaseItsEnvironmentNames()
    {
        var applied = await RunGatewayAsync("migrate");
        Assert.True(applied.Exit == OperatorCommands.Ok, $"exit {applied.Exit}: {applied.Err}");
        Assert.Matches(@"^[0-9]+ migration\(s\) appliquée\(s\) \(Sqlite\) : ", applied.Out);
        // The database the connection string named, not the state folder's default; and the service did not start.
        Assert.True(File.Exists(Path.Combine(_home, "elsewhere.db")));
        Assert.False(File.Exists(Path.Combine(_home, "cpom.db")));
        Assert.False(Directory.Exists(Path.Combine(_home, "dev")));

        var check = await RunGatewayAsync("migrate", "--check");
        Assert.True(check.Exit == OperatorCommands.Ok, $"exit {check.Exit}: {check.Err}");
        Assert.Equal("Base de données Sqlite à jour.", check.Out.Trim());
    }

    /// <summary>Runs <c>dotnet CpomExchange.Gateway.dll</c> as a release does: the database named by the environment, never on the command line.</summary>
    private async Task<(int Exit, string Out, string Err)> RunGatewayAsync(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = _home };
        foreach (var arg in args.Prepend(Path.Combine(AppContext.BaseDirectory, "CpomExchange.Gateway.dll")))
        {
            start.ArgumentList.Add(arg);
        }
        start.Environment["CPOM_HOME"] = _home;
        start.Environment["Storage__Provider"] = "Sqlite";
        start.Environment["Storage__ConnectionString"] = $"Data Source={Path.Combine(_home, "elsewhere.db")}";
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await output, error);
    }
}
