using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CpomExchange.Infrastructure.Payloads;
using CpomExchange.Tests.Shared;
using Microsoft.EntityFrameworkCore;

namespace CpomExchange.Gateway.Tests;

/// <summary>
/// A worker withdraws consent (RGPD art. 7(3)): the PDP cell that sent the signalement removes that
/// person. The signalement is re-written without the row (new payload, fresh data key, new subject
/// index), the old version is crypto-shredded, the recipient sees the new version, both logs say so.
/// </summary>
public sealed class ConsentWithdrawalTests(GatewayFixture gateway) : IClassFixture<GatewayFixture>
{
    private async Task<string> SendAsync((string Nir, string Employer)[] persons) =>
        await (await gateway.PostCsvAsync("pst38-pdp", "type=signalements-pdp&to=carsat-ra&purpose=pdp", Signalements.File(persons))).IdAsync();

    private async Task<(string PayloadName, long Rows, string Sha256)> StoredAsync(string id)
    {
        await using var db = await gateway.OpenDatabaseAsync();
        var row = await db.Datasets.AsNoTracking().SingleAsync(d => d.Id == id);
        return (row.PayloadName, row.Rows, row.Sha256);
    }

    private async Task<IReadOnlyList<string>> DatasetsConcerningAsync(string dpo, object subject)
    {
        using var client = gateway.ClientFor(dpo);
        var response = await client.PostAsJsonAsync("api/v1/audit/subjects", subject);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("datasets").EnumerateArray().Select(e => e.GetString()!).ToList();
    }

    private async Task<string> ExportAsync(string dpo)
    {
        using var client = gateway.ClientFor(dpo);
        return await client.GetStringAsync("api/v1/audit/export?format=jsonl");
    }

    [Fact]
    public async Task PdpCell_WithdrawsAPersonByNir_TheRecipientSeesTheNewVersion_TheOldIsShredded_AndBothLogsSaySo()
    {
        var persons = Signalements.Persons(10, 3);
        var id = await SendAsync(persons);
        var before = await StoredAsync(id);
        Assert.Equal(Signalements.Delivered(id, persons, 1, 2, 3), await gateway.ContentAsync("carsat-ra-service-social", id, "pdp"));
        using (var social = gateway.ClientFor("carsat-ra-service-social"))
        {
            Assert.Equal(HttpStatusCode.OK, (await social.PostAsync($"api/v1/datasets/{id}/ack?purpose=pdp", null)).StatusCode);
        }
        Assert.Contains(id, await DatasetsConcerningAsync("carsat-ra-dpo", new { nir = persons[1].Nir }));

        var response = await gateway.WithdrawConsentAsync("pst38-pdp", id, new { nir = persons[1].Nir });
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());

        // The recipient sees the new version: same dataset, two persons, another digest, a receipt to give again.
        var metadata = await gateway.MetadataAsync("carsat-ra-service-social", id);
        Assert.Equal((2L, "available", JsonValueKind.Null), (metadata.GetProperty("rows").GetInt64(), metadata.GetProperty("status").GetString(), metadata.GetProperty("acknowledgedAt").ValueKind));
        var content = await gateway.ContentAsync("carsat-ra-service-social", id, "pdp");
        Assert.Equal(Signalements.Delivered(id, persons, 1, 3), content);
        Assert.NotEqual(before.Sha256, metadata.GetProperty("sha256").GetString());
        Assert.Equal(System.Text.Encoding.UTF8.GetByteCount(content), metadata.GetProperty("size").GetInt64());

        // The old files are gone, their wrapped keys replaced in the row; the new ones have other names.
        var after = await StoredAsync(id);
        Assert.NotEqual(before.PayloadName, after.PayloadName);
        Assert.False(File.Exists(Path.Combine(gateway.Home, "payloads", before.PayloadName)), "L'ancienne version est encore stockée.");
        Assert.False(File.Exists(Path.Combine(gateway.Home, "payloads", DatasetFiles.SubjectsNameOf(before.PayloadName))), "L'ancien index est encore stocké.");
        Assert.Equal(
            [after.PayloadName, DatasetFiles.SubjectsNameOf(after.PayloadName)],
            Directory.EnumerateFiles(Path.Combine(gateway.Home, "payloads"), id + "*").Select(Path.GetFileName).Order(StringComparer.Ordinal));

        // The new subject index: the withdrawn person and their employer (only theirs) are no longer found.
        Assert.DoesNotContain(id, await DatasetsConcerningAsync("carsat-ra-dpo", new { nir = persons[1].Nir }));
        Assert.DoesNotContain(id, await DatasetsConcerningAsync("pst38-dpo", new { siret = persons[1].Employer }));
        Assert.Contains(id, await DatasetsConcerningAsync("pst38-dpo", new { nir = persons[2].Nir }));
        Assert.Contains(id, await DatasetsConcerningAsync("carsat-ra-dpo", new { siret = persons[0].Employer }));

        // Both controllers' logs say so, once; neither holds the NIR.
        foreach (var dpo in new[] { "pst38-dpo", "carsat-ra-dpo" })
        {
            var withdrawals = (await gateway.LogEntriesAsync(dpo, id)).Where(e => e.GetProperty("action").GetString() == "consent-withdrawal").ToList();
            var entry = Assert.Single(withdrawals);
            Assert.Equal(("consent-withdrawal signalements-pdp allowed -", 2L, "pst38-pdp"), (entry.Summary(), entry.GetProperty("rows").GetInt64(), entry.GetProperty("agent").GetString()));
            Assert.DoesNotContain(persons[1].Nir, await ExportAsync(dpo), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task ByReference_TheOthersKeepTheirReferences_AndARetourForTheWithdrawnPersonIsRefused()
    {
        var persons = Signalements.Persons(11, 3);
        var id = await SendAsync(persons);
        const string query = "type=retour-signalement&to=pst38&purpose=pdp";

        var response = await gateway.WithdrawConsentAsync("pst38-pdp", id, new { reference = $"{id}:1" });
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        Assert.Equal(Signalements.Delivered(id, persons, 2, 3), await gateway.ContentAsync("carsat-ra-service-social", id, "pdp"));

        Assert.Equal([(2L, "minimisation.unknown-person")],
            await (await gateway.PostCsvAsync("carsat-ra-service-social", query, Signalements.RetourHeader + $"{id}:1;CLOS;22/01/2026;\r\n")).RowErrorsAsync());
        await (await gateway.PostCsvAsync("carsat-ra-service-social", query,
            Signalements.RetourHeader + $"{id}:2;PRIS_EN_CHARGE;22/01/2026;\r\n{id}:3;ORIENTE;22/01/2026;\r\n")).IdAsync();

        // A second withdrawal of the same person finds nobody, and changes nothing.
        var sha = (await StoredAsync(id)).Sha256;
        var again = await gateway.WithdrawConsentAsync("pst38-pdp", id, new { reference = $"{id}:1" });
        Assert.Equal("consent.person-not-found", (await again.ReadProblemAsync(HttpStatusCode.NotFound)).Code());
        Assert.Equal(sha, (await StoredAsync(id)).Sha256);

        // Then the others, by NIR and by reference, down to the header alone.
        Assert.Equal(HttpStatusCode.OK, (await gateway.WithdrawConsentAsync("pst38-pdp", id, new { nir = persons[2].Nir })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await gateway.WithdrawConsentAsync("pst38-pdp", id, new { reference = $"{id}:2" })).StatusCode);
        Assert.Equal(Signalements.Delivered(id, persons), await gateway.ContentAsync("carsat-ra-service-social", id, "pdp"));
        Assert.Equal(0, (await gateway.MetadataAsync("pst38-pdp", id)).GetProperty("rows").GetInt64());
    }

    public static TheoryData<int, string, string, string?, HttpStatusCode, string> Refusals() => new()
    {
        // Seed of the persons, who, how the person is designated, purpose, status, code.
        { 40, "carsat-ra-service-social", "nir", "pdp", HttpStatusCode.Forbidden, "policy.direction-not-allowed" },
        { 41, "pst38-agent", "nir", "pdp", HttpStatusCode.Forbidden, "policy.role-not-allowed" },
        { 42, "pst38-dpo", "nir", "pdp", HttpStatusCode.Forbidden, "policy.role-not-allowed" },
        { 43, "pst38-pdp", "nir", "ciblage", HttpStatusCode.Forbidden, "policy.purpose-not-allowed" },
        { 44, "pst38-pdp", "nir", null, HttpStatusCode.BadRequest, "request.missing-purpose" },
        { 45, "pst38-pdp", "both", "pdp", HttpStatusCode.BadRequest, "request.invalid" },
        { 46, "pst38-pdp", "none", "pdp", HttpStatusCode.BadRequest, "request.invalid" },
        { 47, "pst38-pdp", "bad-nir", "pdp", HttpStatusCode.BadRequest, "request.invalid" },
        { 48, "pst38-pdp", "other-dataset", "pdp", HttpStatusCode.BadRequest, "request.invalid" },
        { 49, "pst38-pdp", "stranger", "pdp", HttpStatusCode.NotFound, "consent.person-not-found" },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public async Task Refusal_ChangesNothing_AndIsLogged(int seed, string identity, string designation, string? purpose, HttpStatusCode status, string code)
    {
        var persons = Signalements.Persons(seed, 2);
        var id = await SendAsync(persons);
        var before = await StoredAsync(id);
        object person = designation switch
        {
            "nir" => new { nir = persons[0].Nir },
            "both" => new { nir = persons[0].Nir, reference = $"{id}:1" },
            "none" => new { },
            "bad-nir" => new { nir = persons[0].Nir[..13] + "00" },
            "other-dataset" => new { reference = "ds_0123456789abcdef0123456789abcdef:1" },
            _ => new { nir = Signalements.Nir("2990175999999") },
        };
        using (var client = gateway.ClientFor(identity))
        {
            var response = await client.PostAsJsonAsync($"api/v1/datasets/{id}/consent-withdrawals" + (purpose is null ? "" : "?purpose=" + purpose), person);
            Assert.Equal(code, (await response.ReadProblemAsync(status)).Code());
        }

        Assert.Equal(before, await StoredAsync(id));
        Assert.Equal(Signalements.Delivered(id, persons, 1, 2), await gateway.ContentAsync("carsat-ra-service-social", id, "pdp"));
        var caller = identity.StartsWith("carsat-ra", StringComparison.Ordinal) ? "carsat-ra-dpo" : "pst38-dpo";
        var other = caller == "pst38-dpo" ? "carsat-ra-dpo" : "pst38-dpo";
        if (purpose is null)
        {
            // Refused before the dataset was looked at: the caller's log only.
            Assert.Single(await gateway.LogEntriesAsync(caller, id), e => e.Summary() == $"consent-withdrawal  denied {code}");
            Assert.DoesNotContain(await gateway.LogEntriesAsync(other, id), e => e.GetProperty("action").GetString() == "consent-withdrawal");
            return;
        }
        // Under both controllers: the sender's and the recipient's.
        Assert.Single(await gateway.LogEntriesAsync(caller, id), e => e.Summary() == $"consent-withdrawal signalements-pdp denied {code}");
        Assert.Single(await gateway.LogEntriesAsync(other, id), e => e.Summary() == $"consent-withdrawal signalements-pdp denied {code}");
        Assert.DoesNotContain(persons[0].Nir, await ExportAsync(caller), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ServiceSocial_DoesNotWithdrawAPerson_EvenFromASignalementItSent()
    {
        // The catalogue gives the withdrawal to the PDP cell only (roles.withdrawConsent: [pdp]).
        var persons = Signalements.Persons(13, 1);
        var id = await (await gateway.PostCsvAsync("carsat-ra-service-social", "type=signalements-pdp&to=pst38&purpose=pdp", Signalements.File(persons))).IdAsync();
        var refused = await gateway.WithdrawConsentAsync("carsat-ra-service-social", id, new { nir = persons[0].Nir });
        Assert.Equal("policy.role-not-allowed", (await refused.ReadProblemAsync(HttpStatusCode.Forbidden)).Code());
        Assert.Equal(1, (await gateway.MetadataAsync("pst38-pdp", id)).GetProperty("rows").GetInt64());
        Assert.Single(await gateway.LogEntriesAsync("pst38-dpo", id), e => e.Summary() == "consent-withdrawal signalements-pdp denied policy.role-not-allowed");
    }

    [Theory]
    [InlineData("pst38-pdp", "signalements-pdp:send,list,download,withdraw-consent retour-signalement:send,list,download")]
    [InlineData("carsat-ra-service-social", "signalements-pdp:send,list,download retour-signalement:send,list,download")]
    public async Task Me_ShowsTheWithdrawalOfAPerson_ToThePdpCellOnly(string identity, string expected)
    {
        using var client = gateway.ClientFor(identity);
        var me = await client.GetFromJsonAsync<JsonElement>("api/v1/me");
        var exchanges = me.GetProperty("contracts").EnumerateArray().Single().GetProperty("exchanges").EnumerateArray()
            .Select(x => $"{x.GetProperty("type").GetString()}:{string.Join(',', x.GetProperty("actions").EnumerateArray().Select(a => a.GetString()))}");
        Assert.Equal(expected, string.Join(' ', exchanges));
    }

    [Fact]
    public async Task FromADatasetThatNamesNoPerson_OrAWithdrawnOne_IsRefused()
    {
        var adherents = await (await gateway.PostCsvAsync("pst38-agent", "type=adherents&to=carsat-ra&purpose=ciblage", "siret\r\n10433218419605\r\n")).IdAsync();
        var notApplicable = await gateway.WithdrawConsentAsync("pst38-agent", adherents, new { nir = Signalements.Nir("1850375120005") }, "ciblage");
        Assert.Equal("consent.not-applicable", (await notApplicable.ReadProblemAsync(HttpStatusCode.BadRequest)).Code());

        var persons = Signalements.Persons(12, 1);
        var id = await SendAsync(persons);
        using (var pdp = gateway.ClientFor("pst38-pdp"))
        {
            Assert.Equal(HttpStatusCode.OK, (await pdp.DeleteAsync($"api/v1/datasets/{id}")).StatusCode);
        }
        var gone = await gateway.WithdrawConsentAsync("pst38-pdp", id, new { nir = persons[0].Nir });
        Assert.Equal("dataset.purged", (await gone.ReadProblemAsync(HttpStatusCode.Gone)).Code());
    }

    [Fact]
    public async Task ConcurrentWithdrawals_OfDifferentPersons_BringNoOneBack()
    {
        // Both read the same version; the second to commit must start again from the first's result.
        for (var round = 0; round < 3; round++)
        {
            var persons = Signalements.Persons(30 + round, 4);
            var id = await SendAsync(persons);
            var answers = await Task.WhenAll(
                gateway.WithdrawConsentAsync("pst38-pdp", id, new { nir = persons[0].Nir }),
                gateway.WithdrawConsentAsync("pst38-pdp", id, new { reference = $"{id}:3" }));
            Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK], answers.Select(a => a.StatusCode));
            Assert.Equal(Signalements.Delivered(id, persons, 2, 4), await gateway.ContentAsync("carsat-ra-service-social", id, "pdp"));
            // No version left behind: one payload, one subject index.
            Assert.Equal(2, Directory.EnumerateFiles(Path.Combine(gateway.Home, "payloads"), id + "*").Count());
            Assert.Equal(2, (await StoredAsync(id)).Rows);
            var stored = await StoredAsync(id);
            Assert.Equal(DatasetFiles.SubjectsNameOf(stored.PayloadName), Path.GetFileName(Directory.EnumerateFiles(Path.Combine(gateway.Home, "payloads"), id + "*.subjects").Single()));
        }
    }
}
