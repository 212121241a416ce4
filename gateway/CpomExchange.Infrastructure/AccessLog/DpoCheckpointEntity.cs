namespace CpomExchange.Infrastructure.AccessLog;

/// <summary>
/// The last checkpoint a DPO verified in the console, with the public key it was verified with: the
/// next verification proves, by a consistency proof, that the log signed since only extended it
/// (what <c>cpom audit verify</c> pins in a file on the DPO's own machine).
/// </summary>
public sealed class DpoCheckpointEntity
{
    /// <summary>The DPO (agent id).</summary>
    public required string AgentId { get; set; }

    /// <summary>The log verified: the DPO's organisation.</summary>
    public required string Controller { get; set; }

    /// <summary>The size of the signed tree verified; null when the log had no checkpoint yet (the key alone is pinned).</summary>
    public long? TreeSize { get; set; }

    /// <summary>Its root hash.</summary>
    public byte[]? RootHash { get; set; }

    /// <summary>The signed time of that checkpoint (UTC).</summary>
    public DateTime? CheckpointTimeUtc { get; set; }

    /// <summary>The signing key's id when verified.</summary>
    public required string KeyId { get; set; }

    /// <summary>The signing public key (SubjectPublicKeyInfo, DER) the checkpoint was verified with.</summary>
    public required byte[] PublicKey { get; set; }

    /// <summary>When the DPO verified (UTC).</summary>
    public DateTime VerifiedAtUtc { get; set; }
}
