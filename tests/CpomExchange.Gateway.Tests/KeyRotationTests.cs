using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using CpomExchange.Infrastructure.Keys;
using CpomExchange.Infrastructure.Payloads;
using CpomExchange.Infrastructure.Storage;
using CpomExchange.Rules.Pseudonymisation;
using CpomExchange.Tests.Shared;
using Microsoft.EntityFrameworkCore;

namespace CpomExchange.Gateway.Tests;

/// <summary>
/// Key-encryption key rotation, asked for through the API, done by the background job: every data key
/// and the pseudonymisation key held in the database re-wrapped, no file rewritten, and everything
/// readable afterwards with the new version alone.
/// </summary>
public sealed class KeyRotationTests(GatewayFixture gateway) : IClassFixture<GatewayFixture>
{
    private const string Route = "api/v1/admin/keys/rotate-kek";

    [Fact]
    public async Task RotateKek_RunsInTheBackground_RewrapsEveryKeyOfTheDatabase_AndEverythingOpensOfflineWithTheNewKeyAlone()
    {
        var sirets = new[] { "10433218419605", "01338908538633" };
        var ids = new List<string>();
        foreach (var siret in sirets)
        {
            ids.Add(await CryptoShreddingTests.UploadAsync(gateway, siret));
        }
        var payloads = Path.Combine(gateway.Home, "payloads");
        var files = Directory.EnumerateFiles(payloads).ToDictionary(f => f, File.ReadAllBytes);
        Assert.Equal(4, files.Count);
        List<DatasetEntity> before;
        await using (var db = await gateway.OpenDatabaseAsync())
        {
            before = await db.Datasets.AsNoTracking().ToListAsync();
        }

        using var admin = gateway.ClientFor("admin");
        using var response = await admin.PostAsJsonAsync(Route, new { });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal("/api/v1/admin/keys/rotate-kek", response.Headers.Location?.OriginalString);
        var accepted = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(1, accepted.GetProperty("id").GetInt64());
        Assert.Equal("admin", accepted.GetProperty("requestedBy").GetString());

        var rotation = await WaitCompletedAsync(admin);
        Assert.Equal("local:kek-v2", rotation.GetProperty("keyId").GetString());
        Assert.Equal(2 * 2 + 1, rotation.GetProperty("rewrapped").GetInt64()); // each dataset's two keys, the pseudonymisation key
        Assert.Equal(0, rotation.GetProperty("remaining").GetInt64());
        Assert.Equal(JsonValueKind.Null, rotation.GetProperty("lastError").ValueKind);

        // No file was rewritten: the keys are not in them.
        Assert.Equal(files.Keys.Order(), Directory.EnumerateFiles(payloads).Order());
        foreach (var (path, bytes) in files)
        {
            Assert.Equal(bytes, await File.ReadAllBytesAsync(path));
        }

        // Offline, with the new version only (the running gateway may still hold the old one in memory).
        File.Delete(Path.Combine(gateway.Home, "keys", "kek-v1.key"));
        var fresh = new LocalKeyProvider(Path.Combine(gateway.Home, "keys"));
        await Assert.ThrowsAsync<KeyProviderException>(() => fresh.UnwrapAsync(new WrappedKey(before[0].PayloadKeyId!, before[0].PayloadWrappedKey!)));
        var store = new FolderPayloadStore(payloads);
        await using (var db = await gateway.OpenDatabaseAsync())
        {
            Assert.Equal("local:kek-v2", (await db.PseudonymKeys.AsNoTracking().SingleAsync()).KeyId);
            using var pseudonymiser = await PseudonymKeyStore.LoadAsync(db, fresh, Path.Combine(gateway.Home, "keys"), TimeProvider.System);
            var rows = await db.Datasets.AsNoTracking().ToListAsync();
            Assert.Equal(ids.Order(), rows.Select(r => r.Id).Order());
            foreach (var row in rows)
            {
                var siret = sirets[ids.IndexOf(row.Id)];
                Assert.Equal("local:kek-v2", row.PayloadKeyId);
                Assert.Equal("local:kek-v2", row.SubjectsKeyId);
                await using (var content = await DatasetFiles.OpenContentAsync(store, fresh, row))
                using (var reader = new StreamReader(content, Encoding.UTF8))
                {
                    // Read to the end: the SHA-256 recorded at upload is checked there.
                    Assert.Contains(siret, await reader.ReadToEndAsync(), StringComparison.Ordinal);
                }
                Assert.Equal([pseudonymiser.Short(IdentifierKind.Siret, siret)], await DatasetFiles.ReadSubjectsAsync(store, fresh, row));
            }
        }

        // Every organisation's log says who asked and when it was done.
        using var dpo = gateway.ClientFor("prevy-dpo");
        var entries = (await dpo.GetFromJsonAsync<JsonElement>("api/v1/audit/entries?action=admin-change")).GetProperty("entries").EnumerateArray()
            .Select(e => (Agent: e.GetProperty("agent").GetString(), Object: e.GetProperty("object").GetString())).Order().ToList();
        Assert.Equal([("admin", "rotation 1 demandée"), ("passerelle", "rotation 1 terminée : local:kek-v2")], entries);

        using var agent = gateway.ClientFor("prevy-agent");
        Assert.Equal(HttpStatusCode.Forbidden, (await agent.PostAsJsonAsync(Route, new { })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await agent.GetAsync(Route)).StatusCode);
    }

    private static async Task<JsonElement> WaitCompletedAsync(HttpClient admin)
    {
        var guard = DateTime.UtcNow.AddMinutes(2);
        while (true)
        {
            var rotation = await admin.GetFromJsonAsync<JsonElement>(Route);
            if (rotation.GetProperty("state").GetString() == KeyRotation.Completed)
            {
                return rotation;
            }
            Assert.True(DateTime.UtcNow < guard, $"The rotation did not complete: {rotation.GetRawText()}");
            await Task.Delay(100);
        }
    }
}
