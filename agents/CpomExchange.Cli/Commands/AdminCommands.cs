using System.CommandLine;
using System.Text.Json;
using CpomExchange.Cli.Client;
using CpomExchange.Infrastructure;
using CpomExchange.Infrastructure.Storage;

namespace CpomExchange.Cli.Commands;

/// <summary><c>cpom admin agent ...</c>: the directory of agents, for administrators; <c>cpom admin migrate</c>: the database schema, for operators.</summary>
internal static class AdminCommands
{
    public static Command Build(TextWriter stdout, TextWriter stderr, Option<string?> homeOption, Option<bool> jsonOption)
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
        admin.Subcommands.Add(Migrate(stdout, stderr, homeOption, jsonOption));
        return admin;
    }

    /// <summary>
    /// <c>cpom admin migrate</c>: brings the database up to date, run by the operator before starting
    /// instances with <c>Storage:MigrateAtStartup=false</c>. The database comes from the same settings
    /// as the gateway's: <c>Storage__Provider</c> and <c>Storage__ConnectionString</c> in the environment
    /// (a password stays out of the command line), <c>--provider</c> to override the first.
    /// </summary>
    private static Command Migrate(TextWriter stdout, TextWriter stderr, Option<string?> homeOption, Option<bool> jsonOption)
    {
        var provider = new Option<string?>("--provider") { Description = "Sqlite ou Postgres (défaut : $Storage__Provider, sinon Sqlite)." };
        var check = new Option<bool>("--check") { Description = "Ne rien appliquer : code de sortie 1 s'il reste des migrations à appliquer." };
        var command = new Command("migrate", "Mettre à jour le schéma de la base de données (Storage__Provider, Storage__ConnectionString).") { provider, check };
        command.SetAction(async (parse, ct) =>
        {
            var output = new Output(stdout, stderr, parse.GetValue(jsonOption));
            var storage = StorageOptions.FromEnvironment(parse.GetValue(provider));
            var home = CpomHome.FromEnvironment(parse.GetValue(homeOption));
            try
            {
                CpomDatabase.ConnectionString(storage, home);
            }
            catch (InvalidOperationException e)
            {
                await stderr.WriteLineAsync(e.Message);
                return ExitCodes.Usage;
            }
            try
            {
                await using var db = await CpomDatabase.OpenAsync(storage, home, migrate: false, ct);
                var pending = await CpomDatabase.PendingMigrationsAsync(db, ct);
                IReadOnlyList<string> applied = parse.GetValue(check) || pending.Count == 0 ? [] : await CpomDatabase.MigrateAsync(db, ct);
                if (output.Json)
                {
                    output.WriteJson(new { provider = storage.Provider, pending = parse.GetValue(check) ? pending : Array.Empty<string>(), applied });
                }
                else if (parse.GetValue(check))
                {
                    stdout.WriteLine(pending.Count == 0
                        ? $"Base de données {storage.Provider} à jour."
                        : $"{pending.Count} migration(s) à appliquer ({storage.Provider}) : {string.Join(", ", pending)}");
                }
                else
                {
                    stdout.WriteLine(applied.Count == 0
                        ? $"Base de données {storage.Provider} déjà à jour : rien à appliquer."
                        : $"{applied.Count} migration(s) appliquée(s) ({storage.Provider}) : {string.Join(", ", applied)}");
                }
                return parse.GetValue(check) && pending.Count > 0 ? ExitCodes.Error : ExitCodes.Ok;
            }
            catch (System.Data.Common.DbException e)
            {
                // The provider's message names the host or the error, never the password.
                await stderr.WriteLineAsync($"Base de données {storage.Provider} injoignable ou refusée : {e.Message}");
                return ExitCodes.Unreachable;
            }
        });
        return command;
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

    /// <summary>
    /// <c>cpom admin rotate-kek</c>: asks for a rotation of the key-encryption key (the gateway answers
    /// 202 and does it in the background, resuming after a crash), then follows it until it completes
    /// (<c>--no-wait</c>: returns at once; <c>--status</c>: only shows the latest rotation).
    /// </summary>
    private static Command RotateKek(TextWriter stdout, TextWriter stderr)
    {
        var noWait = new Option<bool>("--no-wait") { Description = "Rendre la main dès la demande acceptée, sans attendre la fin du ré-enveloppement." };
        var status = new Option<bool>("--status") { Description = "Afficher l'état de la dernière rotation, sans en demander une." };
        var command = new Command("rotate-kek",
            "Nouvelle version de la clé de chiffrement des clés : les clés de données gardées dans la base sont ré-enveloppées en tâche de fond, sans rechiffrer les contenus.")
        {
            noWait, status,
        };
        CpomCli.Attach(command, stdout, stderr, async (client, output, parse, ct) =>
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
            "rewrapping" => $"Rotation {id} : clé de chiffrement des clés {keyId} ; {rewrapped} clé(s) ré-enveloppée(s), {remaining} restante(s).",
            _ => $"Rotation {id} terminée : clé de chiffrement des clés {keyId} ; {rewrapped} clé(s) ré-enveloppée(s).",
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
        output.Out.WriteLine($"  certificat   : {agent.GetProperty("certificateSubject").GetString()} (SHA-256 {agent.GetProperty("certificateSha256").GetString()}, expire le {agent.GetProperty("certificateNotAfter").GetDateTime():dd/MM/yyyy})");
    }
}
