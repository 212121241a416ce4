namespace CpomExchange.Infrastructure.Keys;

/// <summary>A data key wrapped by a key-encryption key, with the id and version of that key.</summary>
public sealed record WrappedKey(string KeyId, byte[] Value);

/// <summary>
/// Holds the key-encryption key: wraps and unwraps data keys without ever handing the
/// key-encryption key out. Local files by default; Azure Key Vault in production.
/// </summary>
public interface IKeyProvider
{
    /// <summary>Wraps a fresh data key with the current key-encryption key.</summary>
    Task<WrappedKey> WrapAsync(ReadOnlyMemory<byte> dataKey, CancellationToken cancellationToken = default);

    /// <summary>Unwraps a data key wrapped by the key-encryption key <see cref="WrappedKey.KeyId"/>.</summary>
    Task<byte[]> UnwrapAsync(WrappedKey wrapped, CancellationToken cancellationToken = default);
}

/// <summary>The key provider could not do its work (unreachable, refused, or the key is gone).</summary>
public sealed class KeyProviderException(string message, Exception? inner = null) : Exception(message, inner);
