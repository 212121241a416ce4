using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using CpomExchange.Infrastructure.Agents;
using CpomExchange.Infrastructure.Pki;
using CpomExchange.Tests.Shared;

namespace CpomExchange.Gateway.Tests;

/// <summary>
/// The annual follow-up table (seed 004 "Tableau de suivi annuel") drafted from what went through
/// the gateway, under the repository's seed contracts: exact figures for known uploads. Each test
/// works on its own contract (P.S.T.38, PREVY, SATM), so none sees another's uploads.
/// </summary>
public sealed class IndicatorsTests(GatewayFixture gateway) : IClassFixture<GatewayFixture>
{
    private const string Header = "annee;date_signature;date_fin;theme;indicateur;nombre;dont_suivis_caisse;commentaire";

    // Establishments of tests/Samples/adherents.csv.
    private const string S1 = "10433218419605", S2 = "01338908538633", S3 = "79402654223514", S4 = "16155940678166",
        S5 = "18495931003414", S6 = "31647525053410", S7 = "92832764283508";

    /// <summary>The year of the tables: this year in the gateway's time zone (Europe/Paris).</summary>
    private static readonly int Year = TimeZoneInfo.ConvertTime(DateTimeOffset.UtcNow, TimeZoneInfo.FindSystemTimeZoneById("Europe/Paris")).Year;

    internal static ByteArrayContent Csv(string text)
    {
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes(text));
        content.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        return content;
    }

    internal static async Task<JsonElement> UploadAsync(HttpClient client, string query, string csv)
    {
        var response = await client.PostAsync("api/v1/datasets?" + query, Csv(csv));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, body);
        using var doc = JsonDocument.Parse(body);
        return doc.RootElement.Clone();
    }

    private async Task<string> UploadAsync(string identity, string query, string csv)
    {
        using var client = gateway.ClientFor(identity);
        return (await UploadAsync(client, query, csv)).GetProperty("id").GetString()!;
    }

    /// <summary>A signalements file of <paramref name="count"/> people, with valid NIRs distinct per <paramref name="batch"/>.</summary>
    internal static string Signalements(int count, int batch)
    {
        var text = new StringBuilder("nir;nom;prenom;date_naissance;en_arret;consentement;date_consentement;emetteur_nom;emetteur_contact\r\n");
        for (var i = 0; i < count; i++)
        {
            var body = $"1850175{batch:D3}{i + 1:D3}";
            var key = 97 - (long.Parse(body, CultureInfo.InvariantCulture) % 97);
            text.Append(CultureInfo.InvariantCulture, $"{body}{key:D2};NOM{i};Prénom;01/02/1985;oui;oui;02/01/2026;Dr Lefèvre;cellule-pdp@spsti.example\r\n");
        }
        return text.ToString();
    }

    internal static async Task<(string[] Lines, HttpResponseMessage Response)> DraftAsync(HttpClient client, string contract, int year)
    {
        var response = await client.GetAsync($"api/v1/indicators?contract={contract}&year={year}");
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
        return (body.TrimStart('\uFEFF').Split("\r\n", StringSplitOptions.RemoveEmptyEntries), response);
    }

    private static string HeaderValue(HttpResponseMessage response, string name) => string.Join(",", response.Headers.GetValues(name));

    private async Task<HttpClient> AgentAndPdpAsync(string id, string organisation, string name, string siren)
    {
        // Not disposed: the client presents it for as long as it lives.
        var certificate = DevPki.IssueClientCertificate(gateway.Ca, id, name, siren, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(30));
        await using (var db = await gateway.OpenDatabaseAsync())
        {
            await AgentDirectory.RegisterIfAbsentAsync(db, id, "Agent et cellule PDP", organisation, ["agent", "pdp"], certificate);
        }
        return gateway.Client(certificate);
    }

    [Fact]
    public async Task Pst38_Table_CountsDistinctEstablishments_AsTheSeedsLegendSays_WithTheCarsatsTargets()
    {
        await UploadAsync("pst38-agent", "type=adherents&to=carsat-ra&purpose=ciblage",
            $"siret\r\n{S1}\r\n{S2}\r\n{S3}\r\n{S4}\r\n{S5}\r\n{S6}\r\n{S7}\r\n");
        // Region-wide: P.S.T.38 receives S3 and S7, its adherents ("dont ets suivis par la Caisse régionale").
        using (var carsat = gateway.ClientFor("carsat-ra-agent"))
        {
            var split = await UploadAsync(carsat, "type=entreprises-ciblees&purpose=ciblage",
                $"siret;programme\r\n{S3};RPS\r\n{S7};RPS\r\n16697848601840;CHUTES\r\n");
            Assert.Equal(2, split.GetProperty("distribution")[0].GetProperty("rows").GetInt64());
        }
        await UploadAsync("pst38-agent", "type=actions-entreprises&to=carsat-ra&purpose=information-actions",
            "siret;type_action;theme;date_action;commentaire\r\n"
            + $"{S1};FORMATION;RPS;01/01/{Year};\r\n"
            + $"{S1};FORMATION;RPS;15/03/{Year};la même entreprise, comptée une fois\r\n"
            + $"{S2};VISITE;RPS;10/02/{Year};\r\n"
            + $"{S3};MESURE;RPS;31/12/{Year};dernier jour de l'année\r\n"
            + $"{S3};ACCOMPAGNEMENT;PDP;05/05/{Year};\r\n"
            + $"{S4};ACCOMPAGNEMENT;PDP;31/12/{Year - 1};année précédente\r\n"
            + $"{S5};ACCOMPAGNEMENT;PDP;01/01/{Year + 1};année suivante\r\n"
            + $"{S7};SENSIBILISATION;PDP;12/06/{Year};\r\n"
            + $"{S6};COMMUNICATION;PDP;12/06/{Year};\r\n"
            + $"{S6};FORMATION;RISQUE_ROUTIER;12/06/{Year};hors des volets du contrat\r\n");
        // A file sent by mistake, then withdrawn: its actions never count.
        var mistake = await UploadAsync("pst38-agent", "type=actions-entreprises&to=carsat-ra&purpose=information-actions",
            $"siret;type_action;theme;date_action\r\n{S4};VISITE;PDP;02/02/{Year}\r\n{S7};FORMATION;PDP;02/02/{Year}\r\n");
        using (var pst38 = gateway.ClientFor("pst38-agent"))
        {
            Assert.Equal(HttpStatusCode.OK, (await pst38.DeleteAsync($"api/v1/datasets/{mistake}")).StatusCode);
        }
        // Signalements: 3 sent, 2 received; a withdrawn file is left out.
        await UploadAsync("pst38-pdp", "type=signalements-pdp&to=carsat-ra&purpose=pdp", Signalements(3, 1));
        await UploadAsync("carsat-ra-service-social", "type=signalements-pdp&to=pst38&purpose=pdp", Signalements(2, 2));
        var withdrawn = await UploadAsync("pst38-pdp", "type=signalements-pdp&to=carsat-ra&purpose=pdp", Signalements(4, 3));
        using (var pdp = gateway.ClientFor("pst38-pdp"))
        {
            Assert.Equal(HttpStatusCode.OK, (await pdp.DeleteAsync($"api/v1/datasets/{withdrawn}")).StatusCode);
        }

        var dates = "30/07/2025;29/07/2030";
        string[] pdpRows =
        [
            $"{Year};{dates};PDP;ETABLISSEMENTS_FORMES;0;0;",
            $"{Year};{dates};PDP;ETABLISSEMENTS_ACCOMPAGNES;1;1;",   // S3 (targeted); S4 withdrawn file, other years not counted
            $"{Year};{dates};PDP;ETABLISSEMENTS_COMMUNICATION;2;1;", // S6, S7 (targeted, SENSIBILISATION)
        ];
        string[] signalementRows = [$"{Year};{dates};PDP;SIGNALEMENTS_EMIS;3;;", $"{Year};{dates};PDP;SIGNALEMENTS_RECUS;2;;"];
        string[] rpsRows =
        [
            $"{Year};{dates};RPS;ETABLISSEMENTS_FORMES;1;0;",        // S1 twice
            $"{Year};{dates};RPS;ETABLISSEMENTS_ACCOMPAGNES;2;1;",   // S2 (VISITE), S3 (MESURE on 31/12, targeted)
            $"{Year};{dates};RPS;ETABLISSEMENTS_COMMUNICATION;0;0;",
        ];

        // An agent of P.S.T.38 who is also in its cellule PDP gets the whole table.
        using (var both = await AgentAndPdpAsync("pst38-agent-pdp", "pst38", "P.S.T.38", "999000102"))
        {
            var (lines, response) = await DraftAsync(both, "cpom-pst38-2025", Year);
            // Then the contract's own 26 indicators (cpom-pst38.yaml): nothing of theirs was sent here.
            Assert.Equal([Header, .. pdpRows, .. signalementRows, .. rpsRows], lines.Take(9));
            Assert.Equal(9 + 26, lines.Length);
            Assert.Contains($"{Year};{dates};PDP;RETOURS_SERVICE_SOCIAL;0;;", lines);
            Assert.Equal("etablissements, signalements", HeaderValue(response, "Cpom-Sections"));
            Assert.Equal("1", HeaderValue(response, "Cpom-Excluded-Files"));
            Assert.Equal("1", HeaderValue(response, "Cpom-Outside-Volets"));
        }
        // An agent: the establishments, never counts drawn from health data.
        using (var agent = gateway.ClientFor("pst38-agent"))
        {
            var (lines, response) = await DraftAsync(agent, "cpom-pst38-2025", Year);
            Assert.Equal([Header, .. pdpRows, .. rpsRows], lines.Take(7));
            Assert.Equal(7 + 25, lines.Length); // the contract's indicators but the one counted from health data
            Assert.DoesNotContain(lines, l => l.Contains("RETOURS_SERVICE_SOCIAL", StringComparison.Ordinal));
            Assert.Equal("etablissements", HeaderValue(response, "Cpom-Sections"));

            // The draft, comments written, is what the DREETS receives.
            var sent = await UploadAsync(agent, "type=indicateurs&to=dreets-aura&purpose=indicateurs", string.Join("\r\n", lines) + "\r\n");
            Assert.Equal(31, sent.GetProperty("rows").GetInt64());
        }
        // The cellule PDP: the signalements only.
        using (var pdp = gateway.ClientFor("pst38-pdp"))
        {
            var (lines, response) = await DraftAsync(pdp, "cpom-pst38-2025", Year);
            Assert.Equal([Header, .. signalementRows, $"{Year};{dates};PDP;RETOURS_SERVICE_SOCIAL;0;;"], lines);
            Assert.Equal("signalements", HeaderValue(response, "Cpom-Sections"));
        }
        // Each draft is logged under P.S.T.38 and under the Carsat, whose targets and signalements it counted.
        foreach (var dpo in new[] { "pst38-dpo", "carsat-ra-dpo" })
        {
            using var client = gateway.ClientFor(dpo);
            var entries = await client.GetFromJsonAsync<JsonElement>("api/v1/audit/entries?action=indicators-draft&outcome=allowed");
            Assert.Equal(3, entries.GetProperty("total").GetInt64());
        }
    }

    [Fact]
    public async Task Prevy_ActionsReachTheDreets_Seed001Art7_AndEachEstablishmentIsCountedOnce()
    {
        await UploadAsync("prevy-agent", "type=adherents&to=carsat-lr&purpose=ciblage", $"siret\r\n{S1}\r\n{S2}\r\n{S3}\r\n");
        using (var carsat = gateway.ClientFor("carsat-lr-agent"))
        {
            await UploadAsync(carsat, "type=entreprises-ciblees&to=prevy&purpose=ciblage", $"siret;programme\r\n{S2};TMS_PROS\r\n");
        }
        var actions = "siret;type_action;theme;date_action\r\n"
            + $"{S1};FORMATION;RISQUE_ROUTIER;14/01/{Year}\r\n"
            + $"{S2};FORMATION;RISQUE_ROUTIER;14/01/{Year}\r\n"
            + $"{S2};VISITE;PDP;20/01/{Year}\r\n";
        // 001 art. 7: "informer les cocontractants des actions menées en entreprises": the CARSAT and the DREETS.
        await UploadAsync("prevy-agent", "type=actions-entreprises&to=carsat-lr&purpose=information-actions", actions);
        var toDreets = await UploadAsync("prevy-agent", "type=actions-entreprises&to=dreets-occitanie&purpose=information-actions", actions);
        using (var dreets = gateway.ClientFor("dreets-occitanie-agent"))
        {
            var content = await dreets.GetStringAsync($"api/v1/datasets/{toDreets}/content?purpose=information-actions");
            Assert.Contains($"{S2};VISITE;PDP;20/01/{Year}", content, StringComparison.Ordinal);
        }

        using var agent = gateway.ClientFor("prevy-agent");
        var (lines, response) = await DraftAsync(agent, "cpom-prevy-2025", Year);
        var dates = "22/01/2025;22/01/2030";
        Assert.Equal(
        [
            Header,
            $"{Year};{dates};PDP;ETABLISSEMENTS_FORMES;0;0;",
            $"{Year};{dates};PDP;ETABLISSEMENTS_ACCOMPAGNES;1;1;",
            $"{Year};{dates};PDP;ETABLISSEMENTS_COMMUNICATION;0;0;",
            $"{Year};{dates};RISQUE_ROUTIER;ETABLISSEMENTS_FORMES;2;1;", // two copies of one file, each establishment once
            $"{Year};{dates};RISQUE_ROUTIER;ETABLISSEMENTS_ACCOMPAGNES;0;0;",
            $"{Year};{dates};RISQUE_ROUTIER;ETABLISSEMENTS_COMMUNICATION;0;0;",
        ], lines);
        Assert.Equal("0", HeaderValue(response, "Cpom-Excluded-Files"));

        // PREVY's contract names no signalement exchange: its cellule PDP has nothing to draft.
        using var pdp = gateway.ClientFor("prevy-pdp");
        var refused = await pdp.GetAsync($"api/v1/indicators?contract=cpom-prevy-2025&year={Year}");
        Assert.Equal("policy.role-not-allowed", (await refused.ReadProblemAsync(HttpStatusCode.Forbidden)).Code());
    }

    [Theory]
    [InlineData("pst38-dpo", "cpom-pst38-2025", 0, HttpStatusCode.Forbidden, "policy.role-not-allowed")]
    [InlineData("carsat-ra-agent", "cpom-pst38-2025", 0, HttpStatusCode.Forbidden, "policy.role-not-allowed")]
    [InlineData("prevy-agent", "cpom-pst38-2025", 0, HttpStatusCode.Forbidden, "policy.role-not-allowed")]
    [InlineData("dreets-aura-agent", "cpom-pst38-2025", 0, HttpStatusCode.Forbidden, "policy.role-not-allowed")]
    [InlineData("satm-agent", "cpom-satm-2025", -2, HttpStatusCode.BadRequest, "report.year-not-covered")]  // 2024: before the contract
    [InlineData("pst38-agent", "cpom-pst38-2025", 1, HttpStatusCode.BadRequest, "report.year-not-covered")] // next year: not begun
    [InlineData("pst38-agent", "cpom-nowhere", 0, HttpStatusCode.BadRequest, "request.missing-parameter")]
    public async Task Draft_IsRefused_WithItsCode(string identity, string contract, int yearOffset, HttpStatusCode status, string code)
    {
        var year = yearOffset == -2 ? 2024 : Year + yearOffset;
        using var client = gateway.ClientFor(identity);
        var response = await client.GetAsync($"api/v1/indicators?contract={contract}&year={year}");
        Assert.Equal(code, (await response.ReadProblemAsync(status)).Code());
    }

    [Fact]
    public async Task Satm_Signalements_BothWays_CountOnlyForThePdpCell()
    {
        await UploadAsync("satm-pdp", "type=signalements-pdp&to=carsat-pdl&purpose=pdp", Signalements(2, 4));
        await UploadAsync("carsat-pdl-service-social", "type=signalements-pdp&to=satm&purpose=pdp", Signalements(1, 5));
        var dates = "27/03/2025;26/03/2029";
        using (var pdp = gateway.ClientFor("satm-pdp"))
        {
            var (lines, _) = await DraftAsync(pdp, "cpom-satm-2025", Year);
            Assert.Equal([Header, $"{Year};{dates};PDP;SIGNALEMENTS_EMIS;2;;", $"{Year};{dates};PDP;SIGNALEMENTS_RECUS;1;;"], lines);
        }
        using var agent = gateway.ClientFor("satm-agent");
        var (agentLines, _) = await DraftAsync(agent, "cpom-satm-2025", Year);
        Assert.Equal(10 + 12, agentLines.Length); // header + 3 volets × 3 indicators + the contract's own 12 (cpom-satm.yaml), all typed
        Assert.DoesNotContain(agentLines, l => l.Contains("SIGNALEMENTS", StringComparison.Ordinal));
        Assert.Equal($"{Year};{dates};RADON;ETABLISSEMENTS_FORMES;0;0;", agentLines[4]);
    }
}
