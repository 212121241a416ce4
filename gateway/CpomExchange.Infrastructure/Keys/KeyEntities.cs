namespace CpomExchange.Infrastructure.Keys;

/// <summary>
/// The deployment's pseudonymisation key of one version, wrapped by the key provider: one row per
/// version for the whole deployment, in the database every instance shares (never one per instance).
/// </summary>
public sealed class PseudonymKeyEntity
{
    /// <summary>The key's version (the <c>v1:</c> of every pseudonym made with it).</summary>
    public int Version { get; set; }

    /// <summary>The key-encryption key (id and version) that wraps <see cref="WrappedKey"/>.</summary>
    public required string KeyId { get; set; }

    /// <summary>The pseudonymisation key, wrapped.</summary>
    public required byte[] WrappedKey { get; set; }

    /// <summary><c>created</c> (by the first instance started on an empty database) or <c>imported</c> (from an earlier version's key file).</summary>
    public required string Origin { get; set; }

    /// <summary>When the row was written (UTC).</summary>
    public DateTime CreatedAtUtc { get; set; }
}

/// <summary>
/// A rotation of the key-encryption key, run by the key maintenance job (one instance at a time):
/// requested, then the provider's new version made current, then every data key and pseudonymisation
/// key held in the database re-wrapped with it. Its state is here so that it resumes after a crash.
/// </summary>
public sealed class KeyRotationEntity
{
    /// <summary>The rotation's number.</summary>
    public long Id { get; set; }

    /// <summary><c>pending</c>, <c>rewrapping</c> or <c>completed</c> (see <see cref="KeyRotation"/>).</summary>
    public required string State { get; set; }

    /// <summary>The administrator who asked for it.</summary>
    public required string RequestedBy { get; set; }

    /// <summary>When it was asked for (UTC).</summary>
    public DateTime RequestedAtUtc { get; set; }

    /// <summary>The new version of the key-encryption key, once the provider has made it.</summary>
    public string? TargetKeyId { get; set; }

    /// <summary>When the re-wrapping began (UTC).</summary>
    public DateTime? StartedAtUtc { get; set; }

    /// <summary>When every key held in the database was wrapped by <see cref="TargetKeyId"/> (UTC).</summary>
    public DateTime? CompletedAtUtc { get; set; }

    /// <summary>How many wrapped keys were re-wrapped so far.</summary>
    public long Rewrapped { get; set; }

    /// <summary>Why the last round stopped short, for the operator (no key material, no identifier).</summary>
    public string? LastError { get; set; }
}
