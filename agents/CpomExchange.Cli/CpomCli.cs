using System.CommandLine;
using CpomExchange.Cli.Client;
using CpomExchange.Cli.Commands;
using CpomExchange.Infrastructure;
using CpomExchange.Infrastructure.Pki;
using CpomExchange.Infrastructure.Storage;
using CpomExchange.Rules.Csv;
using CpomExchange.Rules.Policies;
using Spectre.Console;

namespace CpomExchange.Cli;

/// <summary>The <c>cpom</c> command line: the commands, their options and what they print.</summary>
public static class CpomCli
{
    private static readonly Option<string?> GatewayOption = new("--gateway") { Description = "Adresse de la passerelle (défaut : $CPOM_GATEWAY, la configuration, ou https://localhost:5443).", Recursive = true };
    private static readonly Option<string?> AsOption = new("--as") { Description = "Identité de développement de $CPOM_HOME/dev/ (ex. prevy-agent).", Recursive = true };
    private static readonly Option<string?> CaOption = new("--ca") { Description = "Autorité qui a émis le certificat de la passerelle (PEM), si elle n'est pas dans le magasin du système.", Recursive = true };
    private static readonly Option<string?> ConfigOption = new("--config") { Description = "Fichier de configuration JSON (gateway, cert, key, ca).", Recursive = true };
    private static readonly Option<string?> HomeOption = new("--home") { Description = "Dossier d'état (défaut : $CPOM_HOME ou .cpom).", Recursive = true };
    private static readonly Option<string?> PoliciesOption = new("--policies") { Description = "Dossier des politiques (défaut : $CPOM_POLICIES, ./policies ou celui livré avec cpom)." };
    private static readonly Option<bool> JsonOption = new("--json") { Description = "Sortie JSON pour les scripts.", Recursive = true };

    /// <summary>Runs <c>cpom</c> with <paramref name="args"/>, writing to the given writers; returns the exit code.</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        // Nothing below sees the process's writers: what comes from the gateway or a file is printed
        // without the control and bidirectional characters a counterpart may have put in it.
        stdout = TerminalWriter.Wrap(stdout);
        stderr = TerminalWriter.Wrap(stderr);
        var root = Build(stdout, stderr);
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors)
            {
                await stderr.WriteLineAsync("Commande incorrecte : " + error.Message);
            }
            await stderr.WriteLineAsync("Aide : cpom --help");
            return ExitCodes.Usage;
        }
        return await parse.InvokeAsync(new InvocationConfiguration { Output = stdout, Error = stderr, EnableDefaultExceptionHandler = false }, cancellationToken);
    }

    private static RootCommand Build(TextWriter stdout, TextWriter stderr)
    {
        var root = new RootCommand("cpom : échanges de données des CPOM (SPSTI, caisses, DREETS) par la passerelle CpomExchange.");
        foreach (var option in new Option[] { GatewayOption, AsOption, CaOption, ConfigOption, HomeOption, JsonOption })
        {
            root.Options.Add(option);
        }
        root.Subcommands.Add(UploadCommand(stdout, stderr));
        root.Subcommands.Add(InboxCommand(stdout, stderr));
        root.Subcommands.Add(DownloadCommand(stdout, stderr));
        root.Subcommands.Add(ValidateCommand(stdout, stderr));
        root.Subcommands.Add(StatusCommand(stdout, stderr));
        root.Subcommands.Add(AckCommand(stdout, stderr));
        root.Subcommands.Add(WithdrawCommand(stdout, stderr));
        root.Subcommands.Add(ConsentCommands.Build(stdout, stderr));
        root.Subcommands.Add(IndicatorsCommand(stdout, stderr));
        root.Subcommands.Add(WhoAmICommand(stdout, stderr));
        root.Subcommands.Add(PolicyCommands.Build(stdout, stderr, JsonOption));
        root.Subcommands.Add(AdminCommands.Build(stdout, stderr, HomeOption, JsonOption));
        root.Subcommands.Add(AuditCommands.Build(stdout, stderr, HomeOption));
        root.Subcommands.Add(DevCommand(stdout, stderr));
        return root;
    }

    private static Command UploadCommand(TextWriter stdout, TextWriter stderr)
    {
        var file = new Argument<FileInfo>("FICHIER") { Description = "Le fichier CSV à déposer." };
        var type = new Option<string>("--type") { Description = "Type d'échange (ex. adherents).", Required = true };
        var to = new Option<string?>("--to") { Description = "Organisation destinataire (ex. carsat-lr) ; sans elle, pour les entreprises ciblées, chaque SPSTI reçoit ses adhérents." };
        var purpose = new Option<string>("--purpose") { Description = "Finalité (ex. sinistralite).", Required = true };
        var caseObject = new Option<string?>("--object") { Description = "Objet : référence de dossier, 80 caractères au plus." };
        var replyTo = new Option<string?>("--reply-to") { Description = "Le jeu de données auquel ce fichier répond (une sinistralité répond à une liste d'adhérents)." };
        var command = new Command("upload", "Déposer un fichier pour une organisation partenaire.") { file, type, to, purpose, caseObject, replyTo };
        Attach(command, stdout, stderr, async (client, output, parse, ct) =>
        {
            var path = parse.GetValue(file)!;
            if (!path.Exists)
            {
                throw new UsageException($"Fichier introuvable : {path.FullName}");
            }
            await using var stream = path.OpenRead();
            var answer = await UploadWithProgressAsync(client, stream, path.Length, parse.GetValue(type)!, parse.GetValue(to),
                parse.GetValue(purpose)!, parse.GetValue(caseObject), parse.GetValue(replyTo), output, ct);
            if (output.Json)
            {
                output.WriteJson(answer);
                return ExitCodes.Ok;
            }
            if (answer.TryGetProperty("distribution", out var distribution))
            {
                output.Out.WriteLine($"Fichier déposé et réparti : {answer.GetProperty("rows").GetInt64()} ligne(s).");
                foreach (var share in distribution.EnumerateArray())
                {
                    output.Out.WriteLine($"  - {share.GetProperty("to").GetString(),-18} {share.GetProperty("rows").GetInt64(),8} ligne(s)  {share.GetProperty("datasetId").GetString() ?? "(rien à transmettre)"}");
                }
                output.Out.WriteLine($"  {answer.GetProperty("unmatched").GetInt64()} ligne(s) ne correspondent à aucun adhérent : elles n'ont été transmises à personne.");
                foreach (var spsti in answer.GetProperty("withoutAdherentsList").EnumerateArray())
                {
                    output.Out.WriteLine($"  {spsti.GetString()} n'a transmis aucune liste d'adhérents : il ne reçoit rien.");
                }
                return ExitCodes.Ok;
            }
            var info = GatewayClient.ToDataset(answer);
            output.Out.WriteLine($"Fichier déposé : {info.Rows} ligne(s) transmise(s) à {info.To}.");
            output.Dataset(info);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static async Task<System.Text.Json.JsonElement> UploadWithProgressAsync(GatewayClient client, Stream stream, long length, string type, string? to,
        string purpose, string? caseObject, string? replyTo, Output output, CancellationToken ct)
    {
        var interactive = !output.Json && output.ErrorIsConsole && !Console.IsErrorRedirected && length > 1024 * 1024;
        if (!interactive)
        {
            return await client.UploadAsync(stream, type, to, purpose, caseObject, replyTo, null, ct);
        }
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        System.Text.Json.JsonElement result = default;
        await console.Progress().AutoClear(true).StartAsync(async context =>
        {
            var task = context.AddTask("Envoi et vérification", maxValue: length);
            var progress = new Progress<long>(sent => task.Value = sent);
            result = await client.UploadAsync(stream, type, to, purpose, caseObject, replyTo, progress, ct);
            task.Value = length;
        });
        return result;
    }

    private static Command StatusCommand(TextWriter stdout, TextWriter stderr)
    {
        var id = new Argument<string>("ID") { Description = "Identifiant du jeu de données." };
        var command = new Command("status", "État d'un jeu de données : accusé de réception, retrait, destruction.") { id };
        Attach(command, stdout, stderr, async (client, output, parse, ct) =>
        {
            var info = await client.GetAsync(parse.GetValue(id)!, ct);
            if (output.Json)
            {
                output.WriteJson(info);
                return ExitCodes.Ok;
            }
            output.Dataset(info);
            output.Out.WriteLine(info.AcknowledgedAt is { } at
                ? $"  reçu        : accusé de réception par {info.AcknowledgedBy} le {at.ToLocalTime():dd/MM/yyyy HH:mm}"
                : "  reçu        : pas encore d'accusé de réception");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command AckCommand(TextWriter stdout, TextWriter stderr)
    {
        var id = new Argument<string>("ID") { Description = "Identifiant du jeu de données reçu." };
        var purpose = new Option<string>("--purpose") { Description = "Finalité (celle du dépôt).", Required = true };
        var command = new Command("ack", "Accuser réception d'un jeu de données reçu.") { id, purpose };
        Attach(command, stdout, stderr, async (client, output, parse, ct) =>
        {
            var answer = await client.SendJsonAsync(HttpMethod.Post,
                $"api/v1/datasets/{Uri.EscapeDataString(parse.GetValue(id)!)}/ack?purpose={Uri.EscapeDataString(parse.GetValue(purpose)!)}", new { }, ct);
            if (output.Json)
            {
                output.WriteJson(answer);
            }
            else
            {
                output.Out.WriteLine($"Réception accusée : {parse.GetValue(id)}.");
            }
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command WithdrawCommand(TextWriter stdout, TextWriter stderr)
    {
        var id = new Argument<string>("ID") { Description = "Identifiant d'un jeu de données que votre organisation a déposé." };
        var command = new Command("withdraw", "Retirer un jeu de données déposé : son contenu est détruit aussitôt, le destinataire en est informé.") { id };
        Attach(command, stdout, stderr, async (client, output, parse, ct) =>
        {
            var info = await client.WithdrawAsync(parse.GetValue(id)!, ct);
            if (output.Json)
            {
                output.WriteJson(info);
            }
            else
            {
                output.Out.WriteLine($"Jeu de données retiré et détruit : {info.Id} ({Output.StatusLabel(info.Status)}).");
            }
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command InboxCommand(TextWriter stdout, TextWriter stderr)
    {
        var command = new Command("inbox", "Lister les jeux de données adressés à votre organisation.");
        Attach(command, stdout, stderr, async (client, output, parse, ct) =>
        {
            var inbox = await client.InboxAsync(ct);
            if (output.Json)
            {
                output.WriteJson(inbox);
                return ExitCodes.Ok;
            }
            if (inbox.Datasets.Count == 0)
            {
                output.Out.WriteLine("Aucun jeu de données reçu.");
                return ExitCodes.Ok;
            }
            output.Out.WriteLine($"{inbox.Datasets.Count} jeu(x) de données reçu(s) :");
            output.Out.WriteLine($"{"IDENTIFIANT",-38} {"TYPE",-20} {"DE",-18} {"FINALITÉ",-14} {"LIGNES",8}  {"DÉPOSÉ LE",-16}  ÉTAT");
            foreach (var d in inbox.Datasets)
            {
                output.Out.WriteLine($"{d.Id,-38} {d.Type,-20} {d.From,-18} {d.Purpose,-14} {d.Rows,8}  {d.CreatedAt.ToLocalTime(),-16:dd/MM/yyyy HH:mm}  {Output.StatusLabel(d.Status)}");
            }
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command DownloadCommand(TextWriter stdout, TextWriter stderr)
    {
        var id = new Argument<string>("ID") { Description = "Identifiant du jeu de données." };
        var purpose = new Option<string>("--purpose") { Description = "Finalité du téléchargement (celle du dépôt).", Required = true };
        var caseObject = new Option<string?>("--object") { Description = "Objet : référence de dossier, 80 caractères au plus." };
        var outputFile = new Option<string?>("--output", "-o") { Description = "Fichier à écrire (défaut : <type>-<id>.csv) ; « - » pour la sortie standard." };
        var command = new Command("download", "Télécharger un jeu de données reçu.") { id, purpose, caseObject, outputFile };
        Attach(command, stdout, stderr, async (client, output, parse, ct) =>
        {
            var datasetId = parse.GetValue(id)!;
            var target = parse.GetValue(outputFile);
            if (target == "-")
            {
                await using var stdoutStream = Console.OpenStandardOutput();
                await client.DownloadAsync(datasetId, parse.GetValue(purpose)!, parse.GetValue(caseObject), stdoutStream, ct);
                return ExitCodes.Ok;
            }
            var info = await client.GetAsync(datasetId, ct);
            target ??= $"{info.Type}-{info.Id}.csv";
            var full = Path.GetFullPath(target);
            var partial = full + ".part";
            try
            {
                long bytes;
                string sha;
                await using (var file = new FileStream(partial, FileMode.Create, FileAccess.Write, FileShare.None))
                {
                    (bytes, sha) = await client.DownloadAsync(datasetId, parse.GetValue(purpose)!, parse.GetValue(caseObject), file, ct);
                }
                File.Move(partial, full, overwrite: true);
                if (output.Json)
                {
                    output.WriteJson(new { id = datasetId, file = full, bytes, sha256 = sha, rows = info.Rows });
                }
                else
                {
                    output.Out.WriteLine($"Téléchargé : {full} ({info.Rows} ligne(s), {bytes} octets, SHA-256 vérifié {sha}).");
                }
                return ExitCodes.Ok;
            }
            finally
            {
                File.Delete(partial);
            }
        });
        return command;
    }

    private static Command ValidateCommand(TextWriter stdout, TextWriter stderr)
    {
        var file = new Argument<FileInfo>("FICHIER") { Description = "Le fichier CSV à vérifier." };
        var type = new Option<string>("--type") { Description = "Type d'échange (ex. adherents).", Required = true };
        var command = new Command("validate", "Vérifier un fichier hors ligne, avec les règles de la passerelle.") { file, type, PoliciesOption };
        command.SetAction(async (parse, ct) =>
        {
            var output = new Output(stdout, stderr, parse.GetValue(JsonOption));
            var path = parse.GetValue(file)!;
            var exchangeType = parse.GetValue(type)!;
            var policies = PolicyLoader.Load(PolicyLoader.ResolveDirectory(parse.GetValue(PoliciesOption)));
            if (!policies.Exchanges.TryGetValue(exchangeType, out var exchange))
            {
                await stderr.WriteLineAsync($"Type d'échange « {exchangeType} » inconnu. Types connus : {string.Join(", ", policies.Exchanges.Keys)}.");
                return ExitCodes.Usage;
            }
            if (!path.Exists)
            {
                await stderr.WriteLineAsync($"Fichier introuvable : {path.FullName}");
                return ExitCodes.Usage;
            }
            await using var stream = path.OpenRead();
            var result = await CsvIngestor.IngestAsync(stream, exchange.Schema, output: null, cancellationToken: ct);
            if (output.Json)
            {
                output.WriteJson(new { valid = result.IsValid, type = exchangeType, rows = result.Rows, encoding = result.Encoding, errorCount = result.ErrorCount, errors = result.Errors });
            }
            else if (result.IsValid)
            {
                stdout.WriteLine($"Fichier valide : {result.Rows} ligne(s) de type « {exchangeType} » (encodage {result.Encoding}, séparateur « {result.Separator} »).");
            }
            else
            {
                stderr.WriteLine($"Fichier invalide : {result.ErrorCount} erreur(s). La passerelle le refuserait en entier.");
                output.WriteErrors(result.Errors, result.ErrorCount);
            }
            return result.IsValid ? ExitCodes.Ok : ExitCodes.InvalidFile;
        });
        return command;
    }

    private static Command IndicatorsCommand(TextWriter stdout, TextWriter stderr)
    {
        var contract = new Option<string>("--contract") { Description = "Identifiant du contrat (ex. cpom-pst38-2025).", Required = true };
        var year = new Option<int>("--year") { Description = "Année du tableau de suivi.", Required = true };
        var outputFile = new Option<FileInfo>("--output", "-o") { Description = "Fichier CSV à écrire.", Required = true };
        var command = new Command("indicators", "Calculer le brouillon du tableau de suivi annuel à partir des échanges passés par la passerelle.") { contract, year, outputFile };
        Attach(command, stdout, stderr, async (client, output, parse, ct) =>
        {
            var target = parse.GetValue(outputFile)!;
            var partial = target.FullName + ".part";
            IReadOnlyDictionary<string, string> headers;
            try
            {
                await using (var stream = new FileStream(partial, FileMode.Create, FileAccess.Write, FileShare.None))
                {
                    headers = await client.DownloadPlainAsync($"api/v1/indicators?contract={Uri.EscapeDataString(parse.GetValue(contract)!)}&year={parse.GetValue(year)}", stream, ct);
                }
                File.Move(partial, target.FullName, overwrite: true);
            }
            finally
            {
                File.Delete(partial);
            }
            output.Out.WriteLine($"Brouillon écrit : {target.FullName}. Vérifiez-le, écrivez les commentaires, puis déposez-le : cpom upload {target.Name} --type indicateurs --to <dreets> --purpose indicateurs");
            foreach (var note in IndicatorsNotes(headers))
            {
                output.Out.WriteLine(note);
            }
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>What the gateway says it left out of an annual table draft, in French (headers <c>Cpom-*</c> of <c>GET /indicators</c>).</summary>
    private static IEnumerable<string> IndicatorsNotes(IReadOnlyDictionary<string, string> headers)
    {
        var sections = headers.GetValueOrDefault("Cpom-Sections") ?? string.Empty;
        if (!sections.Contains("etablissements", StringComparison.Ordinal))
        {
            yield return "Lignes des établissements omises : elles reviennent à qui peut envoyer le tableau (rôle agent).";
        }
        if (!sections.Contains("signalements", StringComparison.Ordinal))
        {
            yield return "Lignes des signalements omises : données de santé, elles ne sont montrées qu'à la cellule PDP (rôle pdp).";
        }
        if (headers.GetValueOrDefault("Cpom-Excluded-Files") is { } excluded && excluded != "0")
        {
            yield return $"{excluded} fichier(s) d'actions retiré(s) ou détruit(s) : non comptés.";
        }
        if (headers.GetValueOrDefault("Cpom-Outside-Volets") is { } outside && outside != "0")
        {
            yield return $"{outside} action(s) de l'année sur un thème hors des volets du contrat : non comptée(s).";
        }
    }

    private static Command WhoAmICommand(TextWriter stdout, TextWriter stderr)
    {
        var command = new Command("whoami", "Afficher votre identité et ce que les contrats en vigueur vous ouvrent.");
        Attach(command, stdout, stderr, async (client, output, parse, ct) =>
        {
            var me = await client.GetJsonAsync("api/v1/me", ct);
            if (output.Json)
            {
                output.WriteJson(me);
                return ExitCodes.Ok;
            }
            var agent = me.GetProperty("agent");
            output.Out.WriteLine($"Agent : {agent.GetProperty("name").GetString()} ({agent.GetProperty("id").GetString()})");
            output.Out.WriteLine($"Rôles : {string.Join(", ", agent.GetProperty("roles").EnumerateArray().Select(r => r.GetString()))}");
            if (me.GetProperty("organisation").ValueKind == System.Text.Json.JsonValueKind.Null)
            {
                output.Out.WriteLine("Organisation : aucune (compte d'exploitation).");
                return ExitCodes.Ok;
            }
            var org = me.GetProperty("organisation");
            output.Out.WriteLine($"Organisation : {org.GetProperty("name").GetString()} ({org.GetProperty("kind").GetString()}, SIREN {org.GetProperty("siren").GetString()})");
            foreach (var contract in me.GetProperty("contracts").EnumerateArray())
            {
                output.Out.WriteLine();
                var reporting = contract.TryGetProperty("reportingUntil", out var until) && until.GetString() != contract.GetProperty("end").GetString()
                    ? $" (comptes rendus jusqu'au {until.GetString()})" : string.Empty;
                output.Out.WriteLine($"Contrat {contract.GetProperty("id").GetString()}, du {contract.GetProperty("start").GetString()} au {contract.GetProperty("end").GetString()}{reporting} :");
                var exchanges = contract.GetProperty("exchanges").EnumerateArray().ToList();
                if (exchanges.Count == 0)
                {
                    output.Out.WriteLine("  aucun échange ouvert à vos rôles.");
                }
                foreach (var x in exchanges)
                {
                    var actions = string.Join(", ", x.GetProperty("actions").EnumerateArray().Select(a => a.GetString() switch { "send" => "envoyer", "list" => "lister", "download" => "télécharger", var other => other }));
                    var purposes = string.Join(", ", x.GetProperty("purposes").EnumerateArray().Select(p => p.GetProperty("code").GetString()));
                    output.Out.WriteLine($"  - {x.GetProperty("type").GetString(),-20} avec {x.GetProperty("counterpart").GetString(),-18} : {actions} (finalité {purposes})");
                }
            }
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command DevCommand(TextWriter stdout, TextWriter stderr)
    {
        var init = new Command("init", "Créer la PKI de développement et enregistrer les identités de démonstration.") { PoliciesOption };
        init.SetAction(async (parse, ct) =>
        {
            var environment = Environment.GetEnvironmentVariable("ASPNETCORE_ENVIRONMENT") ?? Environment.GetEnvironmentVariable("DOTNET_ENVIRONMENT");
            if (environment is not null && !string.Equals(environment, "Development", StringComparison.OrdinalIgnoreCase))
            {
                await stderr.WriteLineAsync($"« cpom dev init » ne sert qu'en développement (environnement actuel : {environment}).");
                return ExitCodes.Refused;
            }
            var home = CpomHome.FromEnvironment(parse.GetValue(HomeOption));
            var policies = PolicyLoader.Load(PolicyLoader.ResolveDirectory(parse.GetValue(PoliciesOption)));
            // The same database as the gateway's (Storage__Provider, Storage__ConnectionString), SQLite by default.
            var storage = StorageOptions.FromEnvironment();
            await using var db = await CpomDatabase.OpenAsync(storage, home, cancellationToken: ct);
            var created = await DevPki.EnsureAsync(home, policies, db, ct);
            var output = new Output(stdout, stderr, parse.GetValue(JsonOption));
            if (output.Json)
            {
                output.WriteJson(new { home = home.Root, directory = home.DevDirectory, created });
            }
            else
            {
                stdout.WriteLine($"PKI de développement : {home.DevDirectory}");
                stdout.WriteLine(created.Count == 0
                    ? "Toutes les identités existaient déjà ; rien n'a été remplacé."
                    : $"{created.Count} identité(s) créée(s) et enregistrée(s) : {string.Join(", ", created)}");
            }
            return ExitCodes.Ok;
        });
        var dev = new Command("dev", "Outils de développement.");
        dev.Subcommands.Add(init);
        return dev;
    }

    /// <summary>
    /// Makes <paramref name="command"/> speak to the gateway: adds the options that name the caller's
    /// certificate (<c>--cert</c>/<c>--key</c>, or other names where <c>--cert</c> means something
    /// else) and runs <paramref name="action"/> with a client, mapping failures to exit codes.
    /// </summary>
    internal static void Attach(Command command, TextWriter stdout, TextWriter stderr,
        Func<GatewayClient, Output, ParseResult, CancellationToken, Task<int>> action, string certName = "--cert", string keyName = "--key",
        Func<ParseResult, bool>? offlineWhen = null)
    {
        var cert = new Option<string?>(certName) { Description = "Votre certificat d'agent (PEM), à la place de --as ou de la configuration." };
        var key = new Option<string?>(keyName) { Description = "La clé privée de ce certificat (PEM)." };
        command.Options.Add(cert);
        command.Options.Add(key);
        command.SetAction(async (parse, ct) =>
        {
            var output = new Output(stdout, stderr, parse.GetValue(JsonOption));
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
                await stderr.WriteLineAsync(e.Message);
                return ExitCodes.Usage;
            }
            catch (GatewayProblemException e)
            {
                return output.Problem(e.Problem);
            }
            catch (GatewayUnreachableException e)
            {
                await stderr.WriteLineAsync(e.Message);
                return ExitCodes.Unreachable;
            }
            catch (IntegrityException e)
            {
                await stderr.WriteLineAsync(e.Message + " Aucun fichier n'a été conservé.");
                return ExitCodes.Integrity;
            }
        });
    }
}
