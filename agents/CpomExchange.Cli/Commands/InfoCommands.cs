using System.CommandLine;
using System.Text.Json;
using CpomExchange.Cli.Client;
using CpomExchange.Cli.Text;
using CpomExchange.Rules.Csv;
using CpomExchange.Rules.Indicators;
using CpomExchange.Rules.Policies;
using CpomExchange.Rules.Text;

namespace CpomExchange.Cli.Commands;

/// <summary><c>validate</c> (offline), <c>indicators</c> and <c>whoami</c>.</summary>
internal static class InfoCommands
{
    public static Command Validate(CliIo io)
    {
        var file = new Argument<FileInfo>("FICHIER") { Description = "Le fichier CSV à vérifier." };
        var type = new Option<string>("--type") { Description = "Type d'échange (liste ci-dessous).", HelpName = "TYPE", Required = true };
        var command = new Command("validate", "Vérifier un fichier hors ligne, avec les règles de la passerelle : chaque erreur avec sa ligne et sa colonne.")
        {
            file, type, CpomCli.PoliciesOption,
        };
        command.SetAction(async (parse, ct) =>
        {
            var output = new Output(io, parse.GetValue(CpomCli.JsonOption));
            var path = parse.GetValue(file)!;
            var exchangeType = parse.GetValue(type)!;
            var policies = PolicyLoader.Load(PolicyLoader.ResolveDirectory(parse.GetValue(CpomCli.PoliciesOption)));
            if (!policies.Exchanges.TryGetValue(exchangeType, out var exchange))
            {
                var suggestion = Suggestions.Sentence(exchangeType, policies.Exchanges.Keys);
                throw new UsageException($"Type d'échange « {exchangeType} » inconnu.{suggestion} Types connus : {string.Join(", ", policies.Exchanges.Keys)}.");
            }
            if (!path.Exists)
            {
                throw new UsageException($"Fichier introuvable : {path.FullName}");
            }
            await using var stream = path.OpenRead();
            // The annual table is read as the gateway reads it: its indicator column takes the contract's own codes too,
            // which only the gateway, knowing the contract the file is sent under, checks.
            var result = await CsvIngestor.IngestAsync(stream, ContractIndicatorRows.SchemaFor(exchange), output: null, cancellationToken: ct);
            if (output.Json)
            {
                output.WriteJson(new { valid = result.IsValid, type = exchangeType, rows = result.Rows, encoding = result.Encoding, errorCount = result.ErrorCount, errors = result.Errors });
            }
            else if (result.IsValid)
            {
                output.Out.WriteLine($"Fichier valide : {Formats.Number(result.Rows)} ligne(s) de type « {exchangeType} » (encodage {result.Encoding}, séparateur « {result.Separator} »).");
            }
            else
            {
                output.Err.WriteLine($"Fichier invalide : {Formats.Number(result.ErrorCount)} erreur(s). La passerelle le refuserait en entier.");
                output.WriteErrors(result.Errors, result.ErrorCount);
            }
            return result.IsValid ? ExitCodes.Ok : ExitCodes.InvalidFile;
        });
        return command;
    }

    public static Command Indicators(CliIo io)
    {
        var contract = new Option<string>("--contract") { Description = "Identifiant du contrat (ex. cpom-pst38-2025).", HelpName = "CONTRAT", Required = true };
        var year = new Option<int>("--year") { Description = "Année du tableau de suivi.", HelpName = "AAAA", Required = true };
        var outputFile = new Option<FileInfo>("--output", "-o") { Description = "Fichier CSV à écrire.", HelpName = "FICHIER", Required = true };
        var force = OutputFile.ForceOption();
        var command = new Command("indicators", "Calculer le brouillon du tableau de suivi annuel à partir des échanges passés par la passerelle.") { contract, year, outputFile, force };
        CpomCli.Attach(command, io, async (client, output, parse, ct) =>
        {
            var target = OutputFile.Check(parse.GetValue(outputFile)!.FullName, parse.GetValue(force));
            var headers = await OutputFile.WriteAsync(target, parse.GetValue(force), stream =>
                client.DownloadPlainAsync($"api/v1/indicators?contract={Uri.EscapeDataString(parse.GetValue(contract)!)}&year={parse.GetValue(year)}", stream, ct));
            // Only an agent sends the table (policy: indicateurs, send: agent); a draft without the
            // establishments' rows is the cellule PDP's, whose figures go to that agent.
            var sendable = (headers.GetValueOrDefault("Cpom-Sections") ?? string.Empty).Contains("etablissements", StringComparison.Ordinal);
            output.Out.WriteLine(sendable
                ? $"Brouillon écrit : {target}. Vérifiez-le, écrivez les commentaires, puis déposez-le : cpom upload {Path.GetFileName(target)} --type indicateurs --to <dreets> --purpose indicateurs"
                : $"Brouillon écrit : {target}. Vérifiez-le, puis remettez ces chiffres à l'agent de votre organisation qui dépose le tableau de suivi : seul le rôle agent l'envoie.");
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

    public static Command WhoAmI(CliIo io)
    {
        var command = new Command("whoami", "Afficher votre identité et ce que les contrats en vigueur vous ouvrent.");
        CpomCli.Attach(command, io, async (client, output, parse, ct) =>
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
            if (me.GetProperty("organisation").ValueKind == JsonValueKind.Null)
            {
                output.Out.WriteLine("Organisation : aucune (compte d'exploitation).");
                return ExitCodes.Ok;
            }
            var org = me.GetProperty("organisation");
            output.Out.WriteLine($"Organisation : {org.GetProperty("name").GetString()} ({org.GetProperty("kind").GetString()}, SIREN {org.GetProperty("siren").GetString()})");
            foreach (var contract in me.GetProperty("contracts").EnumerateArray())
            {
                output.Out.WriteLine();
                var end = contract.GetProperty("end").GetString();
                var reporting = contract.TryGetProperty("reportingUntil", out var until) && until.GetString() != end
                    ? $" (comptes rendus jusqu'au {Formats.Date(until.GetString())})" : string.Empty;
                output.Out.WriteLine($"Contrat {contract.GetProperty("id").GetString()}, du {Formats.Date(contract.GetProperty("start").GetString())} au {Formats.Date(end)}{reporting} :");
                var exchanges = contract.GetProperty("exchanges").EnumerateArray().ToList();
                if (exchanges.Count == 0)
                {
                    output.Out.WriteLine("  aucun échange ouvert à vos rôles.");
                    continue;
                }
                var table = new Table("ÉCHANGE", "AVEC", "VOUS POUVEZ", "FINALITÉS");
                foreach (var x in exchanges)
                {
                    table.Add(x.GetProperty("type").GetString(), x.GetProperty("counterpart").GetString(),
                        string.Join(", ", x.GetProperty("actions").EnumerateArray().Select(a => Labels.ExchangeAction(a.GetString()))),
                        string.Join(", ", x.GetProperty("purposes").EnumerateArray().Select(p => p.GetProperty("code").GetString())));
                }
                table.WriteTo(output.Out, "  ");
            }
            return ExitCodes.Ok;
        });
        return command;
    }
}
