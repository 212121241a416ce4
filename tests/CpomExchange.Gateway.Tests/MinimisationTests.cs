using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using CpomExchange.Tests.Shared;
using Microsoft.AspNetCore.Builder;

namespace CpomExchange.Gateway.Tests;

/// <summary>
/// The repository's policies plus a test-only SPSTI, « spsti-test », in contract with the Carsat
/// Rhône-Alpes beside P.S.T.38: one caisse, two SPSTI, so that a region-wide file must be split.
/// </summary>
public sealed class TwoSpstiFixture : GatewayFixture
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
            "  - id: spsti-test\n    kind: SPSTI\n    name: SPSTI de test\n    siren: \"999000136\"\n");
        File.WriteAllText(Path.Combine(_policies, "contracts", "test-only.yaml"), """
            id: cpom-test-only
            title: Contrat de test (deux SPSTI pour une caisse)
            parties: { spsti: spsti-test, caisse: carsat-ra, dreets: dreets-aura }
            term: { start: 2025-01-01, end: 2029-12-31 }
            volets:
              - { code: PDP, label: Prévention de la désinsertion professionnelle }
            exchanges:
              - { type: adherents, purposes: [ciblage] }
              - { type: entreprises-ciblees, purposes: [ciblage] }
              - { type: suivi-entreprises, purposes: [ciblage] }
              - { type: actions-entreprises, purposes: [information-actions] }
              - { type: indicateurs, purposes: [indicateurs] }
            """);
        builder.Configuration["Cpom:Policies"] = _policies;
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        Directory.Delete(_policies, recursive: true);
    }
}

/// <summary>The minimisation rules: what each party may receive, enforced at upload.</summary>
public sealed class MinimisationTests(TwoSpstiFixture gateway) : IClassFixture<TwoSpstiFixture>
{
    private static ByteArrayContent Csv(string text)
    {
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes(text));
        content.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        return content;
    }

    private static string Sample(string name) => File.ReadAllText(Path.Combine(GatewayFixture.SamplesDirectory, name));

    private async Task<HttpResponseMessage> PostAsync(string identity, string query, string csv)
    {
        using var client = gateway.ClientFor(identity);
        return await client.PostAsync("api/v1/datasets?" + query, Csv(csv));
    }

    private static async Task<string> IdAsync(HttpResponseMessage response)
    {
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
    }

    private static async Task<List<(long Line, string Code)>> ErrorsAsync(HttpResponseMessage response)
    {
        var problem = await response.ReadProblemAsync(HttpStatusCode.UnprocessableEntity);
        return problem.GetProperty("errors").EnumerateArray().Select(e => (e.GetProperty("line").GetInt64(), e.GetProperty("code").GetString()!)).ToList();
    }

    [Fact]
    public async Task Sinistralite_AnswersOneAdherentsDataset_ForeignSiretsAreRefused()
    {
        var adherents = await IdAsync(await PostAsync("prevy-agent", "type=adherents&to=carsat-lr&purpose=sinistralite", Sample("adherents.csv")));

        var missing = await PostAsync("carsat-lr-agent", "type=sinistralite&to=prevy&purpose=sinistralite", Sample("sinistralite.csv"));
        Assert.Equal("minimisation.reply-to-required", (await missing.ReadProblemAsync(HttpStatusCode.BadRequest)).Code());

        var foreign = Sample("sinistralite.csv") + "16697848601840;2025;40;1;0;0;10;0;0;25,0;0,2;602MB;C\r\n";
        var refused = await PostAsync("carsat-lr-agent", $"type=sinistralite&to=prevy&purpose=sinistralite&replyTo={adherents}", foreign);
        Assert.Equal([(5L, "minimisation.not-in-reply")], await ErrorsAsync(refused));

        var created = await PostAsync("carsat-lr-agent", $"type=sinistralite&to=prevy&purpose=sinistralite&replyTo={adherents}", Sample("sinistralite.csv"));
        var id = await IdAsync(created);
        using var prevy = gateway.ClientFor("prevy-agent");
        var metadata = await prevy.GetFromJsonAsync<JsonElement>($"api/v1/datasets/{id}");
        Assert.Equal(adherents, metadata.GetProperty("replyTo").GetString());
        // The sample's small counts (MaskingTests covers the rule): 3 accidents with 1 on the way (<5, <5,
        // and their rate, days and severity), then 9 accidents shown with 2, 3, 1 masked, then 2 accidents
        // with 1 MP (<5, <5 and the three that give them back): 5 + 3 + 5.
        Assert.Equal(13, metadata.GetProperty("maskedCells").GetInt64());
        var text = await prevy.GetStringAsync($"api/v1/datasets/{id}/content?purpose=sinistralite");
        Assert.Contains("\r\n01338908538633;2025;48;<5;<5;0;secret;0;0;secret;secret;602MB;C\r\n", text, StringComparison.Ordinal);
        Assert.Contains("\r\n79402654223514;2025;95;9;<5;<5;1480;<5;0;94,7;8,9;853AA;H\r\n", text, StringComparison.Ordinal);
        Assert.Contains("\r\n92832764283508;2025;62;<5;0;<5;secret;0;0;secret;secret;521DC;D\r\n", text, StringComparison.Ordinal);

        // A reply to someone else's list is refused.
        var other = await PostAsync("carsat-pdl-agent", $"type=sinistralite&to=satm&purpose=sinistralite&replyTo={adherents}", Sample("sinistralite.csv"));
        Assert.Equal("minimisation.reply-to-invalid", (await other.ReadProblemAsync(HttpStatusCode.BadRequest)).Code());
    }

    [Fact]
    public async Task EntreprisesCiblees_AreSplitBetweenTheSpstiOfTheCaisse_EachReceivingOnlyItsAdherents()
    {
        const string header = "siret;raison_sociale;programme;preventeur_nom;preventeur_email;preventeur_telephone;date_ciblage;statut\r\n";
        const string pst38Row = "79402654223514;EHPAD;TMS_PROS;Claire Morel;c.morel@carsat.example;02 00 00 00 01;15/01/2026;ciblee\r\n";
        const string testRow = "10433218419605;BOULANGERIE;RPS;Paul Girard;p.girard@carsat.example;02 00 00 00 02;03/02/2026;suivie\r\n";
        const string nobodyRow = "16697848601840;HORS ADHERENTS;CHUTES;Paul Girard;p.girard@carsat.example;02 00 00 00 02;03/02/2026;ciblee\r\n";

        await IdAsync(await PostAsync("pst38-agent", "type=adherents&to=carsat-ra&purpose=ciblage", "siret\r\n79402654223514\r\n92832764283508\r\n"));

        // spsti-test has not sent its adherents yet: it receives nothing, and the caisse is told.
        var first = await PostAsync("carsat-ra-agent", "type=entreprises-ciblees&purpose=ciblage", header + pst38Row + testRow + nobodyRow);
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        var split = await first.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(["spsti-test"], split.GetProperty("withoutAdherentsList").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(2, split.GetProperty("unmatched").GetInt64());
        var share = Assert.Single(split.GetProperty("distribution").EnumerateArray());
        Assert.Equal(("pst38", 1L), (share.GetProperty("to").GetString(), share.GetProperty("rows").GetInt64()));

        await IdAsync(await PostAsync("spsti-test-agent", "type=adherents&to=carsat-ra&purpose=ciblage", "siret\r\n10433218419605\r\n"));
        var second = await (await PostAsync("carsat-ra-agent", "type=entreprises-ciblees&purpose=ciblage", header + pst38Row + testRow + nobodyRow))
            .Content.ReadFromJsonAsync<JsonElement>();
        var shares = second.GetProperty("distribution").EnumerateArray().ToDictionary(e => e.GetProperty("to").GetString()!, e => e.GetProperty("rows").GetInt64());
        Assert.Equal(new Dictionary<string, long> { ["pst38"] = 1, ["spsti-test"] = 1 }, shares);
        Assert.Equal(1, second.GetProperty("unmatched").GetInt64());
        Assert.Empty(second.GetProperty("withoutAdherentsList").EnumerateArray());

        foreach (var (spsti, mine, notMine) in new[] { ("pst38", "79402654223514", "10433218419605"), ("spsti-test", "10433218419605", "79402654223514") })
        {
            var id = second.GetProperty("distribution").EnumerateArray().Single(e => e.GetProperty("to").GetString() == spsti).GetProperty("datasetId").GetString();
            using var client = gateway.ClientFor(spsti + "-agent");
            var text = await client.GetStringAsync($"api/v1/datasets/{id}/content?purpose=ciblage");
            Assert.Contains(mine, text, StringComparison.Ordinal);
            Assert.DoesNotContain(notMine, text, StringComparison.Ordinal);
            Assert.DoesNotContain("16697848601840", text, StringComparison.Ordinal);
        }

        // In return, the SPSTI follows up only what the caisse targeted and sent to it.
        const string suiviHeader = "siret;medecin_travail_nom;medecin_travail_contact;fiche_entreprise_date;interventions;date_derniere_intervention\r\n";
        Assert.Equal(HttpStatusCode.Created, (await PostAsync("pst38-agent", "type=suivi-entreprises&to=carsat-ra&purpose=ciblage",
            suiviHeader + "79402654223514;Dr Anne Lefèvre;a.lefevre@spsti.example;12/09/2024;Étude de poste;20/02/2026\r\n")).StatusCode);
        var notTargeted = await PostAsync("pst38-agent", "type=suivi-entreprises&to=carsat-ra&purpose=ciblage",
            suiviHeader + "10433218419605;Dr Anne Lefèvre;a.lefevre@spsti.example;12/09/2024;Étude de poste;20/02/2026\r\n");
        Assert.Equal([(2L, "minimisation.not-targeted")], await ErrorsAsync(notTargeted));
        // Medical columns are not in the schema: refused as unknown columns.
        var medical = await PostAsync("pst38-agent", "type=suivi-entreprises&to=carsat-ra&purpose=ciblage",
            "siret;medecin_travail_nom;aptitude\r\n79402654223514;Dr Anne Lefèvre;inapte\r\n");
        Assert.Contains(await ErrorsAsync(medical), e => e.Code == "csv.unknown-column");
    }

    [Fact]
    public async Task RetourSignalement_MustAnswerASignalementAddressedToTheSender()
    {
        var signalement = await IdAsync(await PostAsync("cist971-pdp", "type=signalements-pdp&to=cgss-guadeloupe&purpose=pdp", Sample("signalements-pdp.csv")));
        const string header = "reference;statut;date;commentaire\r\n";
        Assert.Equal(HttpStatusCode.Created, (await PostAsync("cgss-guadeloupe-service-social", "type=retour-signalement&to=cist971&purpose=pdp",
            header + $"{signalement}:1;PRIS_EN_CHARGE;20/01/2026;Premier entretien\r\n")).StatusCode);

        var unknown = await PostAsync("cgss-guadeloupe-service-social", "type=retour-signalement&to=cist971&purpose=pdp",
            header + "ds_0123456789abcdef0123456789abcdef:1;CLOS;20/01/2026;\r\n");
        Assert.Equal([(2L, "minimisation.unknown-signalement")], await ErrorsAsync(unknown));

        // The cellule PDP cannot "answer" its own signalement: it was not addressed to it.
        var own = await PostAsync("cist971-pdp", "type=retour-signalement&to=cgss-guadeloupe&purpose=pdp",
            header + $"{signalement}:1;CLOS;20/01/2026;\r\n");
        Assert.Equal([(2L, "minimisation.unknown-signalement")], await ErrorsAsync(own));
    }
}
