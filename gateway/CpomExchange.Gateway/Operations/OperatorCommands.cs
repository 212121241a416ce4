using CpomExchange.Gateway.Hosting;
using CpomExchange.Infrastructure;
using CpomExchange.Infrastructure.Pki;
using CpomExchange.Infrastructure.Storage;
using CpomExchange.Rules.Policies;
using CpomExchange.Rules.Text;

namespace CpomExchange.Gateway.Operations;

/// <summary>
/// The operator's commands of the gateway's own binary, run instead of the service when the first
/// argument is a word rather than a setting: <c>migrate</c> brings the database up to date before
/// instances start with <c>Storage:MigrateAtStartup=false</c>; <c>dev init</c> creates the
/// development PKI and registers the demo identities without starting the service. They read the
/// same settings as the service (appsettings.json, environment, <c>--Section:Key value</c>), so
/// they act on the database and state folder the gateway would use. They live here, not in
/// <c>cpom</c>: the agents' tool carries no database driver.
/// </summary>
public static class OperatorCommands
{
    /// <summary>Done.</summary>
    public const int Ok = 0;
    /// <summary><c>migrate --check</c>: migrations are pending.</summary>
    public const int Pending = 1;
    /// <summary>Wrong usage or settings (unknown command, missing connection string).</summary>
    public const int Usage = 2;
    /// <summary>Refused: <c>dev init</c> outside the Development environment.</summary>
    public const int Refused = 4;
    /// <summary>The database could not be reached or refused the connection.</summary>
    public const int Unreachable = 6;

    private static readonly string[] Known = ["migrate", "dev init", "help"];

    /// <summary>
    /// True when <paramref name="args"/> names a command rather than settings for the service: a first
    /// word that is neither an option (<c>--urls</c>) nor a <c>key=value</c> setting, or a request for help.
    /// </summary>
    public static bool Handles(IReadOnlyList<string> args) =>
        args is [var first, ..] && ((!first.StartsWith('-') && !first.Contains('=', StringComparison.Ordinal)) || first is "-h" or "--help" or "-?");

    /// <summary>Runs the command of <paramref name="args"/>; returns the exit code.</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        switch (args)
        {
            case ["migrate", .. var rest]:
                return await MigrateAsync(rest, stdout, stderr, cancellationToken);
            case ["dev", "init", .. var rest]:
                return await DevInitAsync(rest, stdout, stderr, cancellationToken);
            case ["help" or "-h" or "--help" or "-?", ..]:
                await stdout.WriteAsync(HelpText);
                return Ok;
            default:
                var typed = args[0] == "dev" && args.Length > 1 ? "dev " + args[1] : args[0];
                await stderr.WriteLineAsync($"Commande inconnue : « {typed} ».{Suggestion(typed)}");
                await stderr.WriteAsync(HelpText);
                return Usage;
        }
    }

    private const string HelpText = """
        Commandes d'exploitation de la passerelle (sans argument : la passerelle démarre) :
          migrate [--check] [--provider Sqlite|Postgres]   met à jour le schéma de la base (Storage:Provider, Storage:ConnectionString) ;
                                                           --check n'applique rien et sort avec le code 1 s'il reste des migrations
          dev init                                         crée la PKI de développement et enregistre les identités de démonstration
                                                           (environnement Development seulement ; ne remplace rien)
        Les réglages sont ceux de la passerelle : appsettings.json, variables d'environnement (Storage__ConnectionString),
        ou --Section:Clé valeur (ex. --Cpom:Home /srv/cpom). Codes de sortie : 0 fait, 1 migrations en attente (--check),
        2 commande ou réglage incorrect, 4 refusé (dev init hors Development), 6 base de données injoignable.

        """;

    /// <summary><c>migrate [--check] [--provider P]</c>: the pending migrations, listed or applied.</summary>
    private static async Task<int> MigrateAsync(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        var check = false;
        string? provider = null;
        var settings = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--check":
                    check = true;
                    break;
                case "--provider" when i + 1 < args.Length:
                    provider = args[++i];
                    break;
                case "--provider":
                    await stderr.WriteLineAsync("--provider demande une valeur : Sqlite ou Postgres.");
                    return Usage;
                default:
                    settings.Add(args[i]);
                    break;
            }
        }
        if (Settings(settings, stderr) is not { } configuration)
        {
            return Usage;
        }
        var (storage, home) = (configuration.Storage, configuration.Home);
        if (provider is not null)
        {
            storage.Provider = provider;
        }
        try
        {
            CpomDatabase.ConnectionString(storage, home);
        }
        catch (InvalidOperationException e)
        {
            await stderr.WriteLineAsync(e.Message);
            return Usage;
        }
        try
        {
            await using var db = await CpomDatabase.OpenAsync(storage, home, migrate: false, cancellationToken);
            var pending = await CpomDatabase.PendingMigrationsAsync(db, cancellationToken);
            if (check)
            {
                await stdout.WriteLineAsync(pending.Count == 0
                    ? $"Base de données {storage.Provider} à jour."
                    : $"{pending.Count} migration(s) à appliquer ({storage.Provider}) : {string.Join(", ", pending)}");
                return pending.Count == 0 ? Ok : Pending;
            }
            var applied = pending.Count == 0 ? [] : await CpomDatabase.MigrateAsync(db, cancellationToken);
            await stdout.WriteLineAsync(applied.Count == 0
                ? $"Base de données {storage.Provider} déjà à jour : rien à appliquer."
                : $"{applied.Count} migration(s) appliquée(s) ({storage.Provider}) : {string.Join(", ", applied)}");
            return Ok;
        }
        catch (System.Data.Common.DbException e)
        {
            // The provider's message names the host or the error, never the password.
            await stderr.WriteLineAsync($"Base de données {storage.Provider} injoignable ou refusée : {e.Message}");
            return Unreachable;
        }
    }

    /// <summary><c>dev init</c>: what the gateway does at its first start in Development, without starting it.</summary>
    private static async Task<int> DevInitAsync(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        if (Settings(args, stderr) is not { } configuration)
        {
            return Usage;
        }
        if (!configuration.Development)
        {
            await stderr.WriteLineAsync($"« dev init » ne sert qu'en développement (environnement actuel : {configuration.Environment}) : "
                + "ajoutez --environment Development, ou lancez-le par « dotnet run --project gateway/CpomExchange.Gateway -- dev init ».");
            return Refused;
        }
        var policies = PolicyLoader.Load(PolicyLoader.ResolveDirectory(configuration.Options.Policies));
        try
        {
            CpomDatabase.ConnectionString(configuration.Storage, configuration.Home);
        }
        catch (InvalidOperationException e)
        {
            await stderr.WriteLineAsync(e.Message);
            return Usage;
        }
        try
        {
            await using var db = await CpomDatabase.OpenAsync(configuration.Storage, configuration.Home, migrate: configuration.Storage.MigrateAtStartup, cancellationToken);
            var created = await DevPki.EnsureAsync(configuration.Home, policies, db, cancellationToken);
            await stdout.WriteLineAsync($"PKI de développement : {configuration.Home.DevDirectory}");
            await stdout.WriteLineAsync(created.Count == 0
                ? "Toutes les identités existaient déjà ; rien n'a été remplacé."
                : $"{created.Count} identité(s) créée(s) et enregistrée(s) : {string.Join(", ", created)}");
            return Ok;
        }
        catch (System.Data.Common.DbException e)
        {
            await stderr.WriteLineAsync($"Base de données {configuration.Storage.Provider} injoignable ou refusée : {e.Message}");
            return Unreachable;
        }
    }

    /// <summary>The service's settings for <paramref name="args"/>, or null (said on <paramref name="stderr"/>) when an argument is not a setting.</summary>
    private static OperatorSettings? Settings(IReadOnlyList<string> args, TextWriter stderr)
    {
        for (var i = 0; i < args.Count; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal))
            {
                stderr.WriteLine($"Argument inattendu : « {args[i]} ». Les réglages s'écrivent --Section:Clé valeur (ex. --Storage:Provider Postgres).");
                return null;
            }
            if (!args[i].Contains('=', StringComparison.Ordinal))
            {
                i++; // its value
            }
        }
        try
        {
            var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = [.. args], ContentRootPath = AppContext.BaseDirectory });
            // The gateway's own reading: every section bound once and validated, every wrong setting named.
            var settings = GatewaySettings.Read(builder.Configuration, "Commande impossible");
            return new OperatorSettings(settings.Gateway, settings.Storage, CpomHome.FromEnvironment(settings.Gateway.Home), builder.Environment.EnvironmentName,
                builder.Environment.IsDevelopment());
        }
        catch (FormatException e)
        {
            stderr.WriteLine($"Réglages illisibles : {e.Message}");
            return null;
        }
        catch (InvalidOperationException e)
        {
            stderr.WriteLine(e.Message);
            return null;
        }
    }

    private static string Suggestion(string typed)
    {
        var best = Known.FirstOrDefault(k => k.StartsWith(typed + " ", StringComparison.Ordinal)) ?? Known.MinBy(k => Suggestions.Distance(k, typed));
        return best is not null && (best.StartsWith(typed + " ", StringComparison.Ordinal) || Suggestions.Distance(best, typed) <= Math.Max(2, typed.Length / 3)) ? $" Vouliez-vous dire « {best} » ?" : string.Empty;
    }

    private sealed record OperatorSettings(GatewayOptions Options, StorageOptions Storage, CpomHome Home, string Environment, bool Development);
}
