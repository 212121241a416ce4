using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using CpomExchange.Infrastructure.Keys;
using CpomExchange.Infrastructure.Payloads;
using CpomExchange.Tests.Shared;

namespace CpomExchange.Gateway.Tests;

/// <summary>Key-encryption key rotation re-wraps every data key without re-encrypting the payloads.</summary>
public sealed class KeyRotationTests(GatewayFixture gateway) : IClassFixture<GatewayFixture>
{
    [Fact]
    public async Task RotateKek_RewrapsEveryPayload_AndTheOldKeyIsNoLongerNeeded()
    {
        using var prevy = gateway.ClientFor("prevy-agent");
        var ids = new List<(string Id, string Sha)>();
        foreach (var siret in new[] { "10433218419605", "01338908538633" })
        {
            var content = new ByteArrayContent(Encoding.UTF8.GetBytes($"siret\n{siret}\n"));
            content.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
            var created = await (await prevy.PostAsync("api/v1/datasets?type=adherents&to=carsat-lr&purpose=sinistralite", content)).Content.ReadFromJsonAsync<JsonElement>();
            ids.Add((created.GetProperty("id").GetString()!, created.GetProperty("sha256").GetString()!));
        }
        var payload = Path.Combine(gateway.Home, "payloads", ids[0].Id + ".cpom");
        var before = await File.ReadAllBytesAsync(payload);

        using var admin = gateway.ClientFor("admin");
        var response = await admin.PostAsJsonAsync("api/v1/admin/keys/rotate-kek", new { });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var rotation = await response.Content.ReadFromJsonAsync<JsonElement>();
        var keyId = rotation.GetProperty("keyId").GetString()!;
        Assert.Equal("local:kek-v2", keyId);
        Assert.True(rotation.GetProperty("rewrapped").GetInt32() >= 4); // payloads and subject indexes

        var after = await File.ReadAllBytesAsync(payload);
        Assert.Contains("local:kek-v2", Encoding.ASCII.GetString(after[..120]), StringComparison.Ordinal);
        // Only the header changed: the encrypted segments are the same bytes.
        var headerBefore = HeaderLength(before);
        var headerAfter = HeaderLength(after);
        Assert.Equal(before[headerBefore..], after[headerAfter..]);

        // Destroy the old version: everything still decrypts with the new one alone.
        File.Delete(Path.Combine(gateway.Home, "keys", "kek-v1.key"));
        var fresh = new LocalKeyProvider(Path.Combine(gateway.Home, "keys"));
        foreach (var (id, sha) in ids)
        {
            await using var file = File.OpenRead(Path.Combine(gateway.Home, "payloads", id + ".cpom"));
            using var plain = new MemoryStream();
            await PayloadCipher.DecryptAsync(file, plain, fresh, sha);
            Assert.Equal(sha, Convert.ToHexStringLower(SHA256.HashData(plain.ToArray())));
        }
        using var pseudonymiser = await PseudonymKeyStore.LoadAsync(Path.Combine(gateway.Home, "keys"), fresh);
        Assert.Equal(1, pseudonymiser.Version);

        using var carsat = gateway.ClientFor("carsat-lr-agent");
        Assert.Equal(HttpStatusCode.OK, (await carsat.GetAsync($"api/v1/datasets/{ids[1].Id}/content?purpose=sinistralite")).StatusCode);

        using var agent = gateway.ClientFor("prevy-agent");
        Assert.Equal(HttpStatusCode.Forbidden, (await agent.PostAsJsonAsync("api/v1/admin/keys/rotate-kek", new { })).StatusCode);
    }

    private static int HeaderLength(byte[] payload)
    {
        var kid = (payload[19] << 8) | payload[20];
        var wrapped = (payload[21 + kid] << 8) | payload[22 + kid];
        return 23 + kid + wrapped;
    }
}
