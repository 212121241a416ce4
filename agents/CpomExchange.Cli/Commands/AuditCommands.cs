using System.CommandLine;
using System.Globalization;
using CpomExchange.Cli.Client;
using CpomExchange.Cli.Text;

namespace CpomExchange.Cli.Commands;

/// <summary><c>cpom audit ...</c>: the DPO's review of their organisation's access log.</summary>
internal static class AuditCommands
{
    public static Command Build(CliIo io)
    {
        var audit = new Command("audit", "Journal des accès de votre organisation (rôle dpo).");
        audit.Subcommands.Add(List(io));
        audit.Subcommands.Add(Export(io));
        audit.Subcommands.Add(AuditVerifyCommand.Build(io));
        audit.Subcommands.Add(Subject(io));
        return audit;
    }

    private static Command List(CliIo io)
    {
        var from = new Option<string?>("--from") { Description = "Depuis ce jour inclus (AAAA-MM-JJ ou JJ/MM/AAAA, à 0 h dans le fuseau légal).", HelpName = "DATE" };
        var to = new Option<string?>("--to") { Description = "Jusqu'à ce jour inclus (AAAA-MM-JJ ou JJ/MM/AAAA).", HelpName = "DATE" };
        var agent = new Option<string?>("--agent") { Description = "Identifiant de l'agent.", HelpName = "ID" };
        var action = new Option<string?>("--action")
        {
            Description = "Action : " + string.Join(", ", Labels.Actions.Select(a => $"{a.Code} ({a.Label})")) + ".",
            HelpName = "ACTION",
        };
        var exchange = new Option<string?>("--exchange") { Description = "Type d'échange (liste ci-dessous).", HelpName = "TYPE" };
        var outcome = new Option<string?>("--outcome") { Description = "allowed (autorisé) ou denied (refusé).", HelpName = "RÉSULTAT" };
        var purpose = new Option<string?>("--purpose") { Description = "Finalité (liste ci-dessous).", HelpName = "FINALITÉ" };
        var dataset = new Option<string?>("--dataset") { Description = "Jeu de données.", HelpName = "ID" };
        var page = new Option<int>("--page") { Description = "Page (1 par défaut).", DefaultValueFactory = _ => 1 };
        var pageSize = new Option<int>("--page-size") { Description = "Entrées par page (100 par défaut, 1000 au plus).", DefaultValueFactory = _ => 100 };
        var command = new Command("list", "Lister les entrées du journal, les plus récentes d'abord.") { from, to, agent, action, exchange, outcome, purpose, dataset, page, pageSize };
        CpomCli.Attach(command, io, async (client, output, parse, ct) =>
        {
            var query = new List<string> { $"page={parse.GetValue(page)}", $"pageSize={parse.GetValue(pageSize)}" };
            void Add(string name, string? value)
            {
                if (value is not null)
                {
                    query.Add($"{name}={Uri.EscapeDataString(value)}");
                }
            }
            Add("from", Midnight(parse.GetValue(from), "--from", 0));
            Add("to", Midnight(parse.GetValue(to), "--to", 1));
            Add("agent", parse.GetValue(agent));
            Add("action", Labels.Code(Labels.Actions, parse.GetValue(action)));
            Add("exchange", parse.GetValue(exchange));
            Add("outcome", Labels.Code(Labels.Outcomes, parse.GetValue(outcome)));
            Add("purpose", parse.GetValue(purpose));
            Add("dataset", parse.GetValue(dataset));
            var result = await client.GetJsonAsync("api/v1/audit/entries?" + string.Join('&', query), ct);
            if (output.Json)
            {
                output.WriteJson(result);
                return ExitCodes.Ok;
            }
            var entries = result.GetProperty("entries").EnumerateArray().ToList();
            var total = result.GetProperty("total").GetInt64();
            var size = Math.Max(1, result.GetProperty("pageSize").GetInt32());
            output.Out.WriteLine($"{Formats.Number(total)} entrée(s) ; page {result.GetProperty("page").GetInt32()} sur {Math.Max(1, (total + size - 1) / size)}, les plus récentes d'abord :");
            var table = new Table("N°", $"HEURE ({Formats.Zone().Id})", "AGENT", "ACTION", "ÉCHANGE", "FINALITÉ", "RÉSULTAT").AlignRight(0);
            foreach (var e in entries)
            {
                var outcomeText = e.GetProperty("outcome").GetString() == "allowed" ? Labels.Outcome("allowed") : $"{Labels.Outcome("denied")} ({e.GetProperty("reason").GetString()})";
                if (e.GetProperty("action").GetString() == "authenticate" && e.TryGetProperty("rows", out var repeated) && repeated.ValueKind == System.Text.Json.JsonValueKind.Number)
                {
                    // An entry that counts the identical refusals of a window (its object says from when to when).
                    outcomeText += $" +{Formats.Number(repeated.GetInt64())} identiques";
                }
                table.Add(Formats.Number(e.GetProperty("seq").GetInt64()), Formats.Time(e.GetProperty("time").GetString(), seconds: true), e.GetProperty("agent").GetString(),
                    Labels.Action(e.GetProperty("action").GetString()), e.GetProperty("exchange").GetString(), e.GetProperty("purpose").GetString(), outcomeText);
            }
            table.WriteTo(output.Out);
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>The UTC instant at 0 h of <paramref name="day"/> (plus <paramref name="days"/>) in the legal time zone, as the API takes it.</summary>
    private static string? Midnight(string? day, string option, int days)
    {
        if (day is null)
        {
            return null;
        }
        if (!DateOnly.TryParseExact(day, ["yyyy-MM-dd", "dd/MM/yyyy"], CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            throw new UsageException($"Date « {day} » invalide pour {option} : AAAA-MM-JJ ou JJ/MM/AAAA attendu.");
        }
        var local = date.AddDays(days).ToDateTime(TimeOnly.MinValue, DateTimeKind.Unspecified);
        return TimeZoneInfo.ConvertTimeToUtc(local, Formats.Zone()).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
    }

    private static Command Export(CliIo io)
    {
        var file = new Option<FileInfo>("--output", "-o") { Description = "Fichier à écrire : .csv (Excel) ou .jsonl (avec les points de contrôle signés et la clé publique, vérifiable hors ligne).", HelpName = "FICHIER", Required = true };
        var force = OutputFile.ForceOption();
        var command = new Command("export", "Exporter le journal.") { file, force };
        CpomCli.Attach(command, io, async (client, output, parse, ct) =>
        {
            var target = parse.GetValue(file)!;
            var format = target.Extension.ToLowerInvariant() switch
            {
                ".csv" => "csv",
                ".jsonl" => "jsonl",
                _ => throw new UsageException("Le fichier d'export doit finir par .csv ou .jsonl."),
            };
            var full = OutputFile.Check(target.FullName, parse.GetValue(force));
            await OutputFile.WriteAsync(full, parse.GetValue(force), stream => client.DownloadPlainAsync($"api/v1/audit/export?format={format}", stream, ct));
            if (output.Json)
            {
                output.WriteJson(new { file = full, format });
            }
            else
            {
                output.Out.WriteLine($"Journal exporté : {full}");
            }
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Subject(CliIo io)
    {
        var siret = new Option<string?>("--siret") { Description = "SIRET de l'établissement concerné.", HelpName = "SIRET" };
        var nir = new Option<string?>("--nir") { Description = "NIR de la personne concernée.", HelpName = "NIR" };
        var showPseudonym = new Option<bool>("--show-pseudonym") { Description = "Afficher aussi le pseudonyme sous lequel la passerelle connaît cet identifiant." };
        var command = new Command("subject", "Retrouver les accès qui concernent une personne ou un établissement (RGPD art. 15).") { siret, nir, showPseudonym };
        CpomCli.Attach(command, io, async (client, output, parse, ct) =>
        {
            var body = new { siret = parse.GetValue(siret), nir = parse.GetValue(nir) };
            if ((body.siret is null) == (body.nir is null))
            {
                throw new UsageException("Indiquez --siret ou --nir, l'un ou l'autre.");
            }
            var answer = await client.SendJsonAsync(HttpMethod.Post, "api/v1/audit/subjects", body, ct);
            if (output.Json)
            {
                output.WriteJson(answer);
                return ExitCodes.Ok;
            }
            var datasets = answer.GetProperty("datasets").EnumerateArray().Select(d => d.GetString()).ToList();
            var entries = answer.GetProperty("entries").EnumerateArray().ToList();
            var who = body.siret is null ? "cette personne" : "cet établissement";
            if (parse.GetValue(showPseudonym))
            {
                output.Out.WriteLine($"Pseudonyme : {answer.GetProperty("pseudonym").GetString()}");
            }
            output.Out.WriteLine($"{Formats.Number(datasets.Count)} jeu(x) de données de votre organisation concerne(nt) {who}, et {Formats.Number(entries.Count)} accès à ces jeux de données :");
            if (entries.Count == 0)
            {
                return ExitCodes.Ok;
            }
            var table = new Table("N°", $"HEURE ({Formats.Zone().Id})", "AGENT", "ACTION", "JEU DE DONNÉES", "RÉSULTAT").AlignRight(0);
            foreach (var e in entries)
            {
                table.Add(Formats.Number(e.GetProperty("seq").GetInt64()), Formats.Time(e.GetProperty("time").GetString(), seconds: true), e.GetProperty("agent").GetString(),
                    Labels.Action(e.GetProperty("action").GetString()), e.GetProperty("dataset").GetString(), Labels.Outcome(e.GetProperty("outcome").GetString()));
            }
            table.WriteTo(output.Out, "  ");
            return ExitCodes.Ok;
        });
        return command;
    }
}
