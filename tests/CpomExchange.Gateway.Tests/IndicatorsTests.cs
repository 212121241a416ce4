using System.Net;
using System.Net.Http.Headers;
using System.Text;
using CpomExchange.Tests.Shared;

namespace CpomExchange.Gateway.Tests;

/// <summary>The annual follow-up table drafted from what went through the gateway.</summary>
public sealed class IndicatorsTests(TwoSpstiFixture gateway) : IClassFixture<TwoSpstiFixture>
{
    private async Task PostAsync(string identity, string query, string csv)
    {
        using var client = gateway.ClientFor(identity);
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes(csv));
        content.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        var response = await client.PostAsync("api/v1/datasets?" + query, content);
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Draft_CountsActions_AndThoseAmongTheCaissesTargets_ThenTheDreetsReceivesOnlyAggregates()
    {
        await PostAsync("spsti-test-agent", "type=adherents&to=carsat-ra&purpose=ciblage", "siret\r\n10433218419605\r\n01338908538633\r\n");
        await PostAsync("carsat-ra-agent", "type=entreprises-ciblees&to=spsti-test&purpose=ciblage",
            "siret;programme\r\n10433218419605;TMS_PROS\r\n");
        await PostAsync("spsti-test-agent", "type=actions-entreprises&to=carsat-ra&purpose=information-actions",
            "siret;type_action;theme;date_action;commentaire\r\n"
            + "10433218419605;FORMATION;PDP;14/01/2026;\r\n"
            + "01338908538633;FORMATION;PDP;02/02/2026;\r\n"
            + "01338908538633;ACCOMPAGNEMENT;PDP;10/02/2026;\r\n"
            + "01338908538633;COMMUNICATION;PDP;10/02/2025;année précédente\r\n");

        using var spsti = gateway.ClientFor("spsti-test-agent");
        var draft = await spsti.GetStringAsync("api/v1/indicators?contract=cpom-test-only&year=2026");
        var lines = draft.TrimStart('\uFEFF').Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("annee;theme;nb_formes;nb_formes_suivis_caisse;nb_accompagnes;nb_accompagnes_suivis_caisse;nb_communication;nb_communication_suivis_caisse;nb_signalements_emis;nb_signalements_recus;commentaire", lines[0]);
        Assert.StartsWith("2026;PDP;2;1;1;0;0;0;0;0;", lines[1], StringComparison.Ordinal);

        // The SPSTI corrects and sends it: the DREETS receives the aggregates, and nothing else.
        await PostAsync("spsti-test-agent", "type=indicateurs&to=dreets-aura&purpose=indicateurs", string.Join("\r\n", lines) + "\r\n");
        using var dreets = gateway.ClientFor("dreets-aura-agent");
        var inbox = await dreets.GetStringAsync("api/v1/inbox");
        Assert.Contains("\"type\":\"indicateurs\"", inbox, StringComparison.Ordinal);
        Assert.DoesNotContain("\"type\":\"actions-entreprises\"", inbox, StringComparison.Ordinal);

        // Only an agent of the contract's SPSTI drafts it.
        using var other = gateway.ClientFor("pst38-agent");
        Assert.Equal(HttpStatusCode.Forbidden, (await other.GetAsync("api/v1/indicators?contract=cpom-test-only&year=2026")).StatusCode);
    }
}
