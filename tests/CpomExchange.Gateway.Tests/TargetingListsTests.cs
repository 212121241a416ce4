using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CpomExchange.Tests.Shared;
using Microsoft.AspNetCore.Builder;

namespace CpomExchange.Gateway.Tests;

/// <summary>
/// The repository's policies plus, beside P.S.T.38 and the Carsat Rhône-Alpes: a test-only SPSTI
/// (« spsti-lists ») in contract with the same Carsat, which sends its adherents for both purposes and
/// its own alerts; a third (« spsti-split ») whose adherents no other test sends, for the split; and a test-only caisse (« caisse-lists ») to which P.S.T.38 also sends alerts.
/// </summary>
public sealed class TargetingListsFixture : GatewayFixture
{
    private readonly string _policies = Directory.CreateTempSubdirectory("cpom-policies-").FullName;

    protected override void Configure(WebApplicationBuilder builder)
    {
        foreach (var file in Directory.EnumerateFiles(PoliciesDirectory, "*.yaml", SearchOption.AllDirectories))
        {
            var target = Path.Combine(_policies, Path.GetRelativePath(PoliciesDirectory, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
        File.AppendAllText(Path.Combine(_policies, "organisations.yaml"),
            "  - id: spsti-lists\n    kind: SPSTI\n    name: SPSTI des listes\n    siren: \"999000136\"\n"
            + "  - id: caisse-lists\n    kind: CAISSE\n    name: Caisse des listes\n    siren: \"999000144\"\n"
            + "  - id: spsti-split\n    kind: SPSTI\n    name: SPSTI du partage\n    siren: \"999000151\"\n");
        File.WriteAllText(Path.Combine(_policies, "contracts", "test-lists.yaml"), """
            id: cpom-test-lists
            title: Contrat de test (un second SPSTI pour la Carsat Rhône-Alpes)
            parties: { spsti: spsti-lists, caisse: carsat-ra, dreets: dreets-aura }
            term: { start: 2025-01-01, end: 2029-12-31 }
            volets:
              - { code: PDP, label: Prévention de la désinsertion professionnelle }
            exchanges:
              - { type: adherents, purposes: [sinistralite, ciblage] }
              - { type: entreprises-forte-sinistralite, purposes: [ciblage] }
              - { type: entreprises-ciblees, purposes: [ciblage] }
              - { type: cible-spsti, purposes: [ciblage] }
              - { type: alertes-risque, purposes: [alerte-risque] }
              - { type: suite-alerte, purposes: [alerte-risque] }
            """);
        File.WriteAllText(Path.Combine(_policies, "contracts", "test-split.yaml"), """
            id: cpom-test-split
            title: Contrat de test (un troisième SPSTI, pour le partage des entreprises à forte sinistralité)
            parties: { spsti: spsti-split, caisse: carsat-ra, dreets: dreets-aura }
            term: { start: 2025-01-01, end: 2029-12-31 }
            volets:
              - { code: PDP, label: Prévention de la désinsertion professionnelle }
            exchanges:
              - { type: adherents, purposes: [sinistralite, ciblage] }
              - { type: entreprises-forte-sinistralite, purposes: [ciblage] }
            """);
        File.WriteAllText(Path.Combine(_policies, "contracts", "test-lists-caisse.yaml"), """
            id: cpom-test-lists-caisse
            title: Contrat de test (P.S.T.38 et une seconde caisse)
            parties: { spsti: pst38, caisse: caisse-lists, dreets: dreets-aura }
            term: { start: 2025-01-01, end: 2029-12-31 }
            volets:
              - { code: RPS, label: Risques psychosociaux }
            exchanges:
              - { type: alertes-risque, purposes: [alerte-risque] }
              - { type: suite-alerte, purposes: [alerte-risque] }
            """);
        builder.Configuration["Cpom:Policies"] = _policies;
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        Directory.Delete(_policies, recursive: true);
    }
}

/// <summary>
/// Issue 22 parts 3 to 5 over real mTLS: <c>entreprises-forte-sinistralite</c> split to each SPSTI's own
/// adherents, <c>cible-spsti</c> and the comparison of the two targeting lists, <c>suite-alerte</c>
/// answering one alert line.
/// </summary>
public sealed class TargetingListsTests(TargetingListsFixture gateway) : IClassFixture<TargetingListsFixture>
{
    private static string Sample(string name) => File.ReadAllText(Path.Combine(GatewayFixture.SamplesDirectory, name));

    private const string Pst38Adherent = "79402654223514", Pst38Other = "92832764283508", ListsAdherent = "10433218419605", Nobody = "16697848601840",
        SplitAdherent = "30564139153760";

    // ---- part 3: entreprises-forte-sinistralite ----

    [Fact]
    public async Task ForteSinistralite_IsSplit_EachSpstiReceivingOnlyItsAdherentsOfAListSentForTheCiblage()
    {
        const string header = "siret;raison_sociale;annee;motif;commentaire\r\n";
        var csv = header + $"{Pst38Adherent};EHPAD;2025;AT;\r\n{SplitAdherent};CABINET;2025;MP;\r\n{Nobody};HORS ADHERENTS;2025;AUTRE;\r\n";
        await gateway.PostCsvAsync("pst38-agent", "type=adherents&to=carsat-ra&purpose=ciblage", $"siret\r\n{Pst38Adherent}\r\n").IdAsync();
        // spsti-split sent its list to receive its sinistralité only: that list does not drive this split.
        await gateway.PostCsvAsync("spsti-split-agent", "type=adherents&to=carsat-ra&purpose=sinistralite", $"siret\r\n{SplitAdherent}\r\n").IdAsync();

        var first = await (await gateway.PostCsvAsync("carsat-ra-agent", "type=entreprises-forte-sinistralite&purpose=ciblage", csv)).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains("spsti-split", first.GetProperty("withoutAdherentsList").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(2, first.GetProperty("unmatched").GetInt64());
        var firstShares = first.GetProperty("distribution").EnumerateArray().ToDictionary(e => e.GetProperty("to").GetString()!, e => e);
        Assert.DoesNotContain("spsti-split", firstShares.Keys);
        Assert.Equal(1, firstShares["pst38"].GetProperty("rows").GetInt64());
        var pst38Id = firstShares["pst38"].GetProperty("datasetId").GetString()!;
        var text = await gateway.ContentAsync("pst38-agent", pst38Id, "ciblage");
        Assert.Contains(Pst38Adherent, text, StringComparison.Ordinal);
        Assert.DoesNotContain(SplitAdherent, text, StringComparison.Ordinal);
        Assert.DoesNotContain(Nobody, text, StringComparison.Ordinal);
        // spsti-split has received nothing of it.
        using (var split = gateway.ClientFor("spsti-split-agent"))
        {
            var inbox = await split.GetFromJsonAsync<JsonElement>("api/v1/inbox");
            Assert.DoesNotContain(inbox.GetProperty("datasets").EnumerateArray(), d => d.GetProperty("type").GetString() == "entreprises-forte-sinistralite");
        }

        // Once spsti-split sends its adherents for the ciblage, it receives its own row, and only it.
        await gateway.PostCsvAsync("spsti-split-agent", "type=adherents&to=carsat-ra&purpose=ciblage", $"siret\r\n{SplitAdherent}\r\n").IdAsync();
        var second = await (await gateway.PostCsvAsync("carsat-ra-agent", "type=entreprises-forte-sinistralite&purpose=ciblage", csv)).Content.ReadFromJsonAsync<JsonElement>();
        var shares = second.GetProperty("distribution").EnumerateArray().ToDictionary(e => e.GetProperty("to").GetString()!, e => e);
        Assert.Equal((1L, 1L), (shares["pst38"].GetProperty("rows").GetInt64(), shares["spsti-split"].GetProperty("rows").GetInt64()));
        Assert.Equal(1, second.GetProperty("unmatched").GetInt64());
        var splitText = await gateway.ContentAsync("spsti-split-agent", shares["spsti-split"].GetProperty("datasetId").GetString()!, "ciblage");
        Assert.Contains(SplitAdherent, splitText, StringComparison.Ordinal);
        Assert.DoesNotContain(Pst38Adherent, splitText, StringComparison.Ordinal);
        Assert.DoesNotContain(Nobody, splitText, StringComparison.Ordinal);
        // Another SPSTI cannot read P.S.T.38's share.
        using (var split = gateway.ClientFor("spsti-split-agent"))
        {
            Assert.Equal(HttpStatusCode.NotFound, (await split.GetAsync($"api/v1/datasets/{shares["pst38"].GetProperty("datasetId").GetString()}/content?purpose=ciblage")).StatusCode);
        }

        // Logged under both controllers: the caisse's upload and P.S.T.38's download.
        foreach (var dpo in new[] { "carsat-ra-dpo", "pst38-dpo" })
        {
            var entries = await gateway.LogEntriesAsync(dpo, pst38Id);
            Assert.Contains(entries, e => e.Summary() == "upload entreprises-forte-sinistralite allowed -");
            Assert.Contains(entries, e => e.Summary() == "download entreprises-forte-sinistralite allowed -");
        }
    }

    [Fact]
    public async Task ForteSinistralite_ForAnotherPurpose_OrToTheDreets_IsRefused()
    {
        var csv = Sample("entreprises-forte-sinistralite.csv");
        Assert.Equal("policy.purpose-not-allowed",
            (await (await gateway.PostCsvAsync("carsat-ra-agent", "type=entreprises-forte-sinistralite&purpose=sinistralite", csv)).ReadProblemAsync(HttpStatusCode.Forbidden)).Code());
        Assert.Equal("policy.direction-not-allowed",
            (await (await gateway.PostCsvAsync("pst38-agent", "type=entreprises-forte-sinistralite&to=carsat-ra&purpose=ciblage", csv)).ReadProblemAsync(HttpStatusCode.Forbidden)).Code());
    }

    // ---- part 4: cible-spsti and the comparison ----

    private async Task<JsonElement> CompareAsync(string identity, string contract, HttpStatusCode expected = HttpStatusCode.OK)
    {
        using var client = gateway.ClientFor(identity);
        using var response = await client.GetAsync($"api/v1/targeting/comparison?contract={contract}");
        if (expected != HttpStatusCode.OK)
        {
            return await response.ReadProblemAsync(expected);
        }
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private static string[] Sirets(JsonElement comparison, string part) =>
        [.. comparison.GetProperty(part).EnumerateArray().Select(c => c.GetProperty("siret").GetString()!)];

    [Fact]
    public async Task Comparison_ShowsBothCaisseOnlySpstiOnly_ToEitherParty_OfTheLatestListsInForce_AndIsLogged()
    {
        const string contract = "cpom-test-lists";
        const string ciblees = "siret;raison_sociale;programme;preventeur_nom;preventeur_email;preventeur_telephone;date_ciblage;statut\r\n";
        const string cible = "siret;raison_sociale;theme;motif;date_ciblage\r\n";
        const string a = "10433218419605", b = "01338908538633", c = "18495931003414", d = "31647525053410";
        await gateway.PostCsvAsync("spsti-lists-agent", "type=adherents&to=carsat-ra&purpose=ciblage", $"siret\r\n{a}\r\n{b}\r\n").IdAsync();
        var split = await (await gateway.PostCsvAsync("carsat-ra-agent", "type=entreprises-ciblees&purpose=ciblage",
            ciblees + $"{a};BOULANGERIE;RPS;Claire Morel;c.morel@carsat.example;02 00 00 00 01;15/01/2026;ciblee\r\n{b};TRANSPORTS;TMS_PROS;;;;;\r\n")).Content.ReadFromJsonAsync<JsonElement>();
        var caisseList = split.GetProperty("distribution").EnumerateArray().Single(e => e.GetProperty("to").GetString() == "spsti-lists").GetProperty("datasetId").GetString()!;
        var spstiList = await gateway.PostCsvAsync("spsti-lists-agent", "type=cible-spsti&to=carsat-ra&purpose=ciblage",
            cible + $"{b};TRANSPORTS;RPS;ALERTE_RPS;10/03/2026\r\n{c};MAÇONNERIE;RPS;;\r\n").IdAsync();
        // The caisse receives the SPSTI's list.
        Assert.Contains(c, await gateway.ContentAsync("carsat-ra-agent", spstiList, "ciblage"), StringComparison.Ordinal);

        foreach (var identity in new[] { "spsti-lists-agent", "carsat-ra-agent" })
        {
            var comparison = await CompareAsync(identity, contract);
            Assert.Equal(caisseList, comparison.GetProperty("caisseList").GetProperty("id").GetString());
            Assert.Equal(spstiList, comparison.GetProperty("spstiList").GetProperty("id").GetString());
            Assert.Equal([b], Sirets(comparison, "both"));
            Assert.Equal("TMS_PROS / RPS (ALERTE_RPS)", comparison.GetProperty("both")[0].GetProperty("detail").GetString());
            Assert.Equal([a], Sirets(comparison, "caisseOnly"));
            Assert.Equal([c], Sirets(comparison, "spstiOnly"));
        }

        // A newer list replaces the previous one; withdrawn, it is never read: the previous one is compared again.
        var newer = await gateway.PostCsvAsync("spsti-lists-agent", "type=cible-spsti&to=carsat-ra&purpose=ciblage", cible + $"{d};AIDE À DOMICILE;RPS;;\r\n").IdAsync();
        var withNewer = await CompareAsync("spsti-lists-agent", contract);
        Assert.Equal(newer, withNewer.GetProperty("spstiList").GetProperty("id").GetString());
        Assert.Equal([d], Sirets(withNewer, "spstiOnly"));
        Assert.Equal([b, a], Sirets(withNewer, "caisseOnly"));
        using (var lists = gateway.ClientFor("spsti-lists-agent"))
        {
            Assert.Equal(HttpStatusCode.OK, (await lists.DeleteAsync($"api/v1/datasets/{newer}")).StatusCode);
        }
        var afterWithdrawal = await CompareAsync("carsat-ra-agent", contract);
        Assert.Equal(spstiList, afterWithdrawal.GetProperty("spstiList").GetProperty("id").GetString());
        Assert.Equal([c], Sirets(afterWithdrawal, "spstiOnly"));
        Assert.DoesNotContain(d, afterWithdrawal.GetRawText(), StringComparison.Ordinal);

        // Every comparison reaches the log of the organisation that asked, naming both datasets, never a SIRET.
        var compared = await gateway.LogEntriesWhereAsync("spsti-lists-dpo", "action=targeting-comparison&outcome=allowed");
        Assert.Equal(4, compared.Count);
        Assert.Equal(2, compared.Count(e => e.GetProperty("dataset").GetString() == caisseList));
        Assert.Equal(1, compared.Count(e => e.GetProperty("dataset").GetString() == spstiList));
        Assert.Equal(1, compared.Count(e => e.GetProperty("dataset").GetString() == newer));
        Assert.All(compared, e => Assert.Equal((contract, "ciblage", "allowed"), (e.GetProperty("object").GetString(), e.GetProperty("purpose").GetString(), e.GetProperty("outcome").GetString())));
        var caisseEntries = await gateway.LogEntriesWhereAsync("carsat-ra-dpo", "action=targeting-comparison&outcome=allowed");
        Assert.Equal(4, caisseEntries.Count(e => e.GetProperty("object").GetString() == contract));
        Assert.DoesNotContain(caisseEntries, e => e.GetProperty("agent").GetString() == "spsti-lists-agent");
        foreach (var entry in compared.Concat(caisseEntries))
        {
            foreach (var siret in new[] { a, b, c, d })
            {
                Assert.DoesNotContain(siret, entry.GetRawText(), StringComparison.Ordinal);
            }
        }
    }

    [Theory]
    // The DREETS of the contract, an SPSTI of the same caisse under another contract, the dpo of a party.
    [InlineData("dreets-aura-agent", "cpom-test-lists", HttpStatusCode.Forbidden, "policy.comparison-not-party")]
    [InlineData("pst38-agent", "cpom-test-lists", HttpStatusCode.Forbidden, "policy.comparison-not-party")]
    [InlineData("spsti-lists-dpo", "cpom-test-lists", HttpStatusCode.Forbidden, "policy.role-not-allowed")]
    [InlineData("spsti-lists-agent", "cpom-inconnu", HttpStatusCode.BadRequest, "request.missing-parameter")]
    // Seed 001 does not name the SPSTI's own list.
    [InlineData("prevy-agent", "cpom-prevy-2025", HttpStatusCode.Forbidden, "policy.exchange-not-in-contract")]
    public async Task Comparison_ByAnyoneButTheContractsCaisseOrSpsti_IsRefused_AndLogged(string identity, string contract, HttpStatusCode status, string code)
    {
        var organisation = identity[..identity.LastIndexOf('-')];
        var dpo = organisation + "-dpo";
        var before = (await gateway.LogEntriesWhereAsync(dpo, "action=targeting-comparison&outcome=denied")).Count;
        var problem = await CompareAsync(identity, contract, status);
        Assert.Equal(code, problem.Code());
        var after = await gateway.LogEntriesWhereAsync(dpo, "action=targeting-comparison&outcome=denied");
        Assert.Equal(before + 1, after.Count);
        Assert.Contains(after, e => e.GetProperty("reason").GetString() == code && e.GetProperty("agent").GetString() == identity);
    }

    // ---- part 5: suite-alerte ----

    private const string SuiteHeader = "reference;siret;decision;programme;date;commentaire\r\n";

    [Fact]
    public async Task SuiteAlerte_AnswersOneAlertLine_ThatTheCaisseSeesInWhatItDownloads()
    {
        var alert = await gateway.PostCsvAsync("pst38-agent", "type=alertes-risque&to=carsat-ra&purpose=alerte-risque",
            Sample("alertes-risque.csv") + $"{Pst38Adherent};TMS;06/03/2026;;\r\n").IdAsync();
        // The caisse sees the reference of each alert line, in the first column.
        var alertText = await gateway.ContentAsync("carsat-ra-agent", alert, "alerte-risque");
        Assert.StartsWith("\uFEFFreference;siret;risque;date_alerte;medecin_travail_nom;commentaire\r\n", alertText, StringComparison.Ordinal);
        Assert.Contains($"\r\n{alert}:1;{Pst38Other};RPS;05/03/2026;", alertText, StringComparison.Ordinal);
        Assert.Contains($"\r\n{alert}:2;{Pst38Adherent};TMS;06/03/2026;", alertText, StringComparison.Ordinal);

        var suite = await gateway.PostCsvAsync("carsat-ra-agent", "type=suite-alerte&to=pst38&purpose=alerte-risque",
            Sample("suite-alerte.csv").Replace("<id de l'alerte>", alert, StringComparison.Ordinal)
            + $"{alert}:2;{Pst38Adherent};NON_RETENUE;;21/03/2026;\r\n").IdAsync();
        var text = await gateway.ContentAsync("pst38-agent", suite, "alerte-risque");
        Assert.Contains($"\r\n{alert}:1;{Pst38Other};A_L_ETUDE;RPS;20/03/2026;", text, StringComparison.Ordinal);
        Assert.Contains($"\r\n{alert}:2;{Pst38Adherent};NON_RETENUE;;21/03/2026;", text, StringComparison.Ordinal);
        foreach (var dpo in new[] { "carsat-ra-dpo", "pst38-dpo" })
        {
            var entries = await gateway.LogEntriesAsync(dpo, suite);
            Assert.Contains(entries, e => e.Summary() == "upload suite-alerte allowed -");
            Assert.Contains(entries, e => e.Summary() == "download suite-alerte allowed -");
        }
    }

    [Fact]
    public async Task SuiteAlerte_ThatAnswersNoLineOfAnAlertThisSpstiSentToThisCaisse_IsRefused()
    {
        var alert = await gateway.PostCsvAsync("pst38-agent", "type=alertes-risque&to=carsat-ra&purpose=alerte-risque", Sample("alertes-risque.csv")).IdAsync();
        var otherSpsti = await gateway.PostCsvAsync("spsti-lists-agent", "type=alertes-risque&to=carsat-ra&purpose=alerte-risque",
            $"siret;risque;date_alerte\r\n{ListsAdherent};RPS;05/03/2026\r\n").IdAsync();
        var otherCaisse = await gateway.PostCsvAsync("pst38-agent", "type=alertes-risque&to=caisse-lists&purpose=alerte-risque", Sample("alertes-risque.csv")).IdAsync();
        async Task<List<(long Line, string Code)>> RefusedAsync(string rows) =>
            await (await gateway.PostCsvAsync("carsat-ra-agent", "type=suite-alerte&to=pst38&purpose=alerte-risque", SuiteHeader + rows)).RowErrorsAsync();

        // The SIRET is not the one on that line.
        Assert.Equal([(2L, "minimisation.alerte-siret-mismatch")], await RefusedAsync($"{alert}:1;{Pst38Adherent};A_L_ETUDE;;20/03/2026;\r\n"));
        // A line that does not exist.
        Assert.Equal([(2L, "minimisation.unknown-alerte-line")], await RefusedAsync($"{alert}:2;{Pst38Other};A_L_ETUDE;;20/03/2026;\r\n"));
        // An alert of another SPSTI, sent to this caisse: not this SPSTI's.
        Assert.Equal([(2L, "minimisation.unknown-alerte")], await RefusedAsync($"{otherSpsti}:1;{ListsAdherent};A_L_ETUDE;;20/03/2026;\r\n"));
        // An alert of this SPSTI sent to another caisse.
        Assert.Equal([(2L, "minimisation.unknown-alerte")], await RefusedAsync($"{otherCaisse}:1;{Pst38Other};A_L_ETUDE;;20/03/2026;\r\n"));
        // A dataset that is no alert at all.
        var adherents = await gateway.PostCsvAsync("pst38-agent", "type=adherents&to=carsat-ra&purpose=ciblage", $"siret\r\n{Pst38Other}\r\n").IdAsync();
        Assert.Equal([(2L, "minimisation.unknown-alerte")], await RefusedAsync($"{adherents}:1;{Pst38Other};A_L_ETUDE;;20/03/2026;\r\n"));
        // The other caisse answers its own alert; the SPSTI cannot answer its own.
        Assert.Equal(HttpStatusCode.Created, (await gateway.PostCsvAsync("caisse-lists-agent", "type=suite-alerte&to=pst38&purpose=alerte-risque",
            SuiteHeader + $"{otherCaisse}:1;{Pst38Other};A_L_ETUDE;;20/03/2026;\r\n")).StatusCode);
        Assert.Equal("policy.direction-not-allowed", (await (await gateway.PostCsvAsync("pst38-agent", "type=suite-alerte&to=carsat-ra&purpose=alerte-risque",
            SuiteHeader + $"{alert}:1;{Pst38Other};A_L_ETUDE;;20/03/2026;\r\n")).ReadProblemAsync(HttpStatusCode.Forbidden)).Code());

        // A withdrawn alert is answered no more.
        using (var pst38 = gateway.ClientFor("pst38-agent"))
        {
            Assert.Equal(HttpStatusCode.OK, (await pst38.DeleteAsync($"api/v1/datasets/{alert}")).StatusCode);
        }
        Assert.Equal([(2L, "minimisation.unknown-alerte")], await RefusedAsync($"{alert}:1;{Pst38Other};A_L_ETUDE;;20/03/2026;\r\n"));
        // The refusals are logged under the caisse; nothing reached P.S.T.38.
        var denied = await gateway.LogEntriesWhereAsync("carsat-ra-dpo", "action=upload&exchange=suite-alerte&outcome=denied");
        Assert.Equal(6, denied.Count(e => e.GetProperty("agent").GetString() == "carsat-ra-agent"));
        using (var pst38 = gateway.ClientFor("pst38-agent"))
        {
            var inbox = await pst38.GetFromJsonAsync<JsonElement>("api/v1/inbox");
            Assert.Equal(["caisse-lists"], inbox.GetProperty("datasets").EnumerateArray().Where(d => d.GetProperty("type").GetString() == "suite-alerte")
                .Select(d => d.GetProperty("from").GetString()));
        }
    }
}

/// <summary>The upload's identifier straight from the call.</summary>
internal static class PendingCalls
{
    public static async Task<string> IdAsync(this Task<HttpResponseMessage> response)
    {
        using var answered = await response;
        return await answered.IdAsync();
    }
}
