using System.CommandLine;
using System.Text.Json;
using CpomExchange.Cli.Client;
using CpomExchange.Cli.Text;

namespace CpomExchange.Cli.Commands;

/// <summary>
/// <c>cpom ciblage comparer --contrat ID</c>: for one contract, the companies targeted by both the caisse
/// and the SPSTI, by the caisse only, by the SPSTI only (seed 004 fiche action 2, actions 3-4), as the
/// gateway compares them (<c>GET /api/v1/targeting/comparison</c>): only the contract's caisse or SPSTI.
/// </summary>
internal static class TargetingCommands
{
    public static Command Build(CliIo io)
    {
        var ciblage = new Command("ciblage", "Listes d'entreprises ciblées de la caisse et du SPSTI d'un contrat.");
        ciblage.Subcommands.Add(Compare(io));
        return ciblage;
    }

    private static Command Compare(CliIo io)
    {
        var contract = new Option<string>("--contrat") { Description = "Identifiant du contrat (ex. cpom-pst38-2025).", HelpName = "ID", Required = true };
        var command = new Command("comparer",
            "Comparer la dernière liste « entreprises-ciblees » de la caisse et la dernière liste « cible-spsti » du SPSTI : entreprises ciblées par les deux, par la caisse seule, par le SPSTI seul. La comparaison est journalisée.")
        { contract };
        CpomCli.Attach(command, io, async (client, output, parse, ct) =>
        {
            var answer = await client.GetJsonAsync("api/v1/targeting/comparison?contract=" + Uri.EscapeDataString(parse.GetValue(contract)!), ct);
            if (output.Json)
            {
                output.WriteJson(answer);
                return ExitCodes.Ok;
            }
            var o = output.Out;
            o.WriteLine($"Contrat {answer.GetProperty("contract").GetString()} : caisse {answer.GetProperty("caisse").GetString()}, SPSTI {answer.GetProperty("spsti").GetString()}.");
            o.WriteLine(Version("Liste de la caisse (entreprises-ciblees)", answer.GetProperty("caisseList")));
            o.WriteLine(Version("Liste du SPSTI (cible-spsti)", answer.GetProperty("spstiList")));
            Part(o, "Ciblées par les deux", answer.GetProperty("both"));
            Part(o, "Ciblées par la caisse seule", answer.GetProperty("caisseOnly"));
            Part(o, "Ciblées par le SPSTI seul", answer.GetProperty("spstiOnly"));
            return ExitCodes.Ok;
        });
        return command;
    }

    private static string Version(string label, JsonElement list) => list.ValueKind == JsonValueKind.Null
        ? $"{label} : aucune liste disponible (jamais envoyée, retirée ou détruite)."
        : $"{label} : {list.GetProperty("id").GetString()} du {Formats.Time(list.GetProperty("createdAt").GetString())}, {Formats.Number(list.GetProperty("rows").GetInt64())} ligne(s).";

    private static void Part(TextWriter o, string label, JsonElement companies)
    {
        o.WriteLine();
        o.WriteLine($"{label} : {Formats.Number(companies.GetArrayLength())}");
        if (companies.GetArrayLength() == 0)
        {
            return;
        }
        var table = new Table("SIRET", "Raison sociale", "Programme / thème");
        foreach (var c in companies.EnumerateArray())
        {
            table.Add(c.GetProperty("siret").GetString(), c.GetProperty("raisonSociale").GetString(), c.GetProperty("detail").GetString());
        }
        table.WriteTo(o, "  ");
    }
}
