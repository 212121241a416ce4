using System.Buffers;
using System.Globalization;
using System.Text.Json;

namespace CpomExchange.Rules.AccessLog;

/// <summary>The nature of a logged operation (CNIL délibération 2021-122: "nature de l'opération").</summary>
public static class LogActions
{
    public const string Upload = "upload";
    public const string List = "list";
    public const string ReadMetadata = "read-metadata";
    public const string Download = "download";
    public const string Acknowledge = "acknowledge";
    public const string Withdraw = "withdraw";
    /// <summary>The sender removed one person from a dataset: that worker withdrew consent (RGPD art. 7(3)).</summary>
    public const string ConsentWithdrawal = "consent-withdrawal";
    public const string Purge = "purge";
    public const string Authenticate = "authenticate";
    public const string AuditRead = "audit-read";
    public const string AdminChange = "admin-change";
    public const string IndicatorsDraft = "indicators-draft";
    /// <summary>An agent compared its contract's two targeting lists (one entry per list compared).</summary>
    public const string TargetingComparison = "targeting-comparison";
}

/// <summary>
/// One entry of a data controller's access log: who (agent, organisation, certificate), when,
/// what (action, exchange, dataset, rows), why (purpose, object, legal basis), with which outcome,
/// from where. Never an identifier of a person or establishment in clear. Each entry carries the
/// leaf hash of the previous one, so that a reordering is pinned to the first entry out of place.
/// From format 2 on, it also carries <see cref="PolicyHash"/>: the hash of the policy files under which
/// the gateway took the decision (which contract version allowed the access).
/// </summary>
public sealed record AccessLogEntry(
    long Seq,
    string Controller,
    DateTimeOffset Time,
    string AgentId,
    string AgentName,
    string? Organisation,
    string CertificateSha256,
    string Action,
    string? ExchangeType,
    string? DatasetId,
    long? Rows,
    string? Counterpart,
    string? Purpose,
    string? Object,
    string? LegalBasis,
    string Outcome,
    string? ReasonCode,
    string? ClientAddress,
    string? RequestId,
    byte[] PreviousLeafHash,
    string? PolicyHash = null)
{
    /// <summary>
    /// The version of the canonical form: 1 for entries written before the policy hash was recorded (they
    /// keep verifying exactly as they were written), 2 for entries that carry it.
    /// </summary>
    public int FormatVersion => PolicyHash is null ? 1 : 2;

    /// <summary>The outcome of an allowed operation.</summary>
    public const string Allowed = "allowed";

    /// <summary>The outcome of a refusal.</summary>
    public const string Denied = "denied";

    /// <summary>
    /// The canonical bytes the leaf hash is computed over: a JSON object with a fixed member order,
    /// no white space, times as UTC milliseconds, hashes as base64. The gateway and the offline
    /// verifier both compute them with this method.
    /// </summary>
    public byte[] CanonicalBytes() => WriteCanonical().WrittenSpan.ToArray();

    /// <summary>The RFC 6962 leaf hash of this entry.</summary>
    public byte[] LeafHash() => MerkleTree.LeafHash(WriteCanonical().WrittenSpan);

    // Verifying a log computes a leaf for every entry: each thread reuses one buffer and one JSON writer.
    [ThreadStatic]
    private static CanonicalJsonWriter? _threadWriter;

    private ArrayBufferWriter<byte> WriteCanonical()
    {
        var canonical = CanonicalJsonWriter.Reset(ref _threadWriter);
        var buffer = canonical.Buffer;
        var json = canonical.Json;
        json.WriteStartObject();
        json.WriteNumber("v", FormatVersion);
        json.WriteNumber("seq", Seq);
        json.WriteString("controller", Controller);
        Span<byte> time = stackalloc byte[32];
        if (!Time.UtcDateTime.TryFormat(time, out var timeLength, "yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture))
        {
            throw new InvalidOperationException("The time of an entry could not be formatted.");
        }
        json.WriteString("time", time[..timeLength]);
        json.WriteString("agent", AgentId);
        json.WriteString("agentName", AgentName);
        WriteNullable(json, "organisation", Organisation);
        json.WriteString("certificate", CertificateSha256);
        json.WriteString("action", Action);
        WriteNullable(json, "exchange", ExchangeType);
        WriteNullable(json, "dataset", DatasetId);
        if (Rows is { } rows)
        {
            json.WriteNumber("rows", rows);
        }
        else
        {
            json.WriteNull("rows");
        }
        WriteNullable(json, "counterpart", Counterpart);
        WriteNullable(json, "purpose", Purpose);
        WriteNullable(json, "object", Object);
        WriteNullable(json, "legalBasis", LegalBasis);
        json.WriteString("outcome", Outcome);
        WriteNullable(json, "reason", ReasonCode);
        WriteNullable(json, "clientAddress", ClientAddress);
        WriteNullable(json, "requestId", RequestId);
        if (PolicyHash is not null)
        {
            // Format 2 only: a format-1 entry's bytes are exactly what its writer hashed.
            json.WriteString("policy", PolicyHash);
        }
        json.WriteBase64String("prev", PreviousLeafHash);
        json.WriteEndObject();
        json.Flush();
        return buffer;
    }

    /// <summary>Time truncated to the millisecond, as stored and hashed.</summary>
    public static DateTimeOffset Truncate(DateTimeOffset time) =>
        new(time.UtcTicks - (time.UtcTicks % TimeSpan.TicksPerMillisecond), TimeSpan.Zero);

    private static void WriteNullable(Utf8JsonWriter json, string name, string? value)
    {
        if (value is null)
        {
            json.WriteNull(name);
        }
        else
        {
            json.WriteString(name, value);
        }
    }
}
