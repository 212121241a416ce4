using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using CpomExchange.Cli.Client;
using CpomExchange.Rules.AccessLog;

namespace CpomExchange.Cli.Commands;

/// <summary><c>cpom audit ...</c>: the DPO's review of their organisation's access log.</summary>
internal static class AuditCommands
{
    public static Command Build(TextWriter stdout, TextWriter stderr, Option<string?> home)
    {
        var audit = new Command("audit", "Journal des accès de votre organisation (rôle dpo).");
        audit.Subcommands.Add(List(stdout, stderr));
        audit.Subcommands.Add(Export(stdout, stderr));
        audit.Subcommands.Add(Verify(stdout, stderr, home));
        audit.Subcommands.Add(Subject(stdout, stderr));
        return audit;
    }

    private static Command List(TextWriter stdout, TextWriter stderr)
    {
        var from = new Option<DateTime?>("--from") { Description = "Depuis cette date (AAAA-MM-JJ)." };
        var to = new Option<DateTime?>("--to") { Description = "Avant cette date (AAAA-MM-JJ)." };
        var agent = new Option<string?>("--agent") { Description = "Identifiant de l'agent." };
        var action = new Option<string?>("--action") { Description = "upload, list, read-metadata, download, acknowledge, authenticate, audit-read, admin-change, purge." };
        var exchange = new Option<string?>("--exchange") { Description = "Type d'échange." };
        var outcome = new Option<string?>("--outcome") { Description = "allowed ou denied." };
        var purpose = new Option<string?>("--purpose") { Description = "Finalité." };
        var dataset = new Option<string?>("--dataset") { Description = "Jeu de données." };
        var page = new Option<int>("--page") { Description = "Page (1 par défaut).", DefaultValueFactory = _ => 1 };
        var pageSize = new Option<int>("--page-size") { Description = "Entrées par page (100 par défaut, 1000 au plus).", DefaultValueFactory = _ => 100 };
        var command = new Command("list", "Lister les entrées du journal, les plus récentes d'abord.") { from, to, agent, action, exchange, outcome, purpose, dataset, page, pageSize };
        CpomCli.Attach(command, stdout, stderr, async (client, output, parse, ct) =>
        {
            var query = new List<string> { $"page={parse.GetValue(page)}", $"pageSize={parse.GetValue(pageSize)}" };
            void Add(string name, string? value)
            {
                if (value is not null)
                {
                    query.Add($"{name}={Uri.EscapeDataString(value)}");
                }
            }
            Add("from", parse.GetValue(from)?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
            Add("to", parse.GetValue(to)?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
            Add("agent", parse.GetValue(agent));
            Add("action", parse.GetValue(action));
            Add("exchange", parse.GetValue(exchange));
            Add("outcome", parse.GetValue(outcome));
            Add("purpose", parse.GetValue(purpose));
            Add("dataset", parse.GetValue(dataset));
            var result = await client.GetJsonAsync("api/v1/audit/entries?" + string.Join('&', query), ct);
            if (output.Json)
            {
                output.WriteJson(result);
                return ExitCodes.Ok;
            }
            var entries = result.GetProperty("entries").EnumerateArray().ToList();
            output.Out.WriteLine($"{result.GetProperty("total").GetInt64()} entrée(s) ; page {result.GetProperty("page").GetInt32()} :");
            output.Out.WriteLine($"{"N°",6}  {"HORODATAGE (UTC)",-23}  {"AGENT",-24} {"ACTION",-14} {"ÉCHANGE",-20} {"FINALITÉ",-14} RÉSULTAT");
            foreach (var e in entries)
            {
                var outcomeText = e.GetProperty("outcome").GetString() == "allowed" ? "autorisé" : $"refusé ({e.GetProperty("reason").GetString()})";
                if (e.GetProperty("action").GetString() == "authenticate" && e.TryGetProperty("rows", out var repeated) && repeated.ValueKind == System.Text.Json.JsonValueKind.Number)
                {
                    // An entry that counts the identical refusals of a window (its object says from when to when).
                    outcomeText += $" +{repeated.GetInt64()} identiques";
                }
                output.Out.WriteLine($"{e.GetProperty("seq").GetInt64(),6}  {e.GetProperty("time").GetString(),-23}  {e.GetProperty("agent").GetString(),-24} {e.GetProperty("action").GetString(),-14} {e.GetProperty("exchange").GetString() ?? "-",-20} {e.GetProperty("purpose").GetString() ?? "-",-14} {outcomeText}");
            }
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Export(TextWriter stdout, TextWriter stderr)
    {
        var file = new Option<FileInfo>("--output", "-o") { Description = "Fichier à écrire : .csv (Excel) ou .jsonl (avec les points de contrôle signés et la clé publique, vérifiable hors ligne).", Required = true };
        var command = new Command("export", "Exporter le journal.") { file };
        CpomCli.Attach(command, stdout, stderr, async (client, output, parse, ct) =>
        {
            var target = parse.GetValue(file)!;
            var format = target.Extension.ToLowerInvariant() switch
            {
                ".csv" => "csv",
                ".jsonl" => "jsonl",
                _ => throw new UsageException("Le fichier d'export doit finir par .csv ou .jsonl."),
            };
            var partial = target.FullName + ".part";
            try
            {
                await using (var stream = new FileStream(partial, FileMode.Create, FileAccess.Write, FileShare.None))
                {
                    await client.DownloadPlainAsync($"api/v1/audit/export?format={format}", stream, ct);
                }
                File.Move(partial, target.FullName, overwrite: true);
            }
            finally
            {
                File.Delete(partial);
            }
            if (output.Json)
            {
                output.WriteJson(new { file = target.FullName, format });
            }
            else
            {
                output.Out.WriteLine($"Journal exporté : {target.FullName}");
            }
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Verify(TextWriter stdout, TextWriter stderr, Option<string?> home)
    {
        var file = new Argument<FileInfo?>("EXPORT") { Description = "Un export .jsonl à vérifier hors ligne ; sans lui, vérification en ligne.", Arity = ArgumentArity.ZeroOrOne };
        var publicKey = new Option<FileInfo?>("--public-key") { Description = "La clé publique de signature du journal (base64 ou PEM), au lieu de celle de l'export." };
        var command = new Command("verify", "Vérifier l'intégrité du journal : en ligne (et qu'il n'a fait que croître depuis la dernière vérification), ou hors ligne sur un export.") { file, publicKey };
        // Offline verification needs no identity: handle it before attaching the client.
        CpomCli.Attach(command, stdout, stderr, async (client, output, parse, ct) =>
        {
            var export = parse.GetValue(file);
            if (export is not null)
            {
                return await VerifyOfflineAsync(export, parse.GetValue(publicKey), output, ct);
            }
            return await VerifyOnlineAsync(client, output, parse.GetValue(home), ct);
        }, offlineWhen: parse => parse.GetValue(file) is not null);
        return command;
    }

    private static async Task<int> VerifyOfflineAsync(FileInfo export, FileInfo? publicKeyFile, Output output, CancellationToken ct)
    {
        if (!export.Exists)
        {
            throw new UsageException($"Export introuvable : {export.FullName}");
        }
        byte[]? key = null;
        if (publicKeyFile is not null)
        {
            key = ReadPublicKey(publicKeyFile);
        }
        LogExportHeader header;
        LogVerification result;
        try
        {
            using var reader = export.OpenText();
            (header, result) = await LogExport.VerifyStreamAsync(reader, key, ct);
        }
        catch (FormatException e)
        {
            output.Err.WriteLine($"Export illisible : {e.Message}");
            return ExitCodes.InvalidFile;
        }
        Report(output, result, $"{export.Name} (journal « {header.LogId} », clé {(key is null ? "de l'export" : "fournie")})");
        return result.Valid ? ExitCodes.Ok : ExitCodes.Integrity;
    }

    private static async Task<int> VerifyOnlineAsync(GatewayClient client, Output output, string? home, CancellationToken ct)
    {
        var verdict = await client.GetJsonAsync("api/v1/audit/verify", ct);
        var keyInfo = await client.GetJsonAsync("api/v1/audit/public-key", ct);
        var key = Convert.FromBase64String(keyInfo.GetProperty("publicKey").GetString()!);
        var checkpoints = await client.GetJsonAsync("api/v1/audit/checkpoints", ct);
        var me = await client.GetJsonAsync("api/v1/me", ct);
        var organisation = me.GetProperty("organisation").GetProperty("id").GetString()!;
        var state = CheckpointState.For(home, client.BaseAddress, organisation);
        var problems = new List<string>();
        long? firstBad = null;
        if (!verdict.GetProperty("valid").GetBoolean())
        {
            problems.Add(verdict.GetProperty("summary").GetString()!);
            firstBad = verdict.TryGetProperty("firstBadSeq", out var seq) && seq.ValueKind == JsonValueKind.Number ? seq.GetInt64() : null;
        }
        if (state.PublicKey is not null && !state.PublicKey.AsSpan().SequenceEqual(key))
        {
            problems.Add("la clé de signature du journal a changé depuis la dernière vérification : seule une rotation annoncée l'explique.");
        }
        SignedCheckpoint? latest = null;
        if (checkpoints.GetArrayLength() > 0)
        {
            latest = ParseCheckpoint(checkpoints[checkpoints.GetArrayLength() - 1]);
            if (!latest.VerifyWith(state.PublicKey ?? key))
            {
                problems.Add("la signature du dernier point de contrôle est invalide.");
            }
            if (latest.Checkpoint.LogId != organisation)
            {
                // The gateway signs every organisation's log with one key: a checkpoint of another log verifies too.
                problems.Add($"le point de contrôle présenté est celui du journal « {latest.Checkpoint.LogId} », pas celui de votre organisation « {organisation} ».");
            }
        }
        if (state.TreeSize is { } oldSize && state.RootHash is { } oldRoot)
        {
            // What this machine pinned may only be extended: never withdrawn, shrunk or replaced by an older state.
            if (latest is null)
            {
                problems.Add($"la passerelle ne présente plus aucun point de contrôle signé, alors que celui de {oldSize} entrées a été vérifié le {state.VerifiedAt:dd/MM/yyyy HH:mm}.");
            }
            else if (latest.Checkpoint.TreeSize < oldSize)
            {
                problems.Add($"le journal a rétréci : {latest.Checkpoint.TreeSize} entrées signées contre {oldSize} lors de la dernière vérification.");
            }
            else if (state.CheckpointTime is { } pinnedTime && latest.Checkpoint.Time < pinnedTime)
            {
                problems.Add($"le point de contrôle présenté ({latest.Checkpoint.Time.ToLocalTime():dd/MM/yyyy HH:mm:ss}) est plus ancien que celui vérifié ({pinnedTime.ToLocalTime():dd/MM/yyyy HH:mm:ss}) : la passerelle présente un état passé du journal.");
            }
            else if (problems.Count == 0)
            {
                var proof = await client.GetJsonAsync($"api/v1/audit/proofs/consistency?from={oldSize}&to={latest.Checkpoint.TreeSize}", ct);
                var hashes = proof.GetProperty("proof").EnumerateArray().Select(p => Convert.FromBase64String(p.GetString()!)).ToList();
                if (!MerkleTree.VerifyConsistency(oldSize, latest.Checkpoint.TreeSize, oldRoot, latest.Checkpoint.RootHash, hashes))
                {
                    problems.Add($"l'historique a été réécrit : le journal signé n'est pas le prolongement de celui vérifié le {state.VerifiedAt:dd/MM/yyyy HH:mm} ({oldSize} entrées).");
                }
            }
        }
        var valid = problems.Count == 0;
        if (valid)
        {
            state.Save(latest, key);
        }
        if (output.Json)
        {
            output.WriteJson(new { valid, problems, firstBadSeq = firstBad, verdict, previouslyVerifiedSize = state.TreeSize });
        }
        else if (valid)
        {
            output.Out.WriteLine(verdict.GetProperty("summary").GetString());
            output.Out.WriteLine(state.TreeSize is { } size
                ? $"Le journal n'a fait que croître depuis la dernière vérification ({size} → {latest?.Checkpoint.TreeSize} entrées signées, preuve de cohérence vérifiée)."
                : latest is null
                    ? "Aucun point de contrôle signé pour l'instant : la clé publique est mémorisée pour les prochaines vérifications."
                    : "Première vérification depuis ce poste : le point de contrôle et la clé publique sont mémorisés pour les prochaines.");
        }
        else
        {
            output.Err.WriteLine("Journal NON intègre :");
            foreach (var p in problems)
            {
                output.Err.WriteLine("  - " + p);
            }
            if (firstBad is not null)
            {
                output.Err.WriteLine($"  Première entrée en cause : n° {firstBad}.");
            }
        }
        return valid ? ExitCodes.Ok : ExitCodes.Integrity;
    }

    private static Command Subject(TextWriter stdout, TextWriter stderr)
    {
        var siret = new Option<string?>("--siret") { Description = "SIRET de l'établissement concerné." };
        var nir = new Option<string?>("--nir") { Description = "NIR de la personne concernée." };
        var command = new Command("subject", "Retrouver les accès qui concernent une personne ou un établissement (RGPD art. 15).") { siret, nir };
        CpomCli.Attach(command, stdout, stderr, async (client, output, parse, ct) =>
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
            output.Out.WriteLine($"Pseudonyme : {answer.GetProperty("pseudonym").GetString()}");
            output.Out.WriteLine($"{datasets.Count} jeu(x) de données et {entries.Count} accès le concernent :");
            foreach (var e in entries)
            {
                output.Out.WriteLine($"  n° {e.GetProperty("seq").GetInt64()}  {e.GetProperty("time").GetString()}  {e.GetProperty("agent").GetString()}  {e.GetProperty("action").GetString()}  {e.GetProperty("dataset").GetString()}  {e.GetProperty("outcome").GetString()}");
            }
            return ExitCodes.Ok;
        });
        return command;
    }

    private static void Report(Output output, LogVerification result, string what)
    {
        if (output.Json)
        {
            output.WriteJson(new { valid = result.Valid, result.EntriesChecked, result.CheckpointsChecked, result.FirstBadSeq, result.Problem, result.Summary });
        }
        else if (result.Valid)
        {
            output.Out.WriteLine($"{what} : {result.Summary}");
        }
        else
        {
            output.Err.WriteLine($"{what} : {result.Summary}");
            output.Err.WriteLine($"  Première entrée en cause : n° {result.FirstBadSeq}.");
        }
    }

    private static byte[] ReadPublicKey(FileInfo file)
    {
        var text = File.ReadAllText(file.FullName).Trim();
        try
        {
            if (text.StartsWith("-----", StringComparison.Ordinal))
            {
                using var key = System.Security.Cryptography.ECDsa.Create();
                key.ImportFromPem(text);
                return key.ExportSubjectPublicKeyInfo();
            }
            return Convert.FromBase64String(text);
        }
        catch (Exception e) when (e is FormatException or ArgumentException or System.Security.Cryptography.CryptographicException)
        {
            throw new UsageException($"Clé publique illisible ({file.FullName}) : base64 ou PEM attendu.");
        }
    }

    private static SignedCheckpoint ParseCheckpoint(JsonElement c) => new(
        new Checkpoint(c.GetProperty("logId").GetString()!, c.GetProperty("treeSize").GetInt64(), Convert.FromBase64String(c.GetProperty("rootHash").GetString()!),
            DateTimeOffset.FromUnixTimeMilliseconds(c.GetProperty("time").GetInt64())),
        c.GetProperty("keyId").GetString()!, Convert.FromBase64String(c.GetProperty("signature").GetString()!));

    /// <summary>The last checkpoint this machine verified for a gateway and organisation, and the key it pinned.</summary>
    private sealed class CheckpointState
    {
        private readonly string _path;

        private CheckpointState(string path) => _path = path;

        public long? TreeSize { get; private set; }
        public byte[]? RootHash { get; private set; }
        public byte[]? PublicKey { get; private set; }
        public DateTime VerifiedAt { get; private set; }
        /// <summary>The signed time of the pinned checkpoint (absent from the files of earlier versions).</summary>
        public DateTimeOffset? CheckpointTime { get; private set; }

        public static CheckpointState For(string? home, Uri gateway, string organisation)
        {
            var root = CpomExchange.Infrastructure.CpomHome.FromEnvironment(home).Root;
            var dir = Path.Combine(root, "audit", $"{gateway.Host}-{gateway.Port}");
            var state = new CheckpointState(Path.Combine(dir, organisation + ".json"));
            if (File.Exists(state._path))
            {
                using var doc = JsonDocument.Parse(File.ReadAllText(state._path));
                if (doc.RootElement.GetProperty("treeSize").ValueKind == JsonValueKind.Number)
                {
                    state.TreeSize = doc.RootElement.GetProperty("treeSize").GetInt64();
                    state.RootHash = Convert.FromBase64String(doc.RootElement.GetProperty("rootHash").GetString()!);
                }
                if (doc.RootElement.TryGetProperty("checkpointTime", out var time) && time.ValueKind == JsonValueKind.Number)
                {
                    state.CheckpointTime = DateTimeOffset.FromUnixTimeMilliseconds(time.GetInt64());
                }
                state.PublicKey = Convert.FromBase64String(doc.RootElement.GetProperty("publicKey").GetString()!);
                state.VerifiedAt = doc.RootElement.GetProperty("verifiedAt").GetDateTime();
            }
            return state;
        }

        public void Save(SignedCheckpoint? checkpoint, byte[] publicKey)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(_path)!);
            if (checkpoint is null && TreeSize is not null)
            {
                return;
            }
            var json = JsonSerializer.Serialize(new
            {
                treeSize = checkpoint?.Checkpoint.TreeSize,
                rootHash = checkpoint is null ? null : Convert.ToBase64String(checkpoint.Checkpoint.RootHash),
                checkpointTime = checkpoint?.Checkpoint.Time.ToUnixTimeMilliseconds(),
                publicKey = Convert.ToBase64String(publicKey),
                verifiedAt = DateTime.UtcNow,
            });
            File.WriteAllText(_path, json);
        }
    }
}
