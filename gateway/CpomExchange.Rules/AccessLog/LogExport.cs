using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace CpomExchange.Rules.AccessLog;

/// <summary>The header of an export: which log, with which public key, from where it is verifiable.</summary>
public sealed record LogExportHeader(string LogId, string KeyId, byte[] PublicKeySpki, DateTimeOffset ExportedAt, long StartSize, byte[] StartRange, byte[] StartLastLeafHash, long HeadSize);

/// <summary>A whole export read back: header, entries and signed checkpoints.</summary>
public sealed record LogExportContent(LogExportHeader Header, IReadOnlyList<StoredEntry> Entries, IReadOnlyList<SignedCheckpoint> Checkpoints)
{
    /// <summary>Verifies the export: every leaf, the chain, every checkpoint root and signature, with <paramref name="publicKeySpki"/> (default: the export's own).</summary>
    public LogVerification Verify(byte[]? publicKeySpki = null)
    {
        var key = publicKeySpki ?? Header.PublicKeySpki;
        var start = new LogStart(Header.StartSize, CompactRange.Deserialize(Header.StartSize, Header.StartRange), Header.StartLastLeafHash);
        using var verifier = new CheckpointVerifier(key);
        return LogVerifier.Verify(Header.LogId, Entries, Checkpoints, verifier.Verify, start, Header.HeadSize);
    }
}

/// <summary>
/// The JSON Lines export of a controller's log: a header line (log id, public key, start of the
/// verifiable part), one line per entry with its leaf hash, one line per signed checkpoint. What
/// <c>cpom audit verify FILE</c> checks offline.
/// </summary>
public static class LogExport
{

    /// <summary>The header line.</summary>
    public static string HeaderLine(LogExportHeader h)
    {
        ArgumentNullException.ThrowIfNull(h);
        return new JsonObject
        {
            ["type"] = "log",
            ["logId"] = h.LogId,
            ["keyId"] = h.KeyId,
            ["publicKey"] = Convert.ToBase64String(h.PublicKeySpki),
            ["exportedAt"] = h.ExportedAt.UtcDateTime.ToString("O", CultureInfo.InvariantCulture),
            ["startSize"] = h.StartSize,
            ["startRange"] = Convert.ToBase64String(h.StartRange),
            ["startLastLeafHash"] = Convert.ToBase64String(h.StartLastLeafHash),
            ["headSize"] = h.HeadSize,
        }.ToJsonString();
    }

    /// <summary>An entry line: the canonical fields, plus the leaf hash the gateway stored.</summary>
    public static string EntryLine(StoredEntry stored)
    {
        ArgumentNullException.ThrowIfNull(stored);
        var node = JsonNode.Parse(stored.Entry.CanonicalBytes())!.AsObject();
        node.Insert(0, "type", "entry");
        node["leafHash"] = stored.StoredLeafHash is null ? null : Convert.ToBase64String(stored.StoredLeafHash);
        return node.ToJsonString();
    }

    /// <summary>A checkpoint line, with its signed note and signature.</summary>
    public static string CheckpointLine(SignedCheckpoint c)
    {
        ArgumentNullException.ThrowIfNull(c);
        return new JsonObject
        {
            ["type"] = "checkpoint",
            ["logId"] = c.Checkpoint.LogId,
            ["treeSize"] = c.Checkpoint.TreeSize,
            ["rootHash"] = Convert.ToBase64String(c.Checkpoint.RootHash),
            ["time"] = c.Checkpoint.Time.ToUnixTimeMilliseconds(),
            ["keyId"] = c.KeyId,
            ["signature"] = Convert.ToBase64String(c.Signature),
            ["note"] = System.Text.Encoding.UTF8.GetString(c.Checkpoint.SignedBytes()),
        }.ToJsonString();
    }

    /// <summary>
    /// An entry from its JSON object (an export line, or an API answer): format 1 (no policy hash, as
    /// written before it was recorded) or 2 (with <c>policy</c>). Any other version is refused.
    /// </summary>
    public static AccessLogEntry ParseEntry(JsonElement e)
    {
        var version = e.GetProperty("v").GetInt32();
        string? policy = version switch
        {
            1 when !e.TryGetProperty("policy", out _) => null,
            2 => e.GetProperty("policy").GetString() ?? throw new FormatException("Entrée de format 2 sans empreinte de politique."),
            _ => throw new FormatException($"Format d'entrée de journal {version} inconnu (1 ou 2 attendu)."),
        };
        return ParseFields(e, policy);
    }

    private static AccessLogEntry ParseFields(JsonElement e, string? policy) => new(
        e.GetProperty("seq").GetInt64(),
        e.GetProperty("controller").GetString()!,
        DateTimeOffset.Parse(e.GetProperty("time").GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal),
        e.GetProperty("agent").GetString()!,
        e.GetProperty("agentName").GetString()!,
        e.GetProperty("organisation").GetString(),
        e.GetProperty("certificate").GetString()!,
        e.GetProperty("action").GetString()!,
        e.GetProperty("exchange").GetString(),
        e.GetProperty("dataset").GetString(),
        e.GetProperty("rows").ValueKind == JsonValueKind.Null ? null : e.GetProperty("rows").GetInt64(),
        e.GetProperty("counterpart").GetString(),
        e.GetProperty("purpose").GetString(),
        e.GetProperty("object").GetString(),
        e.GetProperty("legalBasis").GetString(),
        e.GetProperty("outcome").GetString()!,
        e.GetProperty("reason").GetString(),
        e.GetProperty("clientAddress").GetString(),
        e.GetProperty("requestId").GetString(),
        Convert.FromBase64String(e.GetProperty("prev").GetString()!),
        policy);

    /// <summary>
    /// Verifies an export read from its bytes, as <see cref="VerifyStreamAsync"/> does and with the same
    /// verdicts and errors, but several times faster: a line in the exact shape <see cref="EntryLine"/> writes is
    /// hashed as it is (its members are the canonical bytes), any other parsed from UTF-8 without a string or a
    /// document and re-serialised; leaves hashed on every processor while the previous chunk is checked in order and the next one read. Memory stays flat (two
    /// chunks of 4 MiB of lines) whatever the log's length. What <c>cpom audit verify FILE</c> runs.
    /// </summary>
    public static (LogExportHeader Header, LogVerification Result) VerifyStream(Stream stream, byte[]? publicKeySpki = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        return ExportStreamVerifier.Verify(stream, publicKeySpki, cancellationToken);
    }

    /// <summary>
    /// Verifies an export while reading it, with flat memory whatever the log's length: the header,
    /// then the signed checkpoints (the gateway writes them before the entries), then each entry as
    /// it comes. Throws <see cref="FormatException"/> naming a line that cannot be read.
    /// </summary>
    public static async Task<(LogExportHeader Header, LogVerification Result)> VerifyStreamAsync(TextReader reader, byte[]? publicKeySpki = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reader);
        LogExportHeader? header = null;
        var checkpoints = new List<SignedCheckpoint>();
        var number = 0;
        string? firstEntry = null;
        while (firstEntry is null && await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            number++;
            if (line.Length == 0)
            {
                continue;
            }
            var parsed = ParseLine(line, number);
            switch (parsed)
            {
                case LogExportHeader h:
                    header = h;
                    break;
                case SignedCheckpoint c:
                    checkpoints.Add(c);
                    break;
                default:
                    firstEntry = line;
                    break;
            }
        }
        if (header is null)
        {
            throw new FormatException("L'export ne commence pas par sa ligne d'en-tête (type « log »).");
        }
        var key = publicKeySpki ?? header.PublicKeySpki;
        var start = new LogStart(header.StartSize, CompactRange.Deserialize(header.StartSize, header.StartRange), header.StartLastLeafHash);
        async IAsyncEnumerable<StoredEntry> Entries()
        {
            if (firstEntry is not null)
            {
                yield return (StoredEntry)ParseLine(firstEntry, number);
            }
            while (await reader.ReadLineAsync(cancellationToken) is { } line)
            {
                number++;
                if (line.Length == 0)
                {
                    continue;
                }
                yield return ParseLine(line, number) as StoredEntry
                    ?? throw new FormatException($"Ligne {number} de l'export : les points de contrôle doivent précéder les entrées.");
            }
        }
        using var verifier = new CheckpointVerifier(key);
        var result = await LogVerifier.VerifyAsync(header.LogId, Entries(), checkpoints, verifier.Verify, start, header.HeadSize, cancellationToken);
        return (header, result);
    }

    internal static object ParseLine(string line, int number)
    {
        try
        {
            using var doc = JsonDocument.Parse(line);
            var e = doc.RootElement;
            switch (e.GetProperty("type").GetString())
            {
                case "log":
                    return new LogExportHeader(e.GetProperty("logId").GetString()!, e.GetProperty("keyId").GetString()!,
                        Convert.FromBase64String(e.GetProperty("publicKey").GetString()!),
                        DateTimeOffset.Parse(e.GetProperty("exportedAt").GetString()!, CultureInfo.InvariantCulture),
                        e.GetProperty("startSize").GetInt64(), Convert.FromBase64String(e.GetProperty("startRange").GetString()!),
                        Convert.FromBase64String(e.GetProperty("startLastLeafHash").GetString()!), e.GetProperty("headSize").GetInt64());
                case "entry":
                    var leaf = e.GetProperty("leafHash");
                    return new StoredEntry(ParseEntry(e), leaf.ValueKind == JsonValueKind.Null ? null : Convert.FromBase64String(leaf.GetString()!));
                case "checkpoint":
                    return new SignedCheckpoint(
                        new Checkpoint(e.GetProperty("logId").GetString()!, e.GetProperty("treeSize").GetInt64(),
                            Convert.FromBase64String(e.GetProperty("rootHash").GetString()!), DateTimeOffset.FromUnixTimeMilliseconds(e.GetProperty("time").GetInt64())),
                        e.GetProperty("keyId").GetString()!, Convert.FromBase64String(e.GetProperty("signature").GetString()!));
                default:
                    throw new FormatException($"type inconnu à la ligne {number}.");
            }
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException or ArgumentException)
        {
            throw new FormatException($"Ligne {number} de l'export illisible : {ex.Message}", ex);
        }
    }

    /// <summary>Reads an export; throws <see cref="FormatException"/> naming the line that cannot be read.</summary>
    public static async Task<LogExportContent> ReadAsync(TextReader reader, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reader);
        LogExportHeader? header = null;
        var entries = new List<StoredEntry>();
        var checkpoints = new List<SignedCheckpoint>();
        var number = 0;
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            number++;
            if (line.Length == 0)
            {
                continue;
            }
            switch (ParseLine(line, number))
            {
                case LogExportHeader h:
                    header = h;
                    break;
                case SignedCheckpoint c:
                    checkpoints.Add(c);
                    break;
                case StoredEntry e:
                    entries.Add(e);
                    break;
            }
        }
        return header is null
            ? throw new FormatException("L'export ne commence pas par sa ligne d'en-tête (type « log »).")
            : new LogExportContent(header, entries, checkpoints);
    }
}
