namespace CpomExchange.Infrastructure.Keys;

/// <summary>A data key wrapped by a key-encryption key, with the id and version of that key.</summary>
public sealed record WrappedKey(string KeyId, byte[] Value);

/// <summary>The public half of the signing key, with its id and version.</summary>
public sealed record SigningKey(string KeyId, byte[] PublicKeySpki);

/// <summary>
/// Holds the key-encryption key and the signing key: wraps and unwraps data keys, signs digests,
/// without ever handing a private key out. Local files by default; Azure Key Vault in production.
/// </summary>
public interface IKeyProvider
{
    /// <summary>Signs a SHA-256 digest with the signing key (ECDSA P-256, IEEE P1363 r ‖ s).</summary>
    Task<(string KeyId, byte[] Signature)> SignDigestAsync(byte[] digest, CancellationToken cancellationToken = default);

    /// <summary>The public part of the signing key.</summary>
    Task<SigningKey> GetSigningKeyAsync(CancellationToken cancellationToken = default);

    /// <summary>Wraps a fresh data key with the current key-encryption key.</summary>
    Task<WrappedKey> WrapAsync(ReadOnlyMemory<byte> dataKey, CancellationToken cancellationToken = default);

    /// <summary>The id and version of the key-encryption key new data keys are wrapped with.</summary>
    Task<string> CurrentKeyEncryptionKeyIdAsync(CancellationToken cancellationToken = default);

    /// <summary>Creates a new version of the key-encryption key and makes it current; returns its id.</summary>
    Task<string> RotateKeyEncryptionKeyAsync(CancellationToken cancellationToken = default);

    /// <summary>Unwraps a data key wrapped by the key-encryption key <see cref="WrappedKey.KeyId"/>.</summary>
    Task<byte[]> UnwrapAsync(WrappedKey wrapped, CancellationToken cancellationToken = default);
}

/// <summary>The key provider could not do its work (unreachable, refused, or the key is gone).</summary>
public sealed class KeyProviderException(string message, Exception? inner = null) : Exception(message, inner);
