using System.CommandLine;
using System.Text.Json;
using CpomExchange.Cli.Text;

namespace CpomExchange.Cli.Commands;

/// <summary>
/// <c>cpom admin authorisation add|list</c>: the disclosures to third parties (seed 001 art. 8) an administrator
/// records once the letters are exchanged, through the API (a new version of the policy, logged under every
/// controller concerned).
/// </summary>
internal static class AuthorisationCommands
{
    public static Command Build(CliIo io)
    {
        var command = new Command("authorisation", "Autorisations de communication à un tiers (rôle admin).");
        command.Subcommands.Add(Add(io));
        command.Subcommands.Add(List(io));
        return command;
    }

    private static Command Add(CliIo io)
    {
        var reference = new Option<string>("--reference") { Description = "Référence de l'échange de courriers (unique).", HelpName = "RÉFÉRENCE", Required = true };
        var date = new Option<string>("--date") { Description = "Date des courriers : la communication est permise à partir de ce jour (AAAA-MM-JJ).", HelpName = "DATE", Required = true };
        var until = new Option<string>("--until") { Description = "Dernier jour permis, inclus (AAAA-MM-JJ).", HelpName = "DATE", Required = true };
        var contract = new Option<string>("--contract") { Description = "Le contrat dont relèvent les données (ex. cpom-pst38-2025).", HelpName = "CONTRAT", Required = true };
        var from = new Option<string>("--from") { Description = "La partie au contrat qui communique ses données.", HelpName = "ORGANISATION", Required = true };
        var to = new Option<string>("--to") { Description = "Le tiers destinataire, qui n'est pas partie au contrat.", HelpName = "ORGANISATION", Required = true };
        var exchanges = new Option<string>("--exchanges") { Description = "Les types d'échange communiqués, séparés par des virgules (ex. adherents).", HelpName = "TYPES", Required = true };
        var purpose = new Option<string>("--purpose") { Description = "La finalité unique de la communication.", HelpName = "FINALITÉ", Required = true };
        var note = new Option<string?>("--note") { Description = "Note facultative : ce que disent les courriers, qui les a signés.", HelpName = "TEXTE" };
        var command = new Command("add", "Enregistrer une autorisation de communication à un tiers : une nouvelle version de la politique, en vigueur aussitôt, inscrite au journal de chaque responsable concerné.")
        {
            reference, date, until, contract, from, to, exchanges, purpose, note,
        };
        CpomCli.Attach(command, io, async (client, output, parse, ct) =>
        {
            var body = new
            {
                reference = parse.GetValue(reference),
                date = parse.GetValue(date),
                until = parse.GetValue(until),
                contract = parse.GetValue(contract),
                from = parse.GetValue(from),
                to = parse.GetValue(to),
                exchanges = parse.GetValue(exchanges)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
                purpose = parse.GetValue(purpose),
                note = parse.GetValue(note),
            };
            var added = await client.SendJsonAsync(HttpMethod.Post, "api/v1/admin/authorisations", body, ct);
            if (output.Json)
            {
                output.WriteJson(added);
                return ExitCodes.Ok;
            }
            output.Out.WriteLine($"Autorisation enregistrée : {added.GetProperty("reference").GetString()}");
            Describe(output, added);
            output.Out.WriteLine($"  inscrite au journal de : {string.Join(", ", added.GetProperty("loggedUnder").EnumerateArray().Select(e => e.GetString()))}");
            output.Out.WriteLine($"  politique en vigueur   : {added.GetProperty("policy").GetString()![..16]} (cpom policy history)");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command List(CliIo io)
    {
        var command = new Command("list", "Lister les autorisations de communication à un tiers en vigueur (fichiers de politique et enregistrées par l'API).");
        CpomCli.Attach(command, io, async (client, output, parse, ct) =>
        {
            var list = await client.GetJsonAsync("api/v1/admin/authorisations", ct);
            if (output.Json)
            {
                output.WriteJson(list);
                return ExitCodes.Ok;
            }
            var items = list.GetProperty("authorisations").EnumerateArray().ToList();
            output.Out.WriteLine($"{Formats.Number(items.Count)} autorisation(s) :");
            var table = new Table("RÉFÉRENCE", "DE → À", "ÉCHANGES", "FINALITÉ", "DU", "AU", "ENREGISTRÉE PAR");
            foreach (var a in items)
            {
                table.Add(a.GetProperty("reference").GetString(), $"{a.GetProperty("from").GetString()} → {a.GetProperty("to").GetString()}",
                    string.Join(",", a.GetProperty("exchanges").EnumerateArray().Select(e => e.GetString())), a.GetProperty("purpose").GetString(),
                    Day(a, "date"), Day(a, "until"), a.GetProperty("addedBy").ValueKind == JsonValueKind.String ? a.GetProperty("addedBy").GetString() : "fichier");
            }
            table.WriteTo(output.Out);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static void Describe(Output output, JsonElement a)
    {
        output.Out.WriteLine($"  de {a.GetProperty("from").GetString()} à {a.GetProperty("to").GetString()} (contrat {a.GetProperty("contract").GetString()})");
        output.Out.WriteLine($"  échanges : {string.Join(", ", a.GetProperty("exchanges").EnumerateArray().Select(e => e.GetString()))} ; finalité : {a.GetProperty("purpose").GetString()}");
        output.Out.WriteLine($"  du {Day(a, "date")} au {Day(a, "until")}");
    }

    private static string Day(JsonElement a, string name) => Formats.Date(DateOnly.Parse(a.GetProperty(name).GetString()!, System.Globalization.CultureInfo.InvariantCulture));
}
