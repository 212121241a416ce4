using System.CommandLine;
using System.Text.Json;
using CpomExchange.Cli.Client;

namespace CpomExchange.Cli.Commands;

/// <summary><c>cpom admin agent ...</c>: the directory of agents, for administrators.</summary>
internal static class AdminCommands
{
    public static Command Build(TextWriter stdout, TextWriter stderr)
    {
        var agent = new Command("agent", "Gérer l'annuaire des agents (rôle admin).");
        agent.Subcommands.Add(Add(stdout, stderr));
        agent.Subcommands.Add(List(stdout, stderr));
        agent.Subcommands.Add(SetDisabled(stdout, stderr, "disable", "Désactiver un agent : il est refusé immédiatement.", true));
        agent.Subcommands.Add(SetDisabled(stdout, stderr, "enable", "Réactiver un agent.", false));
        agent.Subcommands.Add(ReplaceCertificate(stdout, stderr));
        var admin = new Command("admin", "Administration de la passerelle.");
        admin.Subcommands.Add(agent);
        admin.Subcommands.Add(RotateKek(stdout, stderr));
        return admin;
    }

    private static Command Add(TextWriter stdout, TextWriter stderr)
    {
        var id = new Option<string>("--id") { Description = "Identifiant de l'agent (minuscules, chiffres, tirets).", Required = true };
        var cert = new Option<FileInfo>("--cert") { Description = "Certificat de l'agent (PEM).", Required = true };
        var org = new Option<string?>("--org") { Description = "Organisation de l'agent (ex. prevy)." };
        var roles = new Option<string>("--roles") { Description = "Rôles séparés par des virgules (agent, pdp, service-social, dpo, admin).", Required = true };
        var name = new Option<string>("--name") { Description = "Nom affiché.", Required = true };
        var command = new Command("add", "Enregistrer un agent.") { id, cert, org, roles, name };
        // --cert here is the new agent's certificate: the administrator's own is --admin-cert/--admin-key, --as or the configuration.
        CpomCli.Attach(command, stdout, stderr, async (client, output, parse, ct) =>
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

    private static Command List(TextWriter stdout, TextWriter stderr)
    {
        var org = new Option<string?>("--org") { Description = "Seulement les agents de cette organisation." };
        var command = new Command("list", "Lister les agents.") { org };
        CpomCli.Attach(command, stdout, stderr, async (client, output, parse, ct) =>
        {
            var organisation = parse.GetValue(org);
            var list = await client.GetJsonAsync("api/v1/admin/agents" + (organisation is null ? string.Empty : "?organisation=" + Uri.EscapeDataString(organisation)), ct);
            if (output.Json)
            {
                output.WriteJson(list);
                return ExitCodes.Ok;
            }
            var agents = list.GetProperty("agents").EnumerateArray().ToList();
            output.Out.WriteLine($"{agents.Count} agent(s) :");
            output.Out.WriteLine($"{"IDENTIFIANT",-32} {"ORGANISATION",-18} {"RÔLES",-22} {"ÉTAT",-10} CERTIFICAT (SHA-256, début)  EXPIRE LE");
            foreach (var a in agents)
            {
                output.Out.WriteLine($"{a.GetProperty("id").GetString(),-32} {a.GetProperty("organisation").GetString() ?? "-",-18} {string.Join(",", a.GetProperty("roles").EnumerateArray().Select(r => r.GetString())),-22} {(a.GetProperty("disabled").GetBoolean() ? "désactivé" : "actif"),-10} {a.GetProperty("certificateSha256").GetString()![..16]}...    {a.GetProperty("certificateNotAfter").GetDateTime():dd/MM/yyyy}");
            }
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command SetDisabled(TextWriter stdout, TextWriter stderr, string verb, string description, bool disabled)
    {
        var id = new Argument<string>("ID") { Description = "Identifiant de l'agent." };
        var command = new Command(verb, description) { id };
        CpomCli.Attach(command, stdout, stderr, async (client, output, parse, ct) =>
        {
            var agent = await client.SendJsonAsync(HttpMethod.Patch, $"api/v1/admin/agents/{Uri.EscapeDataString(parse.GetValue(id)!)}", new { disabled }, ct);
            Print(output, agent, disabled ? "Agent désactivé" : "Agent réactivé");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command ReplaceCertificate(TextWriter stdout, TextWriter stderr)
    {
        var id = new Argument<string>("ID") { Description = "Identifiant de l'agent." };
        var cert = new Option<FileInfo>("--new-cert") { Description = "Le nouveau certificat de l'agent (PEM).", Required = true };
        var command = new Command("replace-cert", "Remplacer le certificat d'un agent (renouvellement avant expiration).") { id, cert };
        CpomCli.Attach(command, stdout, stderr, async (client, output, parse, ct) =>
        {
            var pem = await ReadPemAsync(parse.GetValue(cert)!, ct);
            var agent = await client.SendJsonAsync(HttpMethod.Patch, $"api/v1/admin/agents/{Uri.EscapeDataString(parse.GetValue(id)!)}", new { certificate = pem }, ct);
            Print(output, agent, "Certificat remplacé");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command RotateKek(TextWriter stdout, TextWriter stderr)
    {
        var command = new Command("rotate-kek", "Nouvelle version de la clé de chiffrement des clés : toutes les clés de données sont ré-enveloppées, sans rechiffrer les contenus.");
        CpomCli.Attach(command, stdout, stderr, async (client, output, parse, ct) =>
        {
            var result = await client.SendJsonAsync(HttpMethod.Post, "api/v1/admin/keys/rotate-kek", new { }, ct);
            if (output.Json)
            {
                output.WriteJson(result);
            }
            else
            {
                output.Out.WriteLine($"Clé de chiffrement des clés : {result.GetProperty("keyId").GetString()} ; {result.GetProperty("rewrapped").GetInt32()} fichier(s) ré-enveloppé(s).");
                output.Out.WriteLine("Les anciennes versions restent dans le fournisseur de clés : détruisez-les pour rendre illisibles les sauvegardes qu'elles protègent.");
            }
            return ExitCodes.Ok;
        });
        return command;
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
        output.Out.WriteLine($"  certificat   : {agent.GetProperty("certificateSubject").GetString()} (SHA-256 {agent.GetProperty("certificateSha256").GetString()}, expire le {agent.GetProperty("certificateNotAfter").GetDateTime():dd/MM/yyyy})");
    }
}
