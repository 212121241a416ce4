using System.Security.Cryptography;
using System.Text;
using CpomExchange.Infrastructure.Payloads;
using CpomExchange.Infrastructure.Tests.Keys;

using CpomExchange.Tests.Shared;

namespace CpomExchange.Infrastructure.Tests.Payloads;

public sealed class PayloadCipherTests : IDisposable
{
    private readonly KeyVaultMock _vault = new();

    public void Dispose() => _vault.Dispose();

    [Fact]
    public async Task Payload_EncryptedWithAKeyWrappedByTheVault_DecryptsThroughTheVault()
    {
        var provider = _vault.CreateProvider();
        var content = RandomNumberGenerator.GetBytes(3 * PayloadCipher.DefaultSegmentSize + 123);
        using var stored = new MemoryStream();

        await using (var encrypting = await PayloadCipher.BeginAsync(stored, provider))
        {
            await encrypting.WriteAsync(content);
            await encrypting.CompleteAsync();
            Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(content)), encrypting.Sha256);
        }
        // The header names the versioned key-encryption key the data key was wrapped with.
        var kid = _vault.KeyId(KeyVaultMock.KekName, _vault.LatestVersion(KeyVaultMock.KekName));
        Assert.True(stored.ToArray().AsSpan().IndexOf(Encoding.UTF8.GetBytes(kid)) > 0);
        _vault.RotateKeyEncryptionKey();

        stored.Position = 0;
        using var decrypted = new MemoryStream();
        var length = await PayloadCipher.DecryptAsync(stored, decrypted, provider, Convert.ToHexStringLower(SHA256.HashData(content)));

        Assert.Equal(content.Length, length);
        Assert.Equal(content, decrypted.ToArray());
        Assert.Contains(_vault.Requests, r => r.Path.EndsWith("/unwrapkey", StringComparison.Ordinal) && r.Path.Contains(kid[(_vault.Url.Length)..], StringComparison.Ordinal));
    }
}
