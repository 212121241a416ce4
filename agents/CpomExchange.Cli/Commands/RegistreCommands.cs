using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using CpomExchange.Cli.Client;
using CpomExchange.Cli.Text;
using CpomExchange.Documents;
using CpomExchange.Rules.Policies;
using CpomExchange.Rules.Registre;
using CpomExchange.Rules.Text;

namespace CpomExchange.Cli.Commands;

/// <summary>
/// <c>cpom registre</c> (offline, from the policy files: the same record the gateway serves) and
/// <c>cpom policy history</c> / <c>cpom policy diff</c> (the versions the gateway ran, from its API).
/// </summary>
internal static class RegistreCommands
{
    public static Command Registre(CliIo io, TimeProvider? time = null)
    {
        var org = new Option<string>("--org") { Description = "L'organisation (identifiant de organisations.yaml, ex. pst38).", HelpName = "ORG", Required = true };
        var outputFile = new Option<FileInfo>("--output", "-o") { Description = "Fichier à écrire (.xlsx, .ods, .md ou .json).", HelpName = "FICHIER", Required = true };
        var format = new Option<string?>("--format") { Description = "xlsx, ods, md ou json (défaut : d'après l'extension du fichier, sinon xlsx).", HelpName = "FORMAT" };
        var day = new Option<string?>("--day") { Description = "Lire les contrats, avenants compris, tels qu'au jour donné (AAAA-MM-JJ ; défaut : aujourd'hui).", HelpName = "DATE" };
        var force = OutputFile.ForceOption();
        var command = new Command("registre", "Produire le registre des activités de traitement (RGPD art. 30) d'une organisation, à partir des politiques.")
        {
            org, outputFile, format, day, force, CpomCli.PoliciesOption,
        };
        command.SetAction(async (parse, ct) =>
        {
            var output = new Output(io, parse.GetValue(CpomCli.JsonOption));
            var path = parse.GetValue(outputFile)!.FullName;
            var chosen = parse.GetValue(format) is { } name
                ? RegistreFormats.Parse(name) ?? throw new UsageException($"Format « {name} » inconnu : xlsx, ods, md ou json.")
                : RegistreFormats.FromPath(path) ?? RegistreFormat.Xlsx;
            var now = (time ?? TimeProvider.System).GetUtcNow();
            var on = DateOnly.FromDateTime(now.UtcDateTime);
            if (parse.GetValue(day) is { } given && !DateOnly.TryParseExact(given, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out on))
            {
                throw new UsageException($"Date « {given} » invalide : AAAA-MM-JJ, par exemple 2026-01-31.");
            }
            var policies = PolicyLoader.Load(PolicyLoader.ResolveDirectory(parse.GetValue(CpomCli.PoliciesOption)));
            var organisation = parse.GetValue(org)!;
            if (!policies.Organisations.ContainsKey(organisation))
            {
                var suggestion = Suggestions.Sentence(organisation, policies.Organisations.Keys);
                throw new UsageException($"Organisation « {organisation} » inconnue.{suggestion} Organisations : {string.Join(", ", policies.Organisations.Keys)}.");
            }
            var target = OutputFile.Check(path, parse.GetValue(force));
            var record = RegistreBuilder.Build(policies, organisation, on, now);
            await OutputFile.WriteAsync(target, parse.GetValue(force), async stream =>
            {
                await RegistreWriter.WriteAsync(record, chosen, stream, ct);
                return 0;
            });
            if (output.Json)
            {
                output.WriteJson(new { file = target, format = RegistreFormats.Extension(chosen), organisation, day = on, policy = record.PolicyHash, entries = record.Entries.Count });
            }
            else
            {
                output.Out.WriteLine($"Registre de {record.Controller.Name} écrit : {target} ({Formats.Number(record.Entries.Count)} traitement(s), contrats lus au {Formats.Date(on)}, politique {record.PolicyHash[..12]}).");
                if (record.Controller.Dpo is null)
                {
                    output.Out.WriteLine("Le DPO de l'organisation n'est pas renseigné : ajoutez-le (champ dpo) dans organisations.yaml.");
                }
            }
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary><c>cpom policy history</c>: the versions of the policy the gateway ran.</summary>
    public static Command History(CliIo io)
    {
        var org = new Option<string?>("--org") { Description = "Pour un administrateur : l'organisation au journal de laquelle la consultation est inscrite.", HelpName = "ORG" };
        var command = new Command("history", "Lister les versions de la politique appliquées par la passerelle (empreinte, période, qui l'a déployée).") { org };
        CpomCli.Attach(command, io, async (client, output, parse, ct) =>
        {
            var answer = await client.GetJsonAsync("api/v1/policy/versions" + Query(parse.GetValue(org)), ct);
            if (output.Json)
            {
                output.WriteJson(answer);
                return ExitCodes.Ok;
            }
            var current = answer.GetProperty("current").GetString();
            var table = new Table("EMPREINTE", "EN VIGUEUR DU", "AU", "DÉPLOYÉE PAR");
            foreach (var v in answer.GetProperty("versions").EnumerateArray())
            {
                var hash = v.GetProperty("hash").GetString()!;
                var until = v.GetProperty("inForceUntil");
                table.Add(hash[..16] + (hash == current ? " (en vigueur)" : string.Empty), Formats.Time(v.GetProperty("inForceFrom").GetString()),
                    until.ValueKind == JsonValueKind.Null ? "—" : Formats.Time(until.GetString()), Text(v, "deployedBy") ?? "inconnu");
            }
            table.WriteTo(output.Out, string.Empty);
            output.Out.WriteLine("Comparer deux versions : cpom policy diff EMPREINTE1 EMPREINTE2");
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary><c>cpom policy diff FROM TO</c>: what changed between two versions.</summary>
    public static Command Diff(CliIo io)
    {
        var from = new Argument<string>("AVANT") { Description = "Empreinte de la première version (8 caractères au moins)." };
        var to = new Argument<string>("APRÈS") { Description = "Empreinte de la seconde." };
        var org = new Option<string?>("--org") { Description = "Pour un administrateur : l'organisation au journal de laquelle la consultation est inscrite.", HelpName = "ORG" };
        var command = new Command("diff", "Montrer ce qui a changé entre deux versions de la politique, fichier par fichier.") { from, to, org };
        CpomCli.Attach(command, io, async (client, output, parse, ct) =>
        {
            var path = $"api/v1/policy/diff?from={Uri.EscapeDataString(parse.GetValue(from)!)}&to={Uri.EscapeDataString(parse.GetValue(to)!)}"
                + (parse.GetValue(org) is { } o ? "&org=" + Uri.EscapeDataString(o) : string.Empty);
            var answer = await client.GetJsonAsync(path, ct);
            if (output.Json)
            {
                output.WriteJson(answer);
                return ExitCodes.Ok;
            }
            var files = answer.GetProperty("files");
            if (files.GetArrayLength() == 0)
            {
                output.Out.WriteLine("Aucune différence entre ces deux versions.");
            }
            foreach (var file in files.EnumerateArray())
            {
                output.Out.WriteLine($"--- {file.GetProperty("file").GetString()} ({Status(file.GetProperty("status").GetString())})");
                foreach (var line in file.GetProperty("lines").EnumerateArray().Select(l => l.GetString()!).Where(l => !l.StartsWith(' ')))
                {
                    output.Out.WriteLine(line);
                }
            }
            return ExitCodes.Ok;
        });
        return command;
    }

    private static string Query(string? org) => org is null ? string.Empty : "?org=" + Uri.EscapeDataString(org);

    private static string? Text(JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static string Status(string? status) => status switch
    {
        "added" => "ajouté",
        "removed" => "supprimé",
        _ => "modifié",
    };
}
