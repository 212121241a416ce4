using System.Security.Cryptography;
using System.Text;

namespace CpomExchange.Infrastructure.Keys;

/// <summary>
/// The local key provider: 256-bit key-encryption keys in <c>kek-v{n}.key</c> and an ECDSA P-256
/// signing key in <c>signing-v1.key</c>, in one folder (<c>Cpom:Keys:Local:Directory</c>, by default
/// <c>$CPOM_HOME/keys</c>), created on first use and readable by the owner only. Data keys are wrapped
/// with AES-256-GCM (nonce ‖ ciphertext ‖ tag), the key id bound in the associated data. For
/// development and small sites; production uses a key vault, where the key-encryption key never
/// leaves the vault. Several instances may share the folder the way they would share a vault: a key
/// file appears whole or not at all (written aside, then linked in under its name), and the newest
/// version in the folder is the current one for every instance (checked at each wrap).
/// </summary>
public sealed class LocalKeyProvider : IKeyProvider
{
    private const string KeyIdPrefix = "local:kek-";
    private readonly string _directory;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, byte[]> _keys = new(StringComparer.Ordinal);
    private const string SigningKeyId = "local:signing-v1";
    private readonly ECDsa _signing;

    /// <summary>Uses (and creates if needed) the key folder <paramref name="directory"/>.</summary>
    public LocalKeyProvider(string directory)
    {
        _directory = directory;
        CpomHome.CreatePrivateDirectory(directory);
        var latest = Directory.EnumerateFiles(directory, "kek-v*.key")
            .Select(f => int.TryParse(Path.GetFileNameWithoutExtension(f)["kek-v".Length..], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var v) ? v : 0)
            .DefaultIfEmpty(1).Max();
        _current = latest;
        Load(IdOf(latest), create: true);
        _signing = LoadSigningKey(Path.Combine(directory, "signing-v1.key"));
    }

    /// <inheritdoc />
    public Task<(string KeyId, byte[] Signature)> SignDigestAsync(byte[] digest, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(digest);
        return Task.FromResult((SigningKeyId, _signing.SignHash(digest)));
    }

    /// <inheritdoc />
    public Task<SigningKey> GetSigningKeyAsync(CancellationToken cancellationToken = default) =>
        Task.FromResult(new SigningKey(SigningKeyId, _signing.ExportSubjectPublicKeyInfo()));

    private static ECDsa LoadSigningKey(string path)
    {
        if (!File.Exists(path))
        {
            using var fresh = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            Publish(path, Encoding.ASCII.GetBytes(fresh.ExportPkcs8PrivateKeyPem()));
        }
        var key = ECDsa.Create();
        key.ImportFromPem(File.ReadAllText(path));
        return key;
    }

    /// <summary>
    /// Creates <paramref name="path"/> with <paramref name="content"/> so that no process ever reads it
    /// half-written: written and flushed under a temporary name, then linked in under its own name,
    /// which fails if it exists. Of processes creating the same key at once, the first one's stays.
    /// </summary>
    private static void Publish(string path, byte[] content)
    {
        var temp = $"{path}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
        try
        {
            CpomHome.WritePrivateFile(temp, content);
            File.Move(temp, path, overwrite: false);
        }
        catch (IOException) when (File.Exists(path))
        {
            // Another process created it first: use theirs.
        }
        finally
        {
            CryptographicOperations.ZeroMemory(content);
            File.Delete(temp);
        }
    }

    private int _current;

    /// <summary>The key id new data keys are wrapped with: the newest version in the folder, which another instance sharing it may have made.</summary>
    public string CurrentKeyId
    {
        get
        {
            lock (_lock)
            {
                while (File.Exists(PathOf(_current + 1)))
                {
                    _current++;
                }
                return IdOf(_current);
            }
        }
    }

    private static string IdOf(int version) => KeyIdPrefix + "v" + version.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private string PathOf(int version) => Path.Combine(_directory, $"kek-v{version.ToString(System.Globalization.CultureInfo.InvariantCulture)}.key");

    /// <inheritdoc />
    public Task<string> CurrentKeyEncryptionKeyIdAsync(CancellationToken cancellationToken = default) => Task.FromResult(CurrentKeyId);

    /// <inheritdoc />
    public Task<string> RotateKeyEncryptionKeyAsync(CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            var next = IdOf(int.Parse(CurrentKeyId[(KeyIdPrefix.Length + 1)..], System.Globalization.CultureInfo.InvariantCulture) + 1);
            Load(next, create: true);
            return Task.FromResult(CurrentKeyId);
        }
    }

    /// <inheritdoc />
    public Task<WrappedKey> WrapAsync(ReadOnlyMemory<byte> dataKey, CancellationToken cancellationToken = default)
    {
        var keyId = CurrentKeyId;
        var kek = Load(keyId, create: false);
        var output = new byte[12 + dataKey.Length + 16];
        RandomNumberGenerator.Fill(output.AsSpan(0, 12));
        using var aes = new AesGcm(kek, 16);
        aes.Encrypt(output.AsSpan(0, 12), dataKey.Span, output.AsSpan(12, dataKey.Length), output.AsSpan(12 + dataKey.Length), Aad(keyId));
        return Task.FromResult(new WrappedKey(keyId, output));
    }

    /// <inheritdoc />
    public Task<byte[]> UnwrapAsync(WrappedKey wrapped, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(wrapped);
        if (!wrapped.KeyId.StartsWith(KeyIdPrefix, StringComparison.Ordinal) || wrapped.Value.Length < 12 + 16)
        {
            throw new KeyProviderException($"Clé « {wrapped.KeyId} » inconnue du fournisseur local.");
        }
        var kek = Load(wrapped.KeyId, create: false);
        var length = wrapped.Value.Length - 12 - 16;
        var dataKey = new byte[length];
        try
        {
            using var aes = new AesGcm(kek, 16);
            aes.Decrypt(wrapped.Value.AsSpan(0, 12), wrapped.Value.AsSpan(12, length), wrapped.Value.AsSpan(12 + length), dataKey, Aad(wrapped.KeyId));
        }
        catch (AuthenticationTagMismatchException e)
        {
            throw new KeyProviderException("La clé de données enveloppée est altérée.", e);
        }
        return Task.FromResult(dataKey);
    }

    private static byte[] Aad(string keyId) => Encoding.UTF8.GetBytes("cpom-dek-wrap:" + keyId);

    private byte[] Load(string keyId, bool create)
    {
        lock (_lock)
        {
            if (_keys.TryGetValue(keyId, out var cached))
            {
                return cached;
            }
            var path = Path.Combine(_directory, keyId[KeyIdPrefix.Length..] is var version && version.All(c => char.IsAsciiLetterOrDigit(c))
                ? $"kek-{version}.key"
                : throw new KeyProviderException($"Identifiant de clé « {keyId} » invalide."));
            if (!File.Exists(path))
            {
                if (!create)
                {
                    throw new KeyProviderException($"Clé de chiffrement « {keyId} » introuvable.");
                }
                Publish(path, RandomNumberGenerator.GetBytes(32));
            }
            var key = File.ReadAllBytes(path);
            if (key.Length != 32)
            {
                throw new KeyProviderException($"Le fichier de clé {path} est invalide.");
            }
            _keys[keyId] = key;
            return key;
        }
    }
}
