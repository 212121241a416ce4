namespace CpomExchange.Infrastructure.AccessLog;

/// <summary>An entry of a controller's access log, as stored (the leaf hash is kept apart, in <see cref="AccessLogLeafEntity"/>).</summary>
public sealed class AccessLogEntryEntity
{
    public required string Controller { get; set; }
    public long Seq { get; set; }
    public DateTime TimeUtc { get; set; }
    public required string AgentId { get; set; }
    public required string AgentName { get; set; }
    public string? Organisation { get; set; }
    public required string CertificateSha256 { get; set; }
    public required string Action { get; set; }
    public string? ExchangeType { get; set; }
    public string? DatasetId { get; set; }
    public long? Rows { get; set; }
    public string? Counterpart { get; set; }
    public string? Purpose { get; set; }
    public string? Object { get; set; }
    public string? LegalBasis { get; set; }
    public required string Outcome { get; set; }
    public string? ReasonCode { get; set; }
    public string? ClientAddress { get; set; }
    public string? RequestId { get; set; }
    public required byte[] PreviousLeafHash { get; set; }
    /// <summary>The hash of the policy the decision was taken under; null for entries of format 1, written before it was recorded.</summary>
    public string? PolicyHash { get; set; }
}

/// <summary>
/// The RFC 6962 leaf hash of every entry ever appended. Kept when a retention purge deletes the
/// entry itself, so that roots and proofs stay computable: a hash, not the data.
/// </summary>
public sealed class AccessLogLeafEntity
{
    public required string Controller { get; set; }
    public long Seq { get; set; }
    public required byte[] Hash { get; set; }
}

/// <summary>The head of a controller's log: its size, compact range and last leaf; the row appends lock.</summary>
public sealed class AccessLogHeadEntity
{
    public required string Controller { get; set; }
    public long Size { get; set; }
    public required byte[] Range { get; set; }
    public required byte[] LastLeafHash { get; set; }
    public long LastCheckpointSize { get; set; }
    public DateTime LastCheckpointAtUtc { get; set; }
    /// <summary>Entries below this sequence number were purged (their leaves remain).</summary>
    public long PurgedBelow { get; set; }
}

/// <summary>A signed checkpoint of a controller's log.</summary>
public sealed class AccessLogCheckpointEntity
{
    public required string Controller { get; set; }
    public long TreeSize { get; set; }
    public required byte[] RootHash { get; set; }
    public DateTime TimeUtc { get; set; }
    public required string KeyId { get; set; }
    public required byte[] Signature { get; set; }
}
