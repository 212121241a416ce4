using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CpomExchange.Infrastructure;
using CpomExchange.Infrastructure.Keys;
using CpomExchange.Infrastructure.Payloads;
using CpomExchange.Infrastructure.Storage;
using CpomExchange.Tests.Shared;
using Microsoft.AspNetCore.Builder;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.Extensions.Configuration;

namespace CpomExchange.Gateway.Tests;

/// <summary>
/// A state folder and a database as the earlier version left them (its own files, tests/Legacy/v1:
/// the key folder, the pseudonymisation key file, a payload and its index with their keys in their
/// headers; the schema before this version, with its rows), then this version started on them.
/// </summary>
public sealed class EarlierVersionFixture : GatewayFixture
{
    /// <summary>An available dataset of the earlier version.</summary>
    public const string LegacyId = "ds_0000legacy0000000000000000000001";

    /// <summary>A dataset the earlier version shredded, but whose files a crash left behind (with their keys in their headers).</summary>
    public const string ShreddedId = "ds_0000legacy0000000000000000000002";

    /// <summary>What the earlier version recorded for <see cref="LegacyId"/>'s content.</summary>
    public const string Sha256 = "3864cf93fbbf391370822ae86767f9aec7209ae11dd83443206927e60855f177";

    protected override void Configure(WebApplicationBuilder builder) =>
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Cpom:Keys:MaintenanceEverySeconds"] = "1" });

    protected override async Task BeforeStartAsync()
    {
        var keys = Directory.CreateDirectory(Path.Combine(Home, "keys")).FullName;
        var payloads = Directory.CreateDirectory(Path.Combine(Home, "payloads")).FullName;
        foreach (var file in Directory.EnumerateFiles(Path.Combine(TestPaths.LegacyV1, "keys")))
        {
            File.Copy(file, Path.Combine(keys, Path.GetFileName(file)));
        }
        foreach (var id in new[] { LegacyId, ShreddedId })
        {
            foreach (var extension in new[] { ".cpom", ".subjects" })
            {
                File.Copy(Path.Combine(TestPaths.LegacyV1, "payloads", LegacyId + extension), Path.Combine(payloads, id + extension));
            }
        }
        await using var db = CpomDatabase.Create(Storage, new CpomHome(Home));
        var previous = db.Database.GetMigrations().Single(m => m.EndsWith("_DatasetFilesDeleted", StringComparison.Ordinal));
        await db.GetService<IMigrator>().MigrateAsync(previous);
        var now = DateTime.UtcNow;
        foreach (var (id, status) in new[] { (LegacyId, DatasetStatus.Available), (ShreddedId, DatasetStatus.Withdrawn) })
        {
            DateTime? shredded = status == DatasetStatus.Available ? null : now;
            await db.Database.ExecuteSqlInterpolatedAsync($"""
                INSERT INTO datasets ("Id", "Type", "FromOrganisation", "ToOrganisation", "Purpose", "ContractId", "CreatedBy", "Rows", "Sha256",
                    "SourceSha256", "Length", "PayloadName", "CreatedAtUtc", "MaskedCells", "Status", "ShreddedAtUtc")
                VALUES ({id}, 'adherents', 'prevy', 'carsat-lr', 'sinistralite', 'cpom-prevy-2025', 'prevy-agent', {2L}, {Sha256},
                    {Sha256}, {129L}, {id + ".cpom"}, {now}, {0L}, {status}, {shredded})
                """);
        }
    }
}

/// <summary>Upgrading keeps every pseudonym and every dataset, and moves the data keys out of the files.</summary>
public sealed class UpgradeTests(EarlierVersionFixture gateway) : IClassFixture<EarlierVersionFixture>
{
    [Fact]
    public async Task EarlierVersionsKeyAndDatasets_KeepTheirPseudonyms_StayReadable_AndTheirKeysLeaveTheFiles()
    {
        var payloads = Path.Combine(gateway.Home, "payloads");
        var legacyKeyFile = Path.Combine(gateway.Home, "keys", PseudonymKeyStore.LegacyFileName);

        // The key file was imported into the database once, then set aside.
        await using (var db = await gateway.OpenDatabaseAsync())
        {
            var key = await db.PseudonymKeys.AsNoTracking().SingleAsync();
            Assert.Equal((PseudonymKeyStore.CurrentVersion, "imported"), (key.Version, key.Origin));
        }
        Assert.False(File.Exists(legacyKeyFile));
        Assert.True(File.Exists(legacyKeyFile + PseudonymKeyStore.ImportedSuffix));

        // The files an interrupted shredding left (their keys in their headers) went at start-up.
        Assert.False(File.Exists(Path.Combine(payloads, EarlierVersionFixture.ShreddedId + ".cpom")));
        Assert.False(File.Exists(Path.Combine(payloads, EarlierVersionFixture.ShreddedId + ".subjects")));

        // The key maintenance job moves the available dataset's keys into its row and out of its files.
        DatasetEntity row;
        await using (var db = await gateway.OpenDatabaseAsync())
        {
            var guard = DateTime.UtcNow.AddMinutes(2);
            while (await db.Datasets.AnyAsync(d => d.Id == EarlierVersionFixture.LegacyId && d.LegacyHeaders))
            {
                Assert.True(DateTime.UtcNow < guard, "The keys of the earlier version's dataset were not moved.");
                await Task.Delay(100);
            }
            row = await db.Datasets.AsNoTracking().SingleAsync(d => d.Id == EarlierVersionFixture.LegacyId);
            Assert.NotNull((await db.Datasets.AsNoTracking().SingleAsync(d => d.Id == EarlierVersionFixture.ShreddedId)).FilesDeletedAtUtc);
        }
        Assert.Equal(("local:kek-v1", "local:kek-v1"), (row.PayloadKeyId, row.SubjectsKeyId));
        Assert.Equal(64, row.SubjectsSha256!.Length);
        foreach (var extension in new[] { ".cpom", ".subjects" })
        {
            var original = await File.ReadAllBytesAsync(Path.Combine(TestPaths.LegacyV1, "payloads", EarlierVersionFixture.LegacyId + extension));
            var now = await File.ReadAllBytesAsync(Path.Combine(payloads, EarlierVersionFixture.LegacyId + extension));
            var header = await PayloadCipher.ReadHeaderAsync(new MemoryStream(original), CancellationToken.None);
            Assert.NotNull(header.Embedded);
            Assert.Null((await PayloadCipher.ReadHeaderAsync(new MemoryStream(now), CancellationToken.None)).Embedded);
            Assert.Equal(-1, now.AsSpan().IndexOf(header.Embedded.Value));
            // Only the key left: the encrypted segments are the same bytes.
            Assert.Equal(original[header.Length..], now[(PayloadCipher.FixedHeaderSize + 4)..]);
        }

        // The same content, byte for byte, as the earlier version stored it.
        using var carsat = gateway.ClientFor("carsat-lr-agent");
        Assert.Equal(await File.ReadAllBytesAsync(Path.Combine(TestPaths.LegacyV1, "plain.csv")),
            await carsat.GetByteArrayAsync($"api/v1/datasets/{EarlierVersionFixture.LegacyId}/content?purpose=sinistralite"));

        // The same pseudonyms as the earlier version computed (tests/Legacy/README.md), and its index still answers.
        using var dpo = gateway.ClientFor("prevy-dpo");
        foreach (var (siret, pseudonym) in new[] { ("10433218419605", "v1:W9bTqhtSnsOngmwscqUnk7f0fanVJzygZJsZCa8Rs14"), ("01338908538633", "v1:X485sIyIRRgEsocv7vC8fLjUkHLzXO7JYPbgjYw7Rsg") })
        {
            using var response = await dpo.PostAsJsonAsync("api/v1/audit/subjects", new { siret });
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var answer = await response.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal(pseudonym, answer.GetProperty("pseudonym").GetString());
            Assert.Equal([EarlierVersionFixture.LegacyId], answer.GetProperty("datasets").EnumerateArray().Select(d => d.GetString()));
        }

        // From now on it is shredded like any other: its keys destroyed in its row.
        using var prevy = gateway.ClientFor("prevy-agent");
        Assert.Equal(HttpStatusCode.OK, (await prevy.DeleteAsync($"api/v1/datasets/{EarlierVersionFixture.LegacyId}")).StatusCode);
        await using (var db = await gateway.OpenDatabaseAsync())
        {
            var shredded = await db.Datasets.AsNoTracking().SingleAsync(d => d.Id == EarlierVersionFixture.LegacyId);
            Assert.Null(shredded.PayloadWrappedKey);
            Assert.Null(shredded.SubjectsWrappedKey);
        }
        Assert.False(File.Exists(Path.Combine(payloads, EarlierVersionFixture.LegacyId + ".cpom")));
    }
}
