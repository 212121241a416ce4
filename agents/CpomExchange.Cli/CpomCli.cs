using System.CommandLine;
using System.CommandLine.Help;
using CpomExchange.Cli.Client;
using CpomExchange.Cli.Commands;
using CpomExchange.Cli.Text;

namespace CpomExchange.Cli;

/// <summary>What a command writes to and reads from: the person's terminal, or a script's streams.</summary>
internal sealed record CliIo(TextWriter Out, TextWriter Err, CliConsole Console);

/// <summary>The <c>cpom</c> command line: the commands, their options and what they print.</summary>
public static class CpomCli
{
    internal static readonly Option<string?> GatewayOption = new("--gateway") { Description = "Adresse de la passerelle (défaut : $CPOM_GATEWAY, la configuration, ou https://localhost:5443).", HelpName = "URL", Recursive = true };
    internal static readonly Option<string?> AsOption = new("--as") { Description = "Identité de développement, dans le dossier dev/ du dossier d'état de la passerelle (ex. prevy-agent).", HelpName = "IDENTITÉ", Recursive = true };
    internal static readonly Option<string?> CaOption = new("--ca") { Description = "Autorité qui a émis le certificat de la passerelle (PEM), si elle n'est pas dans le magasin du système.", HelpName = "FICHIER", Recursive = true };
    internal static readonly Option<string?> ConfigOption = new("--config") { Description = "Fichier de configuration JSON (gateway, cert, key, ca).", HelpName = "FICHIER", Recursive = true };
    internal static readonly Option<string?> HomeOption = new("--home") { Description = "Dossier d'état de la passerelle, qui contient dev/ (défaut : $CPOM_HOME, sinon .cpom/ du dossier courant).", HelpName = "DOSSIER", Recursive = true };
    internal static readonly Option<string?> PoliciesOption = new("--policies") { Description = "Dossier des politiques (défaut : $CPOM_POLICIES, ./policies ou celui livré avec cpom).", HelpName = "DOSSIER" };
    internal static readonly Option<bool> JsonOption = new("--json") { Description = "Sortie JSON pour les scripts.", Recursive = true };

    /// <summary>Runs <c>cpom</c> with <paramref name="args"/>, writing to the given writers; returns the exit code.</summary>
    public static Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken = default) =>
        RunAsync(args, stdout, stderr, CliConsole.None, cancellationToken);

    /// <summary>Runs <c>cpom</c> with <paramref name="args"/>, reading confirmations from <paramref name="console"/>; returns the exit code.</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, CliConsole console, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        ArgumentNullException.ThrowIfNull(console);
        // Nothing below sees the process's writers: what comes from the gateway or a file is printed
        // without the control and bidirectional characters a counterpart may have put in it.
        var io = new CliIo(TerminalWriter.Wrap(stdout), TerminalWriter.Wrap(stderr), console);
        var root = Build(io);
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0 && parse.Action is not FrenchHelpAction)
        {
            foreach (var line in ParseErrors.Describe(parse))
            {
                await io.Err.WriteLineAsync(line);
            }
            return ExitCodes.Usage;
        }
        try
        {
            return await parse.InvokeAsync(new InvocationConfiguration { Output = io.Out, Error = io.Err, EnableDefaultExceptionHandler = false }, cancellationToken);
        }
        catch (UsageException e)
        {
            // A command that runs offline (validate, policy check) and fails on what it was given.
            await io.Err.WriteLineAsync(e.Message);
            return ExitCodes.Usage;
        }
        catch (CpomExchange.Rules.Policies.PolicyException e)
        {
            // The policy folder cpom reads (validate's schemas) is itself invalid: as `policy check` says.
            await io.Err.WriteLineAsync(e.Message);
            await io.Err.WriteLineAsync("Le détail : cpom policy check");
            return ExitCodes.InvalidFile;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // A bug, or an answer no version of the gateway gives: said in one line, not a stack trace.
            await io.Err.WriteLineAsync($"Erreur inattendue ({e.GetType().Name}) : {e.Message}");
            return ExitCodes.Error;
        }
    }

    internal static RootCommand Build(CliIo io)
    {
        var root = new RootCommand("cpom : échanges de données des CPOM (SPSTI, caisses, DREETS) par la passerelle CpomExchange.");
        foreach (var option in new Option[] { GatewayOption, AsOption, CaOption, ConfigOption, HomeOption, JsonOption })
        {
            root.Options.Add(option);
        }
        foreach (var option in root.Options)
        {
            if (option is HelpOption help)
            {
                help.Action = new FrenchHelpAction(io.Out);
                help.Description = "Afficher l'aide (celle d'une commande : cpom COMMANDE --help).";
            }
            else if (option is VersionOption version)
            {
                version.Description = "Afficher la version de cpom.";
            }
        }
        root.Subcommands.Add(DatasetCommands.Upload(io));
        root.Subcommands.Add(DatasetCommands.Inbox(io));
        root.Subcommands.Add(DatasetCommands.Download(io));
        root.Subcommands.Add(InfoCommands.Validate(io));
        root.Subcommands.Add(DatasetCommands.Status(io));
        root.Subcommands.Add(DatasetCommands.Acknowledge(io));
        root.Subcommands.Add(DatasetCommands.Withdraw(io));
        root.Subcommands.Add(ConsentCommands.Build(io));
        root.Subcommands.Add(InfoCommands.Indicators(io));
        root.Subcommands.Add(TargetingCommands.Build(io));
        root.Subcommands.Add(InfoCommands.WhoAmI(io));
        root.Subcommands.Add(PolicyCommands.Build(io));
        root.Subcommands.Add(RegistreCommands.Registre(io));
        root.Subcommands.Add(AdminCommands.Build(io));
        root.Subcommands.Add(NotificationCommands.Own(io));
        root.Subcommands.Add(AuditCommands.Build(io));
        return root;
    }

    /// <summary>
    /// Makes <paramref name="command"/> speak to the gateway: adds the options that name the caller's
    /// certificate (<c>--cert</c>/<c>--key</c>, or other names where <c>--cert</c> means something
    /// else) and runs <paramref name="action"/> with a client, mapping failures to exit codes.
    /// </summary>
    internal static void Attach(Command command, CliIo io,
        Func<GatewayClient, Output, ParseResult, CancellationToken, Task<int>> action, string certName = "--cert", string keyName = "--key",
        Func<ParseResult, bool>? offlineWhen = null)
    {
        var cert = new Option<string?>(certName) { Description = "Votre certificat d'agent (PEM), à la place de --as ou de la configuration.", HelpName = "FICHIER" };
        var key = new Option<string?>(keyName) { Description = "La clé privée de ce certificat (PEM).", HelpName = "FICHIER" };
        command.Options.Add(cert);
        command.Options.Add(key);
        command.SetAction(async (parse, ct) =>
        {
            var output = new Output(io, parse.GetValue(JsonOption));
            try
            {
                if (offlineWhen?.Invoke(parse) == true)
                {
                    // The command works offline: no identity, no connection.
                    return await action(null!, output, parse, ct);
                }
                var identity = ClientIdentity.Resolve(parse.GetValue(GatewayOption), parse.GetValue(AsOption), parse.GetValue(cert),
                    parse.GetValue(key), parse.GetValue(CaOption), parse.GetValue(ConfigOption), parse.GetValue(HomeOption));
                using var client = new GatewayClient(identity.Gateway, identity.Certificate, identity.ServerCa);
                return await action(client, output, parse, ct);
            }
            catch (UsageException e)
            {
                await io.Err.WriteLineAsync(e.Message);
                return ExitCodes.Usage;
            }
            catch (GatewayProblemException e)
            {
                return output.Problem(e.Problem);
            }
            catch (GatewayUnreachableException e)
            {
                await io.Err.WriteLineAsync(e.Message);
                return ExitCodes.Unreachable;
            }
            catch (IntegrityException e)
            {
                await io.Err.WriteLineAsync(e.Message + " Aucun fichier n'a été conservé.");
                return ExitCodes.Integrity;
            }
        });
    }
}
