using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using CpomExchange.Infrastructure.Keys;
using CpomExchange.Infrastructure.Payloads;
using CpomExchange.Infrastructure.Storage;
using CpomExchange.Rules.AccessLog;
using CpomExchange.Tests.Shared;
using Microsoft.AspNetCore.Builder;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;

namespace CpomExchange.Gateway.Tests;

/// <summary>A gateway whose retention job runs every second (the job the tests go through, as in production).</summary>
public sealed class RetentionEverySecondFixture : GatewayFixture
{
    protected override void Configure(WebApplicationBuilder builder) =>
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Cpom:Retention:CheckEverySeconds"] = "1" });
}

/// <summary>
/// When an exchange's retention period ends, or its sender withdraws it, the data is destroyed beyond
/// recovery — its data keys, kept only in its row, first — and the destruction is logged.
/// </summary>
public sealed class CryptoShreddingTests(RetentionEverySecondFixture gateway) : IClassFixture<RetentionEverySecondFixture>
{
    internal static async Task<string> UploadAsync(GatewayFixture gateway, string siret)
    {
        using var prevy = gateway.ClientFor("prevy-agent");
        using var content = new ByteArrayContent(Encoding.UTF8.GetBytes($"siret;raison_sociale\n{siret};A\n"));
        content.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        using var response = await prevy.PostAsync("api/v1/datasets?type=adherents&to=carsat-lr&purpose=sinistralite", content);
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
    }

    [Fact]
    public async Task ExpiredDataset_IsShreddedByTheRetentionJob_Unrecoverable_LoggedOnceUnderBothControllers_AndTheLogsStillVerify()
    {
        var id = await UploadAsync(gateway, "10433218419605");
        var payloads = Path.Combine(gateway.Home, "payloads");
        Assert.True(File.Exists(Path.Combine(payloads, id + ".cpom")));

        // Older than the retention of adherents lists: the gateway's own retention job (every second here) shreds it.
        await using (var db = await gateway.OpenDatabaseAsync())
        {
            var old = DateTime.UtcNow.AddYears(-3);
            Assert.Equal(1, await db.Datasets.Where(d => d.Id == id).ExecuteUpdateAsync(s => s.SetProperty(d => d.CreatedAtUtc, old)));
            var guard = DateTime.UtcNow.AddMinutes(2);
            while (await db.Datasets.AnyAsync(d => d.Id == id && (d.Status == DatasetStatus.Available || d.FilesDeletedAtUtc == null)))
            {
                Assert.True(DateTime.UtcNow < guard, "The retention job did not shred the expired dataset.");
                await Task.Delay(100);
            }
            var row = await db.Datasets.AsNoTracking().SingleAsync(d => d.Id == id);
            Assert.Equal(DatasetStatus.Expired, row.Status);
            Assert.Null(row.PayloadKeyId);
            Assert.Null(row.PayloadWrappedKey);
            Assert.Null(row.SubjectsKeyId);
            Assert.Null(row.SubjectsWrappedKey);
        }
        Assert.False(File.Exists(Path.Combine(payloads, id + ".cpom")));
        Assert.False(File.Exists(Path.Combine(payloads, id + ".subjects")));

        using var carsat = gateway.ClientFor("carsat-lr-agent");
        var download = await carsat.GetAsync($"api/v1/datasets/{id}/content?purpose=sinistralite");
        Assert.Equal("dataset.purged", (await download.ReadProblemAsync(HttpStatusCode.Gone)).Code());
        Assert.Equal("expired", (await carsat.GetFromJsonAsync<JsonElement>($"api/v1/datasets/{id}")).GetProperty("status").GetString());

        foreach (var dpo in new[] { "prevy-dpo", "carsat-lr-dpo" })
        {
            using var client = gateway.ClientFor(dpo);
            var purge = Assert.Single((await client.GetFromJsonAsync<JsonElement>($"api/v1/audit/entries?dataset={id}&action=purge")).GetProperty("entries").EnumerateArray());
            Assert.Equal("passerelle", purge.GetProperty("agent").GetString());
            // The log the purge was appended to is still one valid chain, online and offline.
            var verification = await client.GetFromJsonAsync<JsonElement>("api/v1/audit/verify");
            Assert.True(verification.GetProperty("valid").GetBoolean(), verification.GetRawText());
            var export = await LogExport.ReadAsync(new StringReader(await client.GetStringAsync("api/v1/audit/export?format=jsonl")));
            var offline = export.Verify();
            Assert.True(offline.Valid, offline.Problem);
            Assert.Single(export.Entries, e => e.Entry.Action == LogActions.Purge && e.Entry.DatasetId == id);
        }
    }

    [Fact]
    public async Task ShreddedPayload_RestoredFromABackup_IsNoise_WithTheKeyProviderIntact()
    {
        var id = await UploadAsync(gateway, "01338908538633");
        var kept = await UploadAsync(gateway, "79402654223514"); // still available: its keys stay in the database
        var payloads = Path.Combine(gateway.Home, "payloads");
        var backup = Directory.CreateTempSubdirectory("cpom-backup-").FullName;
        try
        {
            // A backup (snapshot, soft-deleted blob...) taken while the dataset was available.
            File.Copy(Path.Combine(payloads, id + ".cpom"), Path.Combine(backup, id + ".cpom"));
            File.Copy(Path.Combine(payloads, id + ".subjects"), Path.Combine(backup, id + ".subjects"));
            DatasetEntity before;
            await using (var db = await gateway.OpenDatabaseAsync())
            {
                before = await db.Datasets.AsNoTracking().SingleAsync(d => d.Id == id);
            }

            using var prevy = gateway.ClientFor("prevy-agent");
            Assert.Equal(HttpStatusCode.OK, (await prevy.DeleteAsync($"api/v1/datasets/{id}")).StatusCode);
            Assert.False(File.Exists(Path.Combine(payloads, id + ".cpom")));
            // The backup comes back.
            File.Copy(Path.Combine(backup, id + ".cpom"), Path.Combine(payloads, id + ".cpom"));
            File.Copy(Path.Combine(backup, id + ".subjects"), Path.Combine(payloads, id + ".subjects"));

            // The key provider is intact: an attacker holding it, the database and the restored files.
            var keys = new LocalKeyProvider(Path.Combine(gateway.Home, "keys"));
            var restored = await File.ReadAllBytesAsync(Path.Combine(payloads, id + ".cpom"));
            var restoredIndex = await File.ReadAllBytesAsync(Path.Combine(payloads, id + ".subjects"));
            // Neither file holds a key, nor the name of the key-encryption key.
            foreach (var file in new[] { restored, restoredIndex })
            {
                Assert.Null((await PayloadCipher.ReadHeaderAsync(new MemoryStream(file), CancellationToken.None)).Embedded);
                Assert.Equal(-1, file.AsSpan().IndexOf(Encoding.UTF8.GetBytes("kek-v")));
                Assert.Equal(-1, file.AsSpan().IndexOf(before.PayloadWrappedKey.AsSpan(0, 16)));
                Assert.Equal(-1, file.AsSpan().IndexOf(before.SubjectsWrappedKey.AsSpan(0, 16)));
            }
            await using (var db = await gateway.OpenDatabaseAsync())
            {
                var after = await db.Datasets.AsNoTracking().SingleAsync(d => d.Id == id);
                Assert.Equal(DatasetStatus.Withdrawn, after.Status);
                Assert.Null(after.PayloadWrappedKey);
                Assert.Null(after.SubjectsWrappedKey);
                // No key the database still holds opens the restored files.
                var held = await db.Datasets.AsNoTracking().Where(d => d.PayloadWrappedKey != null).ToListAsync();
                Assert.Contains(held, d => d.Id == kept);
                foreach (var other in held)
                {
                    foreach (var key in new[] { new WrappedKey(other.PayloadKeyId!, other.PayloadWrappedKey!), new WrappedKey(other.SubjectsKeyId!, other.SubjectsWrappedKey!) })
                    {
                        await Assert.ThrowsAsync<PayloadCorruptedException>(() =>
                            PayloadCipher.DecryptAsync(new MemoryStream(restored), Stream.Null, keys, key, DatasetFiles.PayloadContext(id)));
                        await Assert.ThrowsAsync<PayloadCorruptedException>(() =>
                            PayloadCipher.DecryptAsync(new MemoryStream(restoredIndex), Stream.Null, keys, key, DatasetFiles.SubjectsContext(id)));
                    }
                }
                Assert.DoesNotContain(await db.Datasets.AsNoTracking().Where(d => d.PayloadWrappedKey != null || d.SubjectsWrappedKey != null).ToListAsync(),
                    d => d.PayloadWrappedKey!.AsSpan().SequenceEqual(before.PayloadWrappedKey) || d.SubjectsWrappedKey!.AsSpan().SequenceEqual(before.SubjectsWrappedKey));
            }
            // Control: the restored file is the dataset's real ciphertext — the key the shredding destroyed still
            // opens it, which is why that key must survive nowhere.
            using var plain = new MemoryStream();
            await PayloadCipher.DecryptAsync(new MemoryStream(restored), plain, keys, new WrappedKey(before.PayloadKeyId!, before.PayloadWrappedKey!),
                DatasetFiles.PayloadContext(id), before.Sha256);
            Assert.Contains("01338908538633", Encoding.UTF8.GetString(plain.ToArray()), StringComparison.Ordinal);

            // The gateway serves nothing of it either.
            using var carsat = gateway.ClientFor("carsat-lr-agent");
            Assert.Equal("dataset.purged", (await (await carsat.GetAsync($"api/v1/datasets/{id}/content?purpose=sinistralite")).ReadProblemAsync(HttpStatusCode.Gone)).Code());
        }
        finally
        {
            Directory.Delete(backup, recursive: true);
        }
    }
}

/// <summary>The start-up sweep: files of datasets whose shredding was interrupted are deleted when an instance starts.</summary>
public sealed class ShreddingLeftoversTests(GatewayFixture gateway) : IClassFixture<GatewayFixture>
{
    [Fact]
    public async Task FilesLeftByAnInterruptedShredding_AreDeletedAtStartUp_AndAConfirmedDeletionIsNotLookedAtAgain()
    {
        var id = await CryptoShreddingTests.UploadAsync(gateway, "10433218419605");
        var payload = Path.Combine(gateway.Home, "payloads", id + ".cpom");
        var index = Path.Combine(gateway.Home, "payloads", id + ".subjects");
        var copy = await File.ReadAllBytesAsync(payload);
        var indexCopy = await File.ReadAllBytesAsync(index);
        using var prevy = gateway.ClientFor("prevy-agent");
        Assert.Equal(HttpStatusCode.OK, (await prevy.DeleteAsync($"api/v1/datasets/{id}")).StatusCode);
        Assert.False(File.Exists(payload));

        // A crash between the marking and the deletion: the files are there, the deletion unconfirmed.
        await File.WriteAllBytesAsync(payload, copy);
        await File.WriteAllBytesAsync(index, indexCopy);
        await using (var db = await gateway.OpenDatabaseAsync())
        {
            Assert.Equal(1, await db.Datasets.Where(d => d.Id == id).ExecuteUpdateAsync(s => s.SetProperty(d => d.FilesDeletedAtUtc, (DateTime?)null)));
        }
        // The next start (creating an instance runs the start-up work) deletes them and confirms it.
        await (await gateway.CreateInstanceAsync()).DisposeAsync();
        Assert.False(File.Exists(payload));
        Assert.False(File.Exists(index));
        await using (var db = await gateway.OpenDatabaseAsync())
        {
            Assert.NotNull((await db.Datasets.AsNoTracking().SingleAsync(d => d.Id == id)).FilesDeletedAtUtc);
        }

        // Confirmed: a start does not look at it again (only unconfirmed deletions are swept).
        await File.WriteAllBytesAsync(payload, copy);
        await (await gateway.CreateInstanceAsync()).DisposeAsync();
        Assert.True(File.Exists(payload));
        File.Delete(payload);
    }
}
