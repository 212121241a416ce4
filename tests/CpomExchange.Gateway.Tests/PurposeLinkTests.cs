using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CpomExchange.Tests.Shared;
using Microsoft.AspNetCore.Builder;

namespace CpomExchange.Gateway.Tests;

/// <summary>
/// The repository's policies plus three test SPSTI of the Carsat Rhône-Alpes whose contracts open the
/// <c>adherents</c> list for both its purposes (the sinistralité and the ciblage), the sinistralité,
/// the targeted companies and their follow-up. One SPSTI per test, so that no test sees another's lists.
/// </summary>
public sealed class PurposeLinksFixture : GatewayFixture
{
    private readonly TestPolicyFolder _policies = Build();

    private static TestPolicyFolder Build()
    {
        var folder = new TestPolicyFolder();
        foreach (var (id, siren) in new[] { ("spsti-liens-a", "999000144"), ("spsti-liens-b", "999000151"), ("spsti-liens-c", "999000169") })
        {
            folder.AddSpsti(id, siren).Contract("test-" + id, $$"""
                id: cpom-test-{{id}}
                title: Contrat de test (une liste d'adhérents pour deux finalités)
                parties: { spsti: {{id}}, caisse: carsat-ra, dreets: dreets-aura }
                term: { start: 2025-01-01, end: 2029-12-31 }
                volets:
                  - { code: PDP, label: Prévention de la désinsertion professionnelle }
                exchanges:
                  - { type: adherents, purposes: [sinistralite, ciblage] }
                  - { type: sinistralite, purposes: [sinistralite] }
                  - { type: entreprises-ciblees, purposes: [ciblage] }
                  - { type: suivi-entreprises, purposes: [ciblage] }
                """);
        }
        return folder;
    }

    protected override void Configure(WebApplicationBuilder builder) => _policies.Use(builder);

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        _policies.Dispose();
    }
}

/// <summary>
/// Links between datasets respect the purpose they were sent for (RGPD art. 5(1)(b)): a list sent to
/// receive targeted companies is never answered with accident statistics, and a list sent for the
/// sinistralité never decides which targeted companies an SPSTI receives.
/// </summary>
public sealed class PurposeLinkTests(PurposeLinksFixture gateway) : IClassFixture<PurposeLinksFixture>
{
    private const string Sinistralite = "siret;annee;effectif;nb_at;nb_at_trajet;nb_mp;journees_it;nb_ip;nb_deces;indice_frequence;taux_gravite;code_risque;ctn\r\n";
    private const string Ciblees = "siret;raison_sociale;programme;preventeur_nom;preventeur_email;preventeur_telephone;date_ciblage;statut\r\n";

    private static string CibleeRow(string siret) => $"{siret};ÉTABLISSEMENT {siret};TMS_PROS;Claire Morel;c.morel@carsat.example;02 00 00 00 01;15/01/2026;ciblee\r\n";

    [Fact]
    public async Task Sinistralite_AnsweringAListSentForCiblage_IsRefused_UnderBothControllers_AndAListSentForSinistraliteIsAnswered()
    {
        var siret = TestSirets.From(310_000_000).First();
        var forCiblage = await (await gateway.PostCsvAsync("spsti-liens-a-agent", "type=adherents&to=carsat-ra&purpose=ciblage", $"siret\r\n{siret}\r\n")).IdAsync();

        var refused = await gateway.PostCsvAsync("carsat-ra-agent", $"type=sinistralite&to=spsti-liens-a&purpose=sinistralite&replyTo={forCiblage}",
            Sinistralite + $"{siret};2025;48;9;0;0;212;0;0;187,5;2,7;602MB;C\r\n");
        var problem = await refused.ReadProblemAsync(HttpStatusCode.Forbidden);
        Assert.Equal("minimisation.link-purpose", problem.Code());
        Assert.Contains("« ciblage »", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);

        // Logged as a refusal under the caller (the caisse) and the owner of the list (the SPSTI), nothing stored.
        string[] expected = ["upload adherents allowed -", "upload sinistralite denied minimisation.link-purpose"];
        Assert.Equal(expected, (await gateway.LogEntriesAsync("carsat-ra-dpo", forCiblage)).Select(e => e.Summary()).Order(StringComparer.Ordinal));
        Assert.Equal(expected, (await gateway.LogEntriesAsync("spsti-liens-a-dpo", forCiblage)).Select(e => e.Summary()).Order(StringComparer.Ordinal));
        using (var spsti = gateway.ClientFor("spsti-liens-a-agent"))
        {
            var inbox = await spsti.GetFromJsonAsync<JsonElement>("api/v1/inbox");
            Assert.DoesNotContain(inbox.GetProperty("datasets").EnumerateArray(), d => d.GetProperty("type").GetString() == "sinistralite");
        }

        // The reverse: a list sent for the sinistralité is answered.
        var forSinistralite = await (await gateway.PostCsvAsync("spsti-liens-a-agent", "type=adherents&to=carsat-ra&purpose=sinistralite", $"siret\r\n{siret}\r\n")).IdAsync();
        var answer = await (await gateway.PostCsvAsync("carsat-ra-agent", $"type=sinistralite&to=spsti-liens-a&purpose=sinistralite&replyTo={forSinistralite}",
            Sinistralite + $"{siret};2025;48;9;0;0;212;0;0;187,5;2,7;602MB;C\r\n")).IdAsync();
        Assert.Contains($"\r\n{siret};2025;48;9;", await gateway.ContentAsync("spsti-liens-a-agent", answer, "sinistralite"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Split_FollowsTheLatestListSentForCiblage_NeverALaterOneSentForSinistralite()
    {
        var sirets = TestSirets.From(320_000_000).Take(2).ToArray();
        var (targeted, other) = (sirets[0], sirets[1]);
        await (await gateway.PostCsvAsync("spsti-liens-b-agent", "type=adherents&to=carsat-ra&purpose=ciblage", $"siret\r\n{targeted}\r\n")).IdAsync();
        // Sent later, for the sinistralité: it must not replace the list sent for the ciblage.
        await (await gateway.PostCsvAsync("spsti-liens-b-agent", "type=adherents&to=carsat-ra&purpose=sinistralite", $"siret\r\n{other}\r\n")).IdAsync();

        var share = await ShareAsync("spsti-liens-b", Ciblees + CibleeRow(targeted) + CibleeRow(other));
        Assert.Equal(1, share.GetProperty("rows").GetInt64());
        var text = await gateway.ContentAsync("spsti-liens-b-agent", share.GetProperty("datasetId").GetString()!, "ciblage");
        Assert.Contains($"\r\n{targeted};", text, StringComparison.Ordinal);
        Assert.DoesNotContain(other, text, StringComparison.Ordinal);

        // The reverse: a new list sent for the ciblage does drive the next split.
        await (await gateway.PostCsvAsync("spsti-liens-b-agent", "type=adherents&to=carsat-ra&purpose=ciblage", $"siret\r\n{other}\r\n")).IdAsync();
        share = await ShareAsync("spsti-liens-b", Ciblees + CibleeRow(targeted) + CibleeRow(other));
        text = await gateway.ContentAsync("spsti-liens-b-agent", share.GetProperty("datasetId").GetString()!, "ciblage");
        Assert.Equal(1, share.GetProperty("rows").GetInt64());
        Assert.Contains($"\r\n{other};", text, StringComparison.Ordinal);
        Assert.DoesNotContain(targeted, text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Split_ToAnSpstiThatSentOnlyAListForSinistralite_SendsItNothing()
    {
        var siret = TestSirets.From(330_000_000).First();
        await (await gateway.PostCsvAsync("spsti-liens-c-agent", "type=adherents&to=carsat-ra&purpose=sinistralite", $"siret\r\n{siret}\r\n")).IdAsync();
        var response = await gateway.PostCsvAsync("carsat-ra-agent", "type=entreprises-ciblees&purpose=ciblage", Ciblees + CibleeRow(siret));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var split = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains("spsti-liens-c", split.GetProperty("withoutAdherentsList").EnumerateArray().Select(e => e.GetString()));
        Assert.DoesNotContain(split.GetProperty("distribution").EnumerateArray(), s => s.GetProperty("to").GetString() == "spsti-liens-c");
        Assert.Equal(1, split.GetProperty("unmatched").GetInt64());
    }

    private async Task<JsonElement> ShareAsync(string spsti, string csv)
    {
        var response = await gateway.PostCsvAsync("carsat-ra-agent", "type=entreprises-ciblees&purpose=ciblage", csv);
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        var split = await response.Content.ReadFromJsonAsync<JsonElement>();
        return split.GetProperty("distribution").EnumerateArray().Single(s => s.GetProperty("to").GetString() == spsti);
    }
}

/// <summary>
/// A catalogue where the linked exchanges serve a second purpose (a test-only widening): P.S.T.38's
/// contract opens the targeted companies, their follow-up and the signalements for <c>alerte-risque</c>
/// too, and the targeted companies are sent to one SPSTI (no split), so that datasets of each purpose exist.
/// </summary>
public sealed class SecondPurposeFixture : GatewayFixture
{
    private readonly TestPolicyFolder _policies = new TestPolicyFolder()
        .Replace("exchanges.yaml", "    purposes: [ciblage]\n    category: entreprise\n    retentionDays: 730\n    minimisation:\n      # Each SPSTI",
            "    purposes: [ciblage, alerte-risque]\n    category: entreprise\n    retentionDays: 730\n    minimisation:\n      # Each SPSTI")
        .Replace("exchanges.yaml", "does not drive this split).\n      - { rule: recipient-adherents, exchange: adherents, purpose: ciblage }\n",
            "does not drive this split).\n      []\n")
        .Replace("exchanges.yaml", "    purposes: [ciblage]\n    category: entreprise\n    retentionDays: 730\n    minimisation:\n      # Only SIRETs",
            "    purposes: [ciblage, alerte-risque]\n    category: entreprise\n    retentionDays: 730\n    minimisation:\n      # Only SIRETs")
        .Replace("exchanges.yaml", "    purposes: [pdp]\n    category: sante\n    retentionDays: 180\n    # The gateway writes",
            "    purposes: [pdp, alerte-risque]\n    category: sante\n    retentionDays: 180\n    # The gateway writes")
        .Replace("contracts/cpom-pst38.yaml", "  - { type: entreprises-ciblees, purposes: [ciblage] }", "  - { type: entreprises-ciblees, purposes: [ciblage, alerte-risque] }")
        .Replace("contracts/cpom-pst38.yaml", "  - { type: suivi-entreprises, purposes: [ciblage] }", "  - { type: suivi-entreprises, purposes: [ciblage, alerte-risque] }")
        .Replace("contracts/cpom-pst38.yaml", "  - { type: signalements-pdp, purposes: [pdp], controllers: joint,", "  - { type: signalements-pdp, purposes: [pdp, alerte-risque], controllers: joint,");

    protected override void Configure(WebApplicationBuilder builder) => _policies.Use(builder);

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        _policies.Dispose();
    }
}

/// <summary>The other links, each resolving only datasets sent for the purpose the catalogue names for it.</summary>
public sealed class SecondPurposeLinkTests(SecondPurposeFixture gateway) : IClassFixture<SecondPurposeFixture>
{
    private const string Ciblees = "siret;raison_sociale;programme;preventeur_nom;preventeur_email;preventeur_telephone;date_ciblage;statut\r\n";
    private const string Suivi = "siret;medecin_travail_nom;medecin_travail_contact;fiche_entreprise_date;interventions;date_derniere_intervention\r\n";

    [Fact]
    public async Task Suivi_OfACompanyTargetedOnlyForAnotherPurpose_IsRefused_AndTargetedForCiblage_IsAccepted()
    {
        var siret = TestSirets.From(340_000_000).First();
        var row = $"{siret};ÉTABLISSEMENT;TMS_PROS;Claire Morel;c.morel@carsat.example;02 00 00 00 01;15/01/2026;ciblee\r\n";
        await (await gateway.PostCsvAsync("carsat-ra-agent", "type=entreprises-ciblees&to=pst38&purpose=alerte-risque", Ciblees + row)).IdAsync();
        var suivi = Suivi + $"{siret};Dr Anne Lefèvre;a.lefevre@spsti.example;12/09/2024;Étude de poste;20/02/2026\r\n";

        Assert.Equal([(2L, "minimisation.not-targeted")], await (await gateway.PostCsvAsync("pst38-agent", "type=suivi-entreprises&to=carsat-ra&purpose=ciblage", suivi)).RowErrorsAsync());

        await (await gateway.PostCsvAsync("carsat-ra-agent", "type=entreprises-ciblees&to=pst38&purpose=ciblage", Ciblees + row)).IdAsync();
        await (await gateway.PostCsvAsync("pst38-agent", "type=suivi-entreprises&to=carsat-ra&purpose=ciblage", suivi)).IdAsync();
    }

    [Fact]
    public async Task Suivi_SentForAnotherPurposeThanItsLink_IsRefused()
    {
        var siret = TestSirets.From(350_000_000).First();
        await (await gateway.PostCsvAsync("carsat-ra-agent", "type=entreprises-ciblees&to=pst38&purpose=alerte-risque",
            Ciblees + $"{siret};ÉTABLISSEMENT;TMS_PROS;Claire Morel;c.morel@carsat.example;02 00 00 00 01;15/01/2026;ciblee\r\n")).IdAsync();
        // The contract allows the follow-up for alerte-risque, but its link only ever uses targets sent for the ciblage.
        var refused = await gateway.PostCsvAsync("pst38-agent", "type=suivi-entreprises&to=carsat-ra&purpose=alerte-risque",
            Suivi + $"{siret};Dr Anne Lefèvre;a.lefevre@spsti.example;12/09/2024;Étude de poste;20/02/2026\r\n");
        Assert.Equal("minimisation.link-purpose", (await refused.ReadProblemAsync(HttpStatusCode.Forbidden)).Code());
    }

    [Fact]
    public async Task Retour_ToASignalementSentForAnotherPurpose_IsRefused_AndToOneSentForPdp_IsAccepted()
    {
        var file = await File.ReadAllTextAsync(Path.Combine(GatewayFixture.SamplesDirectory, "signalements-pdp.csv"));
        var other = await (await gateway.PostCsvAsync("pst38-pdp", "type=signalements-pdp&to=carsat-ra&purpose=alerte-risque", file)).IdAsync();
        var pdp = await (await gateway.PostCsvAsync("pst38-pdp", "type=signalements-pdp&to=carsat-ra&purpose=pdp", file)).IdAsync();
        const string header = "reference;statut;date;commentaire\r\n";

        var refused = await gateway.PostCsvAsync("carsat-ra-service-social", "type=retour-signalement&to=pst38&purpose=pdp",
            header + $"{pdp}:1;PRIS_EN_CHARGE;20/01/2026;\r\n{other}:1;PRIS_EN_CHARGE;20/01/2026;\r\n");
        Assert.Equal([(3L, "minimisation.link-purpose")], await refused.RowErrorsAsync());
        // Refused under both controllers: the service social that tried, the SPSTI whose signalement it named.
        foreach (var dpo in new[] { "carsat-ra-dpo", "pst38-dpo" })
        {
            Assert.Equal(["upload retour-signalement denied csv.invalid-file"],
                (await gateway.LogEntriesWhereAsync(dpo, "action=upload&exchange=retour-signalement&outcome=denied")).Select(e => e.Summary()));
        }
        await (await gateway.PostCsvAsync("carsat-ra-service-social", "type=retour-signalement&to=pst38&purpose=pdp",
            header + $"{pdp}:1;PRIS_EN_CHARGE;20/01/2026;\r\n")).IdAsync();
    }
}
