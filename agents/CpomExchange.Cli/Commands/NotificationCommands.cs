using System.CommandLine;
using System.Text.Json;
using CpomExchange.Cli.Client;
using CpomExchange.Cli.Text;

namespace CpomExchange.Cli.Commands;

/// <summary>
/// Notifications: <c>cpom admin notify set|list|outbox</c> (administrators: the addresses of each
/// organisation per role, the outbox and its states) and <c>cpom notify set|show|off</c> (an agent's own
/// address and the events they choose). Through the API.
/// </summary>
internal static class NotificationCommands
{
    private const string Events = "file-received, file-acknowledged, file-withdrawn, file-expired, file-new-version, retention-ending, annual-table-due, certificate-expiring, log-verification-failed";

    public static Command Admin(CliIo io)
    {
        var notify = new Command("notify", "Adresses de notification des organisations et file d'envoi (rôle admin).");
        notify.Subcommands.Add(SetRole(io));
        notify.Subcommands.Add(ListAddresses(io));
        notify.Subcommands.Add(Outbox(io));
        return notify;
    }

    public static Command Own(CliIo io)
    {
        var notify = new Command("notify", "Votre adresse de notification et les événements qui vous sont signalés.");
        var address = new Argument<string>("ADRESSE") { Description = "Votre adresse électronique." };
        var events = EventsOption();
        var set = new Command("set", "Recevoir les notifications à cette adresse (tous les événements de vos rôles, ou ceux de --events).") { address, events };
        CpomCli.Attach(set, io, async (client, output, parse, ct) =>
        {
            var result = await client.SendJsonAsync(HttpMethod.Put, "api/v1/me/notifications", new { address = parse.GetValue(address), events = Split(parse.GetValue(events)) }, ct);
            PrintAddresses(output, result, "Adresse de notification enregistrée");
            return ExitCodes.Ok;
        });
        var show = new Command("show", "Afficher votre adresse de notification.");
        CpomCli.Attach(show, io, async (client, output, _, ct) =>
        {
            PrintAddresses(output, await client.GetJsonAsync("api/v1/me/notifications", ct), "Votre adresse de notification");
            return ExitCodes.Ok;
        });
        var off = new Command("off", "Ne plus recevoir de notifications à votre adresse personnelle.");
        CpomCli.Attach(off, io, async (client, output, _, ct) =>
        {
            await client.SendJsonAsync(HttpMethod.Delete, "api/v1/me/notifications", new { }, ct);
            output.Out.WriteLine("Adresse de notification personnelle supprimée.");
            return ExitCodes.Ok;
        });
        notify.Subcommands.Add(set);
        notify.Subcommands.Add(show);
        notify.Subcommands.Add(off);
        return notify;
    }

    private static Command SetRole(CliIo io)
    {
        var organisation = new Argument<string>("ORGANISATION") { Description = "L'organisation (ex. carsat-lr)." };
        var role = new Argument<string>("RÔLE") { Description = "Le rôle servi : agent, pdp, service-social ou dpo." };
        var addresses = new Argument<string[]>("ADRESSE") { Description = "Les adresses (aucune : les adresses du rôle sont supprimées).", Arity = ArgumentArity.ZeroOrMore };
        var events = EventsOption();
        var command = new Command("set", "Définir les adresses d'une organisation pour un rôle (remplace les précédentes).") { organisation, role, addresses, events };
        CpomCli.Attach(command, io, async (client, output, parse, ct) =>
        {
            var path = $"api/v1/admin/notifications/addresses/{Uri.EscapeDataString(parse.GetValue(organisation)!)}/{Uri.EscapeDataString(parse.GetValue(role)!)}";
            var result = await client.SendJsonAsync(HttpMethod.Put, path, new { addresses = parse.GetValue(addresses) ?? [], events = Split(parse.GetValue(events)) }, ct);
            PrintAddresses(output, result, "Adresses enregistrées");
            return ExitCodes.Ok;
        }, certName: "--admin-cert", keyName: "--admin-key");
        return command;
    }

    private static Command ListAddresses(CliIo io)
    {
        var org = new Option<string?>("--org") { Description = "Seulement cette organisation.", HelpName = "ORGANISATION" };
        var command = new Command("list", "Lister les adresses de notification.") { org };
        CpomCli.Attach(command, io, async (client, output, parse, ct) =>
        {
            var organisation = parse.GetValue(org);
            var result = await client.GetJsonAsync("api/v1/admin/notifications/addresses" + (organisation is null ? string.Empty : "?organisation=" + Uri.EscapeDataString(organisation)), ct);
            PrintAddresses(output, result, "Adresses de notification");
            return ExitCodes.Ok;
        }, certName: "--admin-cert", keyName: "--admin-key");
        return command;
    }

    private static Command Outbox(CliIo io)
    {
        var state = new Option<string?>("--state") { Description = "Seulement cet état : pending, sending, sent, rejected, uncertain, no-recipient.", HelpName = "ÉTAT" };
        var command = new Command("outbox", "La file d'envoi des notifications et l'état de chacune.") { state };
        CpomCli.Attach(command, io, async (client, output, parse, ct) =>
        {
            var filter = parse.GetValue(state);
            var result = await client.GetJsonAsync("api/v1/admin/notifications" + (filter is null ? string.Empty : "?state=" + Uri.EscapeDataString(filter)), ct);
            if (output.Json)
            {
                output.WriteJson(result);
                return ExitCodes.Ok;
            }
            var rows = result.GetProperty("notifications").EnumerateArray().ToList();
            output.Out.WriteLine($"{Formats.Number(rows.Count)} notification(s) :");
            var table = new Table("N°", "ÉVÉNEMENT", "ORGANISATION", "ÉTAT", "ESSAIS", "DESTINATAIRES", "DERNIÈRE ERREUR");
            foreach (var n in rows)
            {
                table.Add(n.GetProperty("id").GetInt64().ToString(System.Globalization.CultureInfo.InvariantCulture), n.GetProperty("event").GetString(),
                    n.GetProperty("organisation").GetString(), n.GetProperty("state").GetString(),
                    n.GetProperty("attempts").GetInt32().ToString(System.Globalization.CultureInfo.InvariantCulture),
                    string.Join(", ", n.GetProperty("recipients").EnumerateArray().Select(r => r.GetString())),
                    n.GetProperty("lastError").ValueKind == JsonValueKind.Null ? "-" : n.GetProperty("lastError").GetString());
            }
            table.WriteTo(output.Out);
            return ExitCodes.Ok;
        }, certName: "--admin-cert", keyName: "--admin-key");
        return command;
    }

    private static Option<string?> EventsOption() =>
        new("--events") { Description = $"Événements retenus, séparés par des virgules ({Events}) ; par défaut tous.", HelpName = "ÉVÉNEMENTS" };

    private static string[]? Split(string? events) =>
        events?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static void PrintAddresses(Output output, JsonElement result, string title)
    {
        if (output.Json)
        {
            output.WriteJson(result);
            return;
        }
        var rows = result.GetProperty("addresses").EnumerateArray().ToList();
        output.Out.WriteLine($"{title} : {Formats.Number(rows.Count)}");
        var table = new Table("ORGANISATION", "RÔLE / AGENT", "ADRESSE", "ÉVÉNEMENTS");
        foreach (var a in rows)
        {
            var events = a.GetProperty("events").EnumerateArray().Select(e => e.GetString()).ToList();
            table.Add(a.GetProperty("organisation").GetString(),
                a.GetProperty("agentId").ValueKind == JsonValueKind.String ? a.GetProperty("agentId").GetString() : a.GetProperty("role").GetString(),
                a.GetProperty("address").GetString(), events.Count == 0 ? "tous" : string.Join(",", events));
        }
        table.WriteTo(output.Out);
    }
}
