using System.Text.Json;
using CpomExchange.Rules.Pseudonymisation;

namespace CpomExchange.Infrastructure.Keys;

/// <summary>
/// The pseudonymisation key, stored only wrapped by the key provider in
/// <c>$CPOM_HOME/keys/pseudonym-v{n}.json</c> (key id and wrapped value), created on first start.
/// </summary>
public static class PseudonymKeyStore
{
    /// <summary>The current pseudonymisation key version.</summary>
    public const int CurrentVersion = 1;

    /// <summary>Loads (creating on first use) the pseudonymiser of the current key version.</summary>
    public static async Task<Pseudonymiser> LoadAsync(string keyDirectory, IKeyProvider keys, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(keys);
        CpomHome.CreatePrivateDirectory(keyDirectory);
        var path = Path.Combine(keyDirectory, $"pseudonym-v{CurrentVersion}.json");
        if (!File.Exists(path))
        {
            var fresh = System.Security.Cryptography.RandomNumberGenerator.GetBytes(32);
            var wrapped = await keys.WrapAsync(fresh, cancellationToken);
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(fresh);
            try
            {
                CpomHome.WritePrivateFile(path, JsonSerializer.SerializeToUtf8Bytes(new Stored(wrapped.KeyId, wrapped.Value)));
            }
            catch (IOException) when (File.Exists(path))
            {
                // Another process created it first: use theirs.
            }
        }
        var stored = JsonSerializer.Deserialize<Stored>(await File.ReadAllBytesAsync(path, cancellationToken))
            ?? throw new KeyProviderException($"Clé de pseudonymisation illisible : {path}");
        var key = await keys.UnwrapAsync(new WrappedKey(stored.KeyId, stored.Value), cancellationToken);
        try
        {
            return new Pseudonymiser(key, CurrentVersion);
        }
        finally
        {
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(key);
        }
    }

    /// <summary>Re-wraps the stored pseudonymisation key with the current key-encryption key (the key itself does not change).</summary>
    public static async Task RewrapAsync(string keyDirectory, IKeyProvider keys, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(keys);
        foreach (var path in Directory.EnumerateFiles(keyDirectory, "pseudonym-v*.json"))
        {
            var stored = JsonSerializer.Deserialize<Stored>(await File.ReadAllBytesAsync(path, cancellationToken))!;
            if (stored.KeyId == await keys.CurrentKeyEncryptionKeyIdAsync(cancellationToken))
            {
                continue;
            }
            var key = await keys.UnwrapAsync(new WrappedKey(stored.KeyId, stored.Value), cancellationToken);
            try
            {
                var wrapped = await keys.WrapAsync(key, cancellationToken);
                var temp = path + ".tmp";
                File.Delete(temp);
                CpomHome.WritePrivateFile(temp, JsonSerializer.SerializeToUtf8Bytes(new Stored(wrapped.KeyId, wrapped.Value)));
                File.Move(temp, path, overwrite: true);
            }
            finally
            {
                System.Security.Cryptography.CryptographicOperations.ZeroMemory(key);
            }
        }
    }

    private sealed record Stored(string KeyId, byte[] Value);
}
