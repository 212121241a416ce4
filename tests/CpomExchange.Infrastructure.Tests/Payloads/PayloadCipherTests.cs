using System.Security.Cryptography;
using System.Text;
using CpomExchange.Infrastructure.Keys;
using CpomExchange.Infrastructure.Payloads;
using CpomExchange.Tests.Shared;

namespace CpomExchange.Infrastructure.Tests.Payloads;

public sealed class PayloadCipherTests : IDisposable
{
    private const string LegacyId = "ds_0000legacy0000000000000000000001";
    private const string LegacySha256 = "3864cf93fbbf391370822ae86767f9aec7209ae11dd83443206927e60855f177";
    private readonly KeyVaultMock _vault = new();
    private readonly DirectoryInfo _keys = Directory.CreateTempSubdirectory("cpom-cipher-");

    public void Dispose()
    {
        _vault.Dispose();
        _keys.Delete(recursive: true);
    }

    private static async Task<(byte[] Stored, WrappedKey Key, string Sha256)> EncryptAsync(IKeyProvider keys, byte[] content, string context)
    {
        using var stored = new MemoryStream();
        await using var encrypting = await PayloadCipher.BeginAsync(stored, keys, context);
        await encrypting.WriteAsync(content);
        await encrypting.CompleteAsync();
        return (stored.ToArray(), encrypting.WrappedKey, encrypting.Sha256!);
    }

    private static async Task<byte[]> DecryptAsync(byte[] stored, IKeyProvider keys, WrappedKey? key, string context, string? sha256)
    {
        using var decrypted = new MemoryStream();
        await PayloadCipher.DecryptAsync(new MemoryStream(stored), decrypted, keys, key, context, sha256);
        return decrypted.ToArray();
    }

    [Fact]
    public async Task Payload_EncryptedWithAKeyWrappedByTheVault_KeepsTheKeyOutOfTheFile_AndDecryptsThroughTheVault()
    {
        var provider = _vault.CreateProvider();
        var content = RandomNumberGenerator.GetBytes(3 * PayloadCipher.DefaultSegmentSize + 123);

        var (stored, key, sha256) = await EncryptAsync(provider, content, "cpom-payload\nds_a");

        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(content)), sha256);
        // The wrapped key, and the name of the key that wraps it, are the caller's to keep: not in the file.
        var kid = _vault.KeyId(KeyVaultMock.KekName, _vault.LatestVersion(KeyVaultMock.KekName));
        Assert.Equal(kid, key.KeyId);
        Assert.Equal(-1, stored.AsSpan().IndexOf(Encoding.UTF8.GetBytes(KeyVaultMock.KekName)));
        Assert.Equal(-1, stored.AsSpan().IndexOf(key.Value.AsSpan(0, 16)));
        Assert.Equal(3 * (PayloadCipher.DefaultSegmentSize + 16) + 123 + 16 + PayloadCipher.FixedHeaderSize, stored.Length);
        _vault.RotateKeyEncryptionKey();

        Assert.Equal(content, await DecryptAsync(stored, provider, key, "cpom-payload\nds_a", sha256));
        Assert.Contains(_vault.Requests, r => r.Path.EndsWith("/unwrapkey", StringComparison.Ordinal) && r.Path.Contains(kid[_vault.Url.Length..], StringComparison.Ordinal));
        // Without the key there is nothing to decrypt with.
        var missing = await Assert.ThrowsAsync<PayloadCorruptedException>(() => DecryptAsync(stored, provider, null, "cpom-payload\nds_a", sha256));
        Assert.Contains("n'est pas fournie", missing.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("cpom-payload\nds_b")] // another dataset's
    [InlineData("cpom-subjects\nds_a")] // the same dataset's other file
    public async Task File_PresentedAsAnotherOne_FailsAuthentication_EvenWithItsOwnKey(string otherContext)
    {
        var keys = new LocalKeyProvider(_keys.FullName);
        var (stored, key, sha256) = await EncryptAsync(keys, Encoding.UTF8.GetBytes("siret\n10433218419605\n"), "cpom-payload\nds_a");

        var e = await Assert.ThrowsAsync<PayloadCorruptedException>(() => DecryptAsync(stored, keys, key, otherContext, sha256));
        Assert.Contains("d'un autre fichier", e.Message, StringComparison.Ordinal);
        Assert.Equal("siret\n10433218419605\n", Encoding.UTF8.GetString(await DecryptAsync(stored, keys, key, "cpom-payload\nds_a", sha256)));
    }

    [Fact]
    public async Task DecryptingStream_HandsOutNothingOfTheLastSegment_WhenTheSha256DoesNotMatch()
    {
        var keys = new LocalKeyProvider(_keys.FullName);
        var content = RandomNumberGenerator.GetBytes(PayloadCipher.DefaultSegmentSize + 10);
        var (stored, key, _) = await EncryptAsync(keys, content, "x");
        await using var plain = await PayloadCipher.OpenAsync(new MemoryStream(stored), keys, key, "x", new string('0', 64));
        var buffer = new byte[PayloadCipher.DefaultSegmentSize];

        await plain.ReadExactlyAsync(buffer);
        await Assert.ThrowsAsync<PayloadCorruptedException>(async () => await plain.ReadAtLeastAsync(buffer, 1));
        Assert.Equal(PayloadCipher.DefaultSegmentSize, plain.PlaintextLength);
    }

    [Fact]
    public async Task Format1_WrittenByTheEarlierVersion_StillDecrypts_WithTheKeyOfItsHeader_OrTheSameKeyMovedOut()
    {
        // The earlier version's own files (tests/Legacy/v1): its key folder, a payload with its key in the header.
        foreach (var file in Directory.EnumerateFiles(Path.Combine(TestPaths.LegacyV1, "keys")))
        {
            File.Copy(file, Path.Combine(_keys.FullName, Path.GetFileName(file)));
        }
        var keys = new LocalKeyProvider(_keys.FullName);
        var legacy = await File.ReadAllBytesAsync(Path.Combine(TestPaths.LegacyV1, "payloads", LegacyId + ".cpom"));
        var expected = await File.ReadAllBytesAsync(Path.Combine(TestPaths.LegacyV1, "plain.csv"));

        Assert.Equal(expected, await DecryptAsync(legacy, keys, null, "ignored by format 1", LegacySha256));

        // The key moved out of the header: the stripped file holds no key, and decrypts with the moved key only.
        var header = await PayloadCipher.ReadHeaderAsync(new MemoryStream(legacy), CancellationToken.None);
        Assert.Equal("local:kek-v1", header.Embedded!.KeyId);
        using var stripped = new MemoryStream();
        await PayloadCipher.StripLegacyKeyAsync(new MemoryStream(legacy), stripped, CancellationToken.None);
        Assert.Equal(legacy.Length - (header.Length - PayloadCipher.FixedHeaderSize - 4), stripped.Length);
        Assert.Equal(-1, stripped.ToArray().AsSpan().IndexOf(header.Embedded.Value.AsSpan(0, 16)));
        Assert.Null((await PayloadCipher.ReadHeaderAsync(new MemoryStream(stripped.ToArray()), CancellationToken.None)).Embedded);
        Assert.Equal(expected, await DecryptAsync(stripped.ToArray(), keys, header.Embedded, "ignored by format 1", LegacySha256));
        await Assert.ThrowsAsync<PayloadCorruptedException>(() => DecryptAsync(stripped.ToArray(), keys, null, "ignored by format 1", LegacySha256));
    }
}
