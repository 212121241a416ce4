using System.CommandLine;
using System.Text.Json;
using CpomExchange.Cli.Client;
using CpomExchange.Cli.Text;

namespace CpomExchange.Cli.Commands;

/// <summary>
/// <c>cpom admin agent ...</c>: the directory of agents; <c>cpom admin rotate-kek</c>: the key-encryption key; <c>cpom admin authorisation ...</c>: third-party authorisations. Both
/// through the API, for administrators; the database's schema is the operator's (the gateway's <c>migrate</c>).
/// </summary>
internal static class AdminCommands
{
    public static Command Build(CliIo io)
    {
        var agent = new Command("agent", "Gérer l'annuaire des agents (rôle admin).");
        agent.Subcommands.Add(Add(io));
        agent.Subcommands.Add(List(io));
        agent.Subcommands.Add(SetDisabled(io, "disable", "Désactiver un agent : il est refusé immédiatement.", true));
        agent.Subcommands.Add(SetDisabled(io, "enable", "Réactiver un agent.", false));
        agent.Subcommands.Add(ReplaceCertificate(io));
        var admin = new Command("admin", "Administration de la passerelle.");
        admin.Subcommands.Add(agent);
        admin.Subcommands.Add(RotateKek(io));
        admin.Subcommands.Add(NotificationCommands.Admin(io));
        admin.Subcommands.Add(AuthorisationCommands.Build(io));
        return admin;
    }

    private static Command Add(CliIo io)
    {
        var id = new Option<string>("--id") { Description = "Identifiant de l'agent (minuscules, chiffres, tirets).", HelpName = "ID", Required = true };
        var cert = new Option<FileInfo>("--cert") { Description = "Certificat de l'agent (PEM).", HelpName = "FICHIER", Required = true };
        var org = new Option<string?>("--org") { Description = "Organisation de l'agent (ex. prevy).", HelpName = "ORGANISATION" };
        var roles = new Option<string>("--roles") { Description = "Rôles séparés par des virgules (agent, pdp, service-social, dpo, admin).", HelpName = "RÔLES", Required = true };
        var name = new Option<string>("--name") { Description = "Nom affiché.", HelpName = "NOM", Required = true };
        var command = new Command("add", "Enregistrer un agent.") { id, cert, org, roles, name };
        // --cert here is the new agent's certificate: the administrator's own is --admin-cert/--admin-key, --as or the configuration.
        CpomCli.Attach(command, io, async (client, output, parse, ct) =>
        {
            var pem = await ReadPemAsync(parse.GetValue(cert)!, ct);
            var body = new
            {
                id = parse.GetValue(id),
                name = parse.GetValue(name),
                organisation = parse.GetValue(org),
                roles = parse.GetValue(roles)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
                certificate = pem,
            };
            var created = await client.SendJsonAsync(HttpMethod.Post, "api/v1/admin/agents", body, ct);
            Print(output, created, "Agent enregistré");
            return ExitCodes.Ok;
        }, certName: "--admin-cert", keyName: "--admin-key");
        return command;
    }

    private static Command List(CliIo io)
    {
        var org = new Option<string?>("--org") { Description = "Seulement les agents de cette organisation.", HelpName = "ORGANISATION" };
        var command = new Command("list", "Lister les agents.") { org };
        CpomCli.Attach(command, io, async (client, output, parse, ct) =>
        {
            var organisation = parse.GetValue(org);
            var list = await client.GetJsonAsync("api/v1/admin/agents" + (organisation is null ? string.Empty : "?organisation=" + Uri.EscapeDataString(organisation)), ct);
            if (output.Json)
            {
                output.WriteJson(list);
                return ExitCodes.Ok;
            }
            var agents = list.GetProperty("agents").EnumerateArray().ToList();
            output.Out.WriteLine($"{Formats.Number(agents.Count)} agent(s) :");
            var table = new Table("IDENTIFIANT", "ORGANISATION", "RÔLES", "ÉTAT", "CERTIFICAT (SHA-256, début)", "EXPIRE LE");
            foreach (var a in agents)
            {
                table.Add(a.GetProperty("id").GetString(), a.GetProperty("organisation").GetString(),
                    string.Join(",", a.GetProperty("roles").EnumerateArray().Select(r => r.GetString())),
                    a.GetProperty("disabled").GetBoolean() ? "désactivé" : "actif",
                    a.GetProperty("certificateSha256").GetString()![..16] + "…",
                    Formats.Date(DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(a.GetProperty("certificateNotAfter").GetDateTimeOffset(), Formats.Zone()).DateTime)));
            }
            table.WriteTo(output.Out);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command SetDisabled(CliIo io, string verb, string description, bool disabled)
    {
        var id = new Argument<string>("ID") { Description = "Identifiant de l'agent." };
        var command = new Command(verb, description) { id };
        CpomCli.Attach(command, io, async (client, output, parse, ct) =>
        {
            var agent = await client.SendJsonAsync(HttpMethod.Patch, $"api/v1/admin/agents/{Uri.EscapeDataString(parse.GetValue(id)!)}", new { disabled }, ct);
            Print(output, agent, disabled ? "Agent désactivé" : "Agent réactivé");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command ReplaceCertificate(CliIo io)
    {
        var id = new Argument<string>("ID") { Description = "Identifiant de l'agent." };
        var cert = new Option<FileInfo>("--new-cert") { Description = "Le nouveau certificat de l'agent (PEM).", HelpName = "FICHIER", Required = true };
        var command = new Command("replace-cert", "Remplacer le certificat d'un agent (renouvellement avant expiration).") { id, cert };
        CpomCli.Attach(command, io, async (client, output, parse, ct) =>
        {
            var pem = await ReadPemAsync(parse.GetValue(cert)!, ct);
            var agent = await client.SendJsonAsync(HttpMethod.Patch, $"api/v1/admin/agents/{Uri.EscapeDataString(parse.GetValue(id)!)}", new { certificate = pem }, ct);
            Print(output, agent, "Certificat remplacé");
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>
    /// <c>cpom admin rotate-kek</c>: asks for a rotation of the key-encryption key (the gateway answers
    /// 202 and does it in the background, resuming after a crash), then follows it until it completes
    /// (<c>--no-wait</c>: returns at once; <c>--status</c>: only shows the latest rotation).
    /// </summary>
    private static Command RotateKek(CliIo io)
    {
        var noWait = new Option<bool>("--no-wait") { Description = "Rendre la main dès la demande acceptée, sans attendre la fin du ré-enveloppement." };
        var status = new Option<bool>("--status") { Description = "Afficher l'état de la dernière rotation, sans en demander une." };
        var command = new Command("rotate-kek",
            "Nouvelle version de la clé de chiffrement des clés : les clés de données gardées dans la base sont ré-enveloppées en tâche de fond, sans rechiffrer les contenus.")
        {
            noWait, status,
        };
        CpomCli.Attach(command, io, async (client, output, parse, ct) =>
        {
            const string route = "api/v1/admin/keys/rotate-kek";
            var rotation = parse.GetValue(status)
                ? await client.GetJsonAsync(route, ct)
                : await client.SendJsonAsync(HttpMethod.Post, route, new { }, ct);
            string? shown = null;
            while (!parse.GetValue(status) && !parse.GetValue(noWait) && rotation.GetProperty("state").GetString() != "completed"
                && rotation.GetProperty("lastError").ValueKind == JsonValueKind.Null)
            {
                if (!output.Json && Describe(rotation) is var line && line != shown)
                {
                    output.Out.WriteLine(shown = line);
                }
                await Task.Delay(TimeSpan.FromSeconds(1), ct);
                rotation = await client.GetJsonAsync(route, ct);
            }
            if (output.Json)
            {
                output.WriteJson(rotation);
            }
            else
            {
                output.Out.WriteLine(Describe(rotation));
                if (rotation.GetProperty("state").GetString() == "completed")
                {
                    output.Out.WriteLine("Les anciennes versions restent dans le fournisseur de clés : détruisez-les pour rendre illisibles les sauvegardes de la base qu'elles protègent.");
                }
            }
            if (rotation.GetProperty("lastError").GetString() is { } error)
            {
                output.Err.WriteLine($"La rotation s'est interrompue ({error}) ; elle reprendra d'elle-même. Suivez-la avec « cpom admin rotate-kek --status ».");
                return ExitCodes.ServerError;
            }
            return ExitCodes.Ok;
        });
        return command;
    }

    private static string Describe(JsonElement rotation)
    {
        var id = rotation.GetProperty("id").GetInt64();
        var keyId = rotation.GetProperty("keyId").GetString();
        var rewrapped = rotation.GetProperty("rewrapped").GetInt64();
        var remaining = rotation.GetProperty("remaining").ValueKind == JsonValueKind.Number ? rotation.GetProperty("remaining").GetInt64() : (long?)null;
        return rotation.GetProperty("state").GetString() switch
        {
            "pending" => $"Rotation {id} demandée : en attente de la nouvelle version de la clé.",
            "rewrapping" => $"Rotation {id} : clé de chiffrement des clés {keyId} ; {Formats.Number(rewrapped)} clé(s) ré-enveloppée(s), {(remaining is { } left ? Formats.Number(left) : "?")} restante(s).",
            _ => $"Rotation {id} terminée : clé de chiffrement des clés {keyId} ; {Formats.Number(rewrapped)} clé(s) ré-enveloppée(s).",
        };
    }

    private static async Task<string> ReadPemAsync(FileInfo file, CancellationToken ct)
    {
        if (!file.Exists)
        {
            throw new UsageException($"Certificat introuvable : {file.FullName}");
        }
        return await File.ReadAllTextAsync(file.FullName, ct);
    }

    private static void Print(Output output, JsonElement agent, string what)
    {
        if (output.Json)
        {
            output.WriteJson(agent);
            return;
        }
        output.Out.WriteLine($"{what} : {agent.GetProperty("id").GetString()}");
        output.Out.WriteLine($"  nom          : {agent.GetProperty("name").GetString()}");
        output.Out.WriteLine($"  organisation : {agent.GetProperty("organisation").GetString() ?? "-"}");
        output.Out.WriteLine($"  rôles        : {string.Join(", ", agent.GetProperty("roles").EnumerateArray().Select(r => r.GetString()))}");
        output.Out.WriteLine($"  état         : {(agent.GetProperty("disabled").GetBoolean() ? "désactivé" : "actif")}");
        output.Out.WriteLine($"  certificat   : {agent.GetProperty("certificateSubject").GetString()} (SHA-256 {agent.GetProperty("certificateSha256").GetString()}, expire le {Formats.Time(agent.GetProperty("certificateNotAfter").GetDateTimeOffset())})");
    }
}
