using System.CommandLine;
using System.Text.Json;
using CpomExchange.Cli.Client;
using CpomExchange.Cli.Text;
using Spectre.Console;
using Table = CpomExchange.Cli.Text.Table;

namespace CpomExchange.Cli.Commands;

/// <summary>The datasets: <c>upload</c>, <c>inbox</c>, <c>download</c>, <c>status</c>, <c>ack</c>, <c>withdraw</c>.</summary>
internal static class DatasetCommands
{
    public static Command Upload(CliIo io)
    {
        var file = new Argument<FileInfo>("FICHIER") { Description = "Le fichier à déposer : un CSV, ou pour l'échange document un PDF ou un texte OpenDocument (.odt)." };
        var type = new Option<string>("--type") { Description = "Type d'échange (liste ci-dessous).", HelpName = "TYPE", Required = true };
        var to = new Option<string?>("--to") { Description = "Organisation destinataire (ex. carsat-lr) ; sans elle, pour les entreprises ciblées, chaque SPSTI reçoit ses adhérents.", HelpName = "ORGANISATION" };
        var purpose = new Option<string>("--purpose") { Description = "Finalité du dépôt (liste ci-dessous).", HelpName = "FINALITÉ", Required = true };
        var caseObject = new Option<string?>("--object") { Description = "Objet : référence de dossier, 80 caractères au plus.", HelpName = "TEXTE" };
        var replyTo = new Option<string?>("--reply-to") { Description = "Le jeu de données auquel ce fichier répond (une sinistralité répond à une liste d'adhérents).", HelpName = "ID" };
        var title = new Option<string?>("--titre") { Description = "Titre d'un document (échange document), que verra son destinataire ; 150 caractères au plus, sans identifiant.", HelpName = "TEXTE" };
        var replaces = new Option<string?>("--replaces") { Description = "Le jeu de données que ce fichier remplace (même échange, même destinataire) : l'ancien est retiré et détruit.", HelpName = "ID" };
        var command = new Command("upload", "Déposer un fichier pour une organisation partenaire.") { file, type, to, purpose, caseObject, replyTo, title, replaces };
        CpomCli.Attach(command, io, async (client, output, parse, ct) =>
        {
            var path = parse.GetValue(file)!;
            if (!path.Exists)
            {
                throw new UsageException($"Fichier introuvable : {path.FullName}");
            }
            await using var stream = path.OpenRead();
            var request = new UploadRequest(parse.GetValue(type)!, parse.GetValue(to), parse.GetValue(purpose)!, parse.GetValue(caseObject), parse.GetValue(replyTo))
            {
                Title = parse.GetValue(title),
                Replaces = parse.GetValue(replaces),
                // The type the content is (never the file's name): the gateway checks it the same way.
                ContentType = await DocumentSniffer.ContentTypeAsync(stream, ct),
            };
            var answer = await UploadWithProgressAsync(client, stream, path.Length, request, output, ct);
            if (output.Json)
            {
                output.WriteJson(answer);
                return ExitCodes.Ok;
            }
            if (answer.TryGetProperty("distribution", out var distribution))
            {
                output.Out.WriteLine($"Fichier déposé et réparti : {Formats.Number(answer.GetProperty("rows").GetInt64())} ligne(s).");
                var table = new Table("DESTINATAIRE", "LIGNES", "JEU DE DONNÉES").AlignRight(1);
                foreach (var share in distribution.EnumerateArray())
                {
                    table.Add(share.GetProperty("to").GetString(), Formats.Number(share.GetProperty("rows").GetInt64()), share.GetProperty("datasetId").GetString() ?? "(rien à transmettre)");
                }
                table.WriteTo(output.Out, "  ");
                output.Out.WriteLine($"  {Formats.Number(answer.GetProperty("unmatched").GetInt64())} ligne(s) ne correspondent à aucun adhérent : elles n'ont été transmises à personne.");
                foreach (var spsti in answer.GetProperty("withoutAdherentsList").EnumerateArray())
                {
                    output.Out.WriteLine($"  {spsti.GetString()} n'a transmis aucune liste d'adhérents : il ne reçoit rien.");
                }
                return ExitCodes.Ok;
            }
            var info = GatewayClient.ToDataset(answer);
            output.Out.WriteLine(answer.TryGetProperty("title", out var documentTitle) && documentTitle.ValueKind == JsonValueKind.String
                ? $"Document déposé : « {documentTitle.GetString()} » transmis à {info.To}."
                : $"Fichier déposé : {Formats.Number(info.Rows)} ligne(s) transmise(s) à {info.To}.");
            if (answer.TryGetProperty("replaces", out var replaced) && replaced.ValueKind == JsonValueKind.String)
            {
                output.Out.WriteLine($"  Il remplace {replaced.GetString()}, retiré et détruit.");
            }
            output.Dataset(info);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static async Task<JsonElement> UploadWithProgressAsync(GatewayClient client, Stream stream, long length, UploadRequest request, Output output, CancellationToken ct)
    {
        var interactive = !output.Json && output.ErrorIsConsole && !Console.IsErrorRedirected && length > 1024 * 1024;
        if (!interactive)
        {
            return await client.UploadAsync(stream, request, null, ct);
        }
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        JsonElement result = default;
        await console.Progress().AutoClear(true).StartAsync(async context =>
        {
            var task = context.AddTask("Envoi et vérification", maxValue: length);
            var progress = new Progress<long>(sent => task.Value = sent);
            result = await client.UploadAsync(stream, request, progress, ct);
            task.Value = length;
        });
        return result;
    }

    public static Command Status(CliIo io)
    {
        var id = new Argument<string>("ID") { Description = "Identifiant du jeu de données." };
        var command = new Command("status", "État d'un jeu de données : accusé de réception, retrait, destruction.") { id };
        CpomCli.Attach(command, io, async (client, output, parse, ct) =>
        {
            var info = await client.GetAsync(parse.GetValue(id)!, ct);
            if (output.Json)
            {
                output.WriteJson(info);
                return ExitCodes.Ok;
            }
            output.Dataset(info);
            output.Out.WriteLine(info.AcknowledgedAt is { } at
                ? $"  reçu        : accusé de réception par {info.AcknowledgedBy} le {Formats.Time(at)}"
                : "  reçu        : pas encore d'accusé de réception");
            return ExitCodes.Ok;
        });
        return command;
    }

    public static Command Acknowledge(CliIo io)
    {
        var id = new Argument<string>("ID") { Description = "Identifiant du jeu de données reçu." };
        var purpose = new Option<string>("--purpose") { Description = "Finalité (celle du dépôt).", HelpName = "FINALITÉ", Required = true };
        var command = new Command("ack", "Accuser réception d'un jeu de données reçu : l'expéditeur voit qui l'a reçu et quand.") { id, purpose };
        CpomCli.Attach(command, io, async (client, output, parse, ct) =>
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

    public static Command Withdraw(CliIo io)
    {
        var id = new Argument<string>("ID") { Description = "Identifiant d'un jeu de données que votre organisation a déposé." };
        var yes = new Option<bool>("--yes", "-y") { Description = "Ne pas demander de confirmation (scripts) : le retrait est définitif." };
        var command = new Command("withdraw",
            "Retirer un jeu de données déposé : le destinataire n'y a plus accès et son contenu est détruit aussitôt (sa clé est effacée) ; définitif.") { id, yes };
        CpomCli.Attach(command, io, async (client, output, parse, ct) =>
        {
            var datasetId = parse.GetValue(id)!;
            if (!parse.GetValue(yes))
            {
                if (!output.Console.InputIsTerminal)
                {
                    throw new UsageException("« cpom withdraw » détruit le jeu de données sans retour : confirmez sur un terminal, ou ajoutez --yes dans un script.");
                }
                var info = await client.GetAsync(datasetId, ct);
                output.Err.WriteLine($"Retirer le jeu de données {info.Id} ?");
                output.Err.WriteLine($"  {info.Type}, de {info.From} vers {info.To}, {Formats.Number(info.Rows)} ligne(s), déposé le {Formats.Time(info.CreatedAt)}.");
                output.Err.WriteLine($"  {info.To} n'y aura plus accès et son contenu sera détruit aussitôt (sa clé de chiffrement est effacée) : cela ne peut pas être annulé.");
                output.Err.Write("Tapez « oui » pour confirmer : ");
                output.Err.Flush();
                var answer = (await output.Console.Input.ReadLineAsync(ct))?.Trim().ToLowerInvariant();
                if (answer is not ("oui" or "o" or "yes" or "y"))
                {
                    output.Err.WriteLine("Retrait annulé : rien n'a été fait.");
                    return ExitCodes.Cancelled;
                }
            }
            var withdrawn = await client.WithdrawAsync(datasetId, ct);
            if (output.Json)
            {
                output.WriteJson(withdrawn);
            }
            else
            {
                output.Out.WriteLine($"Jeu de données {withdrawn.Id} retiré : {withdrawn.To} n'y a plus accès et le voit « {Labels.Status(withdrawn.Status)} » ; son contenu est détruit.");
            }
            return ExitCodes.Ok;
        });
        return command;
    }

    public static Command Inbox(CliIo io)
    {
        var command = new Command("inbox", "Lister les jeux de données adressés à votre organisation.");
        CpomCli.Attach(command, io, async (client, output, parse, ct) =>
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
            output.Out.WriteLine($"{Formats.Number(inbox.Datasets.Count)} jeu(x) de données reçu(s) :");
            var table = new Table("IDENTIFIANT", "TYPE", "DE", "FINALITÉ", "LIGNES", "DÉPOSÉ LE", "ÉTAT").AlignRight(4);
            foreach (var d in inbox.Datasets)
            {
                table.Add(d.Id, d.Type, d.From, d.Purpose, Formats.Number(d.Rows), Formats.Time(d.CreatedAt), Labels.Status(d.Status));
            }
            table.WriteTo(output.Out);
            return ExitCodes.Ok;
        });
        return command;
    }

    public static Command Download(CliIo io)
    {
        var id = new Argument<string>("ID") { Description = "Identifiant du jeu de données." };
        var purpose = new Option<string>("--purpose") { Description = "Finalité du téléchargement (celle du dépôt).", HelpName = "FINALITÉ", Required = true };
        var caseObject = new Option<string?>("--object") { Description = "Objet : référence de dossier, 80 caractères au plus.", HelpName = "TEXTE" };
        var outputFile = new Option<string?>("--output", "-o") { Description = "Fichier à écrire (défaut : <type>-<id>.csv, ou .pdf, .odt pour un document) ; « - » pour la sortie standard.", HelpName = "FICHIER" };
        var force = OutputFile.ForceOption();
        var command = new Command("download", "Télécharger un jeu de données reçu et vérifier son empreinte SHA-256.") { id, purpose, caseObject, outputFile, force };
        CpomCli.Attach(command, io, async (client, output, parse, ct) =>
        {
            var datasetId = parse.GetValue(id)!;
            var target = parse.GetValue(outputFile);
            if (target == "-")
            {
                await using var stdoutStream = Console.OpenStandardOutput();
                await client.DownloadAsync(datasetId, parse.GetValue(purpose)!, parse.GetValue(caseObject), stdoutStream, ct);
                return ExitCodes.Ok;
            }
            // An existing file named on the command line is refused before anything is asked of the gateway.
            var full = target is null ? null : OutputFile.Check(target, parse.GetValue(force));
            var info = await client.GetAsync(datasetId, ct);
            full ??= OutputFile.Check($"{info.Type}-{info.Id}{info.Extension}", parse.GetValue(force));
            var (bytes, sha) = await OutputFile.WriteAsync(full, parse.GetValue(force),
                file => client.DownloadAsync(datasetId, parse.GetValue(purpose)!, parse.GetValue(caseObject), file, ct));
            if (output.Json)
            {
                output.WriteJson(new { id = datasetId, file = full, bytes, sha256 = sha, rows = info.Rows, maskedCells = info.MaskedCells });
                return ExitCodes.Ok;
            }
            output.Out.WriteLine(info.Title is { } documentTitle
                ? $"Téléchargé : {full} (document « {documentTitle} », {Formats.Number(bytes)} octets, SHA-256 vérifié {sha})."
                : $"Téléchargé : {full} ({Formats.Number(info.Rows)} ligne(s), {Formats.Number(bytes)} octets, SHA-256 vérifié {sha}).");
            if (info.MaskedCells > 0)
            {
                output.Out.WriteLine($"  {Masking.Describe(info)}");
            }
            return ExitCodes.Ok;
        });
        return command;
    }
}
