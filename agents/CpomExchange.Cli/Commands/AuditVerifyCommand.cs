using System.CommandLine;
using System.Text.Json;
using CpomExchange.Cli.Client;
using CpomExchange.Cli.Text;
using CpomExchange.Rules.AccessLog;

namespace CpomExchange.Cli.Commands;

/// <summary>
/// <c>cpom audit verify</c>: the integrity of the organisation's access log, online (the gateway's
/// verdict, then the signed checkpoint and a consistency proof from the one this machine pinned) or
/// offline on an export. What it prints says, in words a DPO reads, what was checked.
/// </summary>
internal static class AuditVerifyCommand
{
    public static Command Build(CliIo io)
    {
        var file = new Argument<FileInfo?>("EXPORT") { Description = "Un export .jsonl à vérifier hors ligne ; sans lui, vérification en ligne.", Arity = ArgumentArity.ZeroOrOne };
        var publicKey = new Option<FileInfo?>("--public-key") { Description = "La clé publique de signature du journal (base64 ou PEM), au lieu de celle de l'export.", HelpName = "FICHIER" };
        var incremental = new Option<bool>("--incremental")
        {
            Description = "En ligne : la passerelle ne relit que les entrées ajoutées depuis le dernier point de contrôle signé qu'elle a déjà vérifié (par défaut, tout le journal).",
        };
        var command = new Command("verify",
            "Vérifier l'intégrité du journal : qu'aucune entrée n'a été modifiée, supprimée ni insérée, et, en ligne, que rien de ce qui a été vérifié depuis ce poste n'a changé.")
        {
            file, publicKey, incremental,
        };
        // Offline verification needs no identity: handled before the client is attached.
        CpomCli.Attach(command, io, async (client, output, parse, ct) =>
        {
            var export = parse.GetValue(file);
            return export is not null
                ? await VerifyOfflineAsync(export, parse.GetValue(publicKey), output, ct)
                : await VerifyOnlineAsync(client, output, parse.GetValue(CpomCli.HomeOption), parse.GetValue(incremental), ct);
        }, offlineWhen: parse => parse.GetValue(file) is not null);
        return command;
    }

    private static async Task<int> VerifyOfflineAsync(FileInfo export, FileInfo? publicKeyFile, Output output, CancellationToken ct)
    {
        if (!export.Exists)
        {
            throw new UsageException($"Export introuvable : {export.FullName}");
        }
        var key = publicKeyFile is null ? null : ReadPublicKey(publicKeyFile);
        LogExportHeader header;
        LogVerification result;
        try
        {
            await using var stream = new FileStream(export.FullName, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
            (header, result) = LogExport.VerifyStream(stream, key, ct);
        }
        catch (FormatException e)
        {
            output.Err.WriteLine($"Export illisible : {e.Message}");
            return ExitCodes.InvalidFile;
        }
        if (output.Json)
        {
            output.WriteJson(new { valid = result.Valid, result.EntriesChecked, result.CheckpointsChecked, result.FirstBadSeq, result.Problem, result.Summary });
            return result.Valid ? ExitCodes.Ok : ExitCodes.Integrity;
        }
        var what = $"{export.Name} (journal « {header.LogId} », clé {(key is null ? "publique de l'export" : "fournie")})";
        if (!result.Valid)
        {
            output.Err.WriteLine($"Journal NON intègre : {what}.");
            output.Err.WriteLine($"  {result.Problem}");
            output.Err.WriteLine($"  Première entrée en cause : n° {result.FirstBadSeq}.");
            return ExitCodes.Integrity;
        }
        output.Out.WriteLine($"Journal intègre : {what}.");
        output.Out.WriteLine("Ce qui a été vérifié :");
        output.Out.WriteLine(Entries(result.EntriesChecked));
        output.Out.WriteLine(Checkpoints(result.CheckpointsChecked));
        if (result.UnsignedTail > 0)
        {
            output.Out.WriteLine(Unsigned(result.UnsignedTail));
        }
        output.Out.WriteLine("  - Hors ligne, ceci prouve que l'export est cohérent ; « cpom audit verify » en ligne prouve en plus que la passerelle n'a pas réécrit ce que ce poste a déjà vérifié.");
        return ExitCodes.Ok;
    }

    private static async Task<int> VerifyOnlineAsync(GatewayClient client, Output output, string? home, bool incremental, CancellationToken ct)
    {
        var verdict = await client.GetJsonAsync(incremental ? "api/v1/audit/verify?incremental=true" : "api/v1/audit/verify", ct);
        // The gateway says what it did: a gateway that verified from a checkpoint names its size.
        long? fromSize = verdict.TryGetProperty("fromTreeSize", out var from) && from.ValueKind == JsonValueKind.Number ? from.GetInt64() : null;
        var keyInfo = await client.GetJsonAsync("api/v1/audit/public-key", ct);
        var key = Convert.FromBase64String(keyInfo.GetProperty("publicKey").GetString()!);
        var checkpoints = await client.GetJsonAsync("api/v1/audit/checkpoints", ct);
        var me = await client.GetJsonAsync("api/v1/me", ct);
        var organisation = me.GetProperty("organisation").GetProperty("id").GetString()!;
        var state = PinnedCheckpoint.For(home, client.BaseAddress, organisation);
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
                problems.Add($"la passerelle ne présente plus aucun point de contrôle signé, alors que celui de {Formats.Number(oldSize)} entrées a été vérifié le {Formats.Time(state.VerifiedAt)}.");
            }
            else if (latest.Checkpoint.TreeSize < oldSize)
            {
                problems.Add($"le journal a rétréci : {Formats.Number(latest.Checkpoint.TreeSize)} entrées signées contre {Formats.Number(oldSize)} lors de la dernière vérification.");
            }
            else if (state.CheckpointTime is { } pinnedTime && latest.Checkpoint.Time < pinnedTime)
            {
                problems.Add($"le point de contrôle présenté ({Formats.Time(latest.Checkpoint.Time, seconds: true)}) est plus ancien que celui vérifié ({Formats.Time(pinnedTime, seconds: true)}) : la passerelle présente un état passé du journal.");
            }
            else if (problems.Count == 0)
            {
                var proof = await client.GetJsonAsync($"api/v1/audit/proofs/consistency?from={oldSize}&to={latest.Checkpoint.TreeSize}", ct);
                var hashes = proof.GetProperty("proof").EnumerateArray().Select(p => Convert.FromBase64String(p.GetString()!)).ToList();
                if (!MerkleTree.VerifyConsistency(oldSize, latest.Checkpoint.TreeSize, oldRoot, latest.Checkpoint.RootHash, hashes))
                {
                    problems.Add($"l'historique a été réécrit : le journal signé n'est pas le prolongement de celui vérifié le {Formats.Time(state.VerifiedAt)} ({Formats.Number(oldSize)} entrées).");
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
            var entries = verdict.GetProperty("entriesChecked").GetInt64();
            var signed = verdict.GetProperty("checkpointsChecked").GetInt32();
            output.Out.WriteLine($"Journal des accès de votre organisation ({organisation}) : intègre.");
            output.Out.WriteLine("Ce qui a été vérifié :");
            output.Out.WriteLine(fromSize is { } size
                ? $"  - Vérification incrémentale par la passerelle : seules les entrées ajoutées après le point de contrôle signé de {Formats.Number(size)} entrées, qu'elle avait déjà vérifié, ont été relues (« cpom audit verify » sans --incremental relit tout le journal)."
                : "  - Vérification intégrale par la passerelle : tout le journal a été relu depuis sa première entrée.");
            output.Out.WriteLine(Entries(entries));
            output.Out.WriteLine(Checkpoints(signed));
            output.Out.WriteLine(SinceLastTime(state, latest));
            var unsigned = (fromSize ?? 0) + entries - (latest?.Checkpoint.TreeSize ?? 0);
            if (unsigned > 0)
            {
                output.Out.WriteLine(Unsigned(unsigned));
            }
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
            output.Err.WriteLine("  Signalez-le à l'exploitant de la passerelle et conservez un export (cpom audit export) comme preuve.");
        }
        return valid ? ExitCodes.Ok : ExitCodes.Integrity;
    }

    private static string Entries(long count) =>
        $"  - {Formats.Number(count)} entrée(s) relue(s) une à une : chacune est liée à la précédente par son empreinte, aucune n'a été modifiée, supprimée ni insérée.";

    private static string Checkpoints(long count) => count == 0
        ? "  - Aucun point de contrôle signé pour l'instant : la passerelle signe le premier à intervalle régulier, comme les suivants."
        : $"  - {Formats.Number(count)} point(s) de contrôle : chacun est signé par la passerelle (signature valide) et correspond exactement aux entrées qu'il couvre.";

    private static string SinceLastTime(PinnedCheckpoint state, SignedCheckpoint? latest)
    {
        if (latest is null)
        {
            return state.PublicKey is null
                ? "  - Première vérification depuis ce poste : la clé publique du journal est mémorisée pour les prochaines."
                : $"  - Pas encore de point de contrôle signé à comparer avec votre dernière vérification (le {Formats.Time(state.VerifiedAt)}) ; la clé publique du journal n'a pas changé.";
        }
        var size = latest.Checkpoint.TreeSize;
        return state.TreeSize switch
        {
            null when state.PublicKey is null => $"  - Première vérification depuis ce poste : le dernier point de contrôle ({Formats.Number(size)} entrées) et la clé publique sont mémorisés ; "
                + "les prochaines vérifications prouveront que rien de ce qui est vérifié aujourd'hui n'a changé.",
            null => $"  - Premier point de contrôle signé depuis votre dernière vérification sur ce poste (le {Formats.Time(state.VerifiedAt)}) : il ({Formats.Number(size)} entrées) est mémorisé, "
                + "et les prochaines vérifications prouveront que rien de ce qui est vérifié aujourd'hui n'a changé.",
            var old when old == size => $"  - Depuis votre dernière vérification sur ce poste (le {Formats.Time(state.VerifiedAt)}), le journal signé n'a pas changé : toujours {Formats.Number(size)} entrées.",
            var old => $"  - Depuis votre dernière vérification sur ce poste (le {Formats.Time(state.VerifiedAt)}, {Formats.Number(old!.Value)} entrées signées), le journal s'est allongé de "
                + $"{Formats.Number(size - old.Value)} entrée(s), sans qu'aucune des {Formats.Number(old.Value)} premières n'ait changé (preuve de cohérence vérifiée).",
        };
    }

    private static string Unsigned(long count) =>
        $"  - {Formats.Number(count)} entrée(s) récente(s) pas encore couverte(s) par un point de contrôle signé : c'est normal, la passerelle en signe un à intervalle régulier "
        + "(par défaut chaque minute, ou toutes les 1 000 entrées). Elles sont chaînées aux précédentes, mais seule une signature les protège d'une réécriture dans la base : "
        + "la prochaine les couvrira, et votre prochaine vérification le prouvera. Si elles restent non couvertes au-delà de quelques minutes, signalez-le à l'exploitant.";

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

    /// <summary>The last checkpoint this machine verified for a gateway and organisation, and the key it pinned (<c>audit/</c> of the state folder).</summary>
    private sealed class PinnedCheckpoint
    {
        private readonly string _path;

        private PinnedCheckpoint(string path) => _path = path;

        public long? TreeSize { get; private set; }
        public byte[]? RootHash { get; private set; }
        public byte[]? PublicKey { get; private set; }
        public DateTimeOffset VerifiedAt { get; private set; }
        /// <summary>The signed time of the pinned checkpoint (absent from the files of earlier versions).</summary>
        public DateTimeOffset? CheckpointTime { get; private set; }

        public static PinnedCheckpoint For(string? home, Uri gateway, string organisation)
        {
            var dir = Path.Combine(StateFolder.Resolve(home).Root, "audit", $"{gateway.Host}-{gateway.Port}");
            var state = new PinnedCheckpoint(Path.Combine(dir, organisation + ".json"));
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
                state.VerifiedAt = doc.RootElement.GetProperty("verifiedAt").GetDateTimeOffset();
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
                verifiedAt = TimeProvider.System.GetUtcNow(),
            });
            File.WriteAllText(_path, json);
        }
    }
}
