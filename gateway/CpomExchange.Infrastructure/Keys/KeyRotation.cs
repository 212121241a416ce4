using CpomExchange.Infrastructure.Payloads;

namespace CpomExchange.Infrastructure.Keys;

/// <summary>
/// Rotation of the key-encryption key: a new version becomes current, then every stored data key
/// (in each payload's and subject index's header, and the wrapped pseudonymisation key) is
/// re-wrapped with it, without re-encrypting any payload. Old versions stay in the provider until the
/// operator destroys them, which shreds every backup still wrapped by them.
/// </summary>
public static class KeyRotation
{
    /// <summary>Rotates and re-wraps; returns the new key id and how many files were re-wrapped.</summary>
    public static async Task<(string KeyId, int Rewrapped)> RotateAsync(IKeyProvider keys, IPayloadStore store, string keyDirectory, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(store);
        var keyId = await keys.RotateKeyEncryptionKeyAsync(cancellationToken);
        var count = await RewrapAllAsync(keys, store, cancellationToken);
        await PseudonymKeyStore.RewrapAsync(keyDirectory, keys, cancellationToken);
        return (keyId, count);
    }

    /// <summary>Re-wraps every payload not yet wrapped by the current key (resumable after an interruption).</summary>
    public static async Task<int> RewrapAllAsync(IKeyProvider keys, IPayloadStore store, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(store);
        var count = 0;
        var names = new List<string>();
        await foreach (var name in store.ListAsync(cancellationToken))
        {
            names.Add(name);
        }
        foreach (var name in names)
        {
            await using var output = await store.CreateAsync(name, overwrite: true, cancellationToken);
            bool changed;
            try
            {
                await using var input = await store.OpenReadAsync(name, cancellationToken);
                changed = await PayloadCipher.RewrapAsync(input, output.Content, keys, cancellationToken);
            }
            catch (FileNotFoundException)
            {
                // Shredded meanwhile (by this instance or another): nothing to re-wrap.
                continue;
            }
            if (!changed)
            {
                continue;
            }
            try
            {
                await output.CommitAsync(cancellationToken);
                count++;
            }
            catch (IOException)
            {
                // Shredded while it was being re-wrapped (Blob Storage then drops the staged blocks):
                // nothing to re-wrap. A payload that still exists makes the rotation fail, to be resumed.
                if (await store.ExistsAsync(name, cancellationToken))
                {
                    throw;
                }
            }
        }
        return count;
    }
}
