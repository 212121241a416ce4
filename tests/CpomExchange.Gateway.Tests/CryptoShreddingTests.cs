using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using CpomExchange.Gateway.Datasets;
using CpomExchange.Infrastructure.AccessLog;
using CpomExchange.Infrastructure.Keys;
using CpomExchange.Infrastructure.Payloads;
using CpomExchange.Rules.Policies;
using CpomExchange.Tests.Shared;
using Microsoft.Extensions.Logging.Abstractions;

namespace CpomExchange.Gateway.Tests;

/// <summary>When an exchange's retention period ends, the data is destroyed beyond recovery and the destruction logged.</summary>
public sealed class CryptoShreddingTests(GatewayFixture gateway) : IClassFixture<GatewayFixture>
{
    private sealed class Later(TimeSpan offset) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => DateTimeOffset.UtcNow + offset;
    }

    [Fact]
    public async Task ExpiredDataset_IsCryptoShredded_Unrecoverable_AndLoggedUnderBothControllers()
    {
        using var prevy = gateway.ClientFor("prevy-agent");
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes("siret;raison_sociale\n10433218419605;A\n"));
        content.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        var created = await (await prevy.PostAsync("api/v1/datasets?type=adherents&to=carsat-lr&purpose=sinistralite", content)).Content.ReadFromJsonAsync<JsonElement>();
        var id = created.GetProperty("id").GetString()!;
        var payload = Path.Combine(gateway.Home, "payloads", id + ".cpom");
        // The header's random nonce prefix and wrapped data key identify this payload's bytes anywhere.
        var header = (await File.ReadAllBytesAsync(payload))[..80];

        var policies = PolicyLoader.Load(GatewayFixture.PoliciesDirectory);
        var keys = new LocalKeyProvider(Path.Combine(gateway.Home, "keys"));
        var time = new Later(TimeSpan.FromDays(policies.Exchanges["adherents"].RetentionDays + 1));
        await using (var db = await gateway.OpenDatabaseAsync())
        {
            var shredder = new DatasetShredder(db, new FolderPayloadStore(Path.Combine(gateway.Home, "payloads")),
                new AccessLogWriter(keys, new AccessLogOptions(), time), time, NullLogger<DatasetShredder>.Instance);
            Assert.True(await shredder.ExpireDueAsync(policies) >= 1);
        }

        Assert.False(File.Exists(payload));
        Assert.False(File.Exists(Path.Combine(gateway.Home, "payloads", id + ".subjects")));
        CpomExchange.Infrastructure.Storage.CpomDatabase.ClearPools();
        foreach (var file in Directory.EnumerateFiles(gateway.Home, "*", SearchOption.AllDirectories))
        {
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var memory = new MemoryStream();
            await stream.CopyToAsync(memory);
            Assert.True(memory.ToArray().AsSpan().IndexOf(header.AsSpan(12, 40)) < 0, $"{file} still holds the shredded payload's key material.");
        }

        using var carsat = gateway.ClientFor("carsat-lr-agent");
        var download = await carsat.GetAsync($"api/v1/datasets/{id}/content?purpose=sinistralite");
        Assert.Equal("dataset.purged", (await download.ReadProblemAsync(HttpStatusCode.Gone)).Code());
        var metadata = await carsat.GetFromJsonAsync<JsonElement>($"api/v1/datasets/{id}");
        Assert.Equal("expired", metadata.GetProperty("status").GetString());

        foreach (var dpo in new[] { "prevy-dpo", "carsat-lr-dpo" })
        {
            using var client = gateway.ClientFor(dpo);
            var entries = await client.GetFromJsonAsync<JsonElement>($"api/v1/audit/entries?dataset={id}&action=purge");
            var purge = Assert.Single(entries.GetProperty("entries").EnumerateArray());
            Assert.Equal("passerelle", purge.GetProperty("agent").GetString());
        }
    }

    [Fact]
    public async Task FilesLeftAfterTheMarking_AreDeletedByTheNextRound_AndAConfirmedDeletionIsNotLookedAtAgain()
    {
        using var prevy = gateway.ClientFor("prevy-agent");
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes("siret;raison_sociale\n10433218419605;A\n"));
        content.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        var id = (await (await prevy.PostAsync("api/v1/datasets?type=adherents&to=carsat-lr&purpose=sinistralite", content)).Content
            .ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        Assert.Equal(HttpStatusCode.OK, (await prevy.DeleteAsync($"api/v1/datasets/{id}")).StatusCode);
        var payload = Path.Combine(gateway.Home, "payloads", id + ".cpom");
        Assert.False(File.Exists(payload));

        var keys = new LocalKeyProvider(Path.Combine(gateway.Home, "keys"));
        await using var db = await gateway.OpenDatabaseAsync();
        var shredder = new DatasetShredder(db, new FolderPayloadStore(Path.Combine(gateway.Home, "payloads")),
            new AccessLogWriter(keys, new AccessLogOptions(), TimeProvider.System), TimeProvider.System, NullLogger<DatasetShredder>.Instance);
        var row = db.Datasets.Single(d => d.Id == id);
        Assert.NotNull(row.FilesDeletedAtUtc);

        // A crash between the marking and the deletion: the file is there, the deletion unconfirmed.
        await File.WriteAllBytesAsync(payload, [1, 2, 3]);
        row.FilesDeletedAtUtc = null;
        await db.SaveChangesAsync();
        await shredder.DeleteLeftoversAsync();
        Assert.False(File.Exists(payload));
        db.ChangeTracker.Clear();
        Assert.NotNull(db.Datasets.Single(d => d.Id == id).FilesDeletedAtUtc);

        // Confirmed: an ordinary round does not look again; after a key rotation every one is looked at.
        await File.WriteAllBytesAsync(payload, [1, 2, 3]);
        await shredder.DeleteLeftoversAsync();
        Assert.True(File.Exists(payload));
        await shredder.DeleteLeftoversAsync(all: true);
        Assert.False(File.Exists(payload));
    }
}
