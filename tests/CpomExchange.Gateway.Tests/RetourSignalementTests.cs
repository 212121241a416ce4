using System.Net;
using CpomExchange.Tests.Shared;

namespace CpomExchange.Gateway.Tests;

/// <summary>
/// A retour answers one person (DOMAIN.md 7): each row names a person of a signalement addressed to
/// its sender, by the reference the gateway gave that person's row.
/// </summary>
public sealed class RetourSignalementTests(GatewayFixture gateway) : IClassFixture<GatewayFixture>
{
    [Fact]
    public async Task EachPersonOfASignalement_IsDelivered_WithTheReferenceTheGatewayGaveTheirRow()
    {
        var persons = Signalements.Persons(1, 3);
        var id = await (await gateway.PostCsvAsync("pst38-pdp", "type=signalements-pdp&to=carsat-ra&purpose=pdp", Signalements.File(persons))).IdAsync();
        Assert.Equal(Signalements.Delivered(id, persons, 1, 2, 3), await gateway.ContentAsync("carsat-ra-service-social", id, "pdp"));
        Assert.Equal(3, (await gateway.MetadataAsync("pst38-pdp", id)).GetProperty("rows").GetInt64());
    }

    [Fact]
    public async Task Retour_AnswersOnePersonPerRow_AndAPersonNotInTheSignalementIsRefused_WithItsLine()
    {
        var persons = Signalements.Persons(2, 2);
        var id = await (await gateway.PostCsvAsync("pst38-pdp", "type=signalements-pdp&to=carsat-ra&purpose=pdp", Signalements.File(persons))).IdAsync();
        const string query = "type=retour-signalement&to=pst38&purpose=pdp";

        // One status per person.
        var retour = await (await gateway.PostCsvAsync("carsat-ra-service-social", query,
            Signalements.RetourHeader + $"{id}:1;PRIS_EN_CHARGE;20/01/2026;Premier entretien\r\n{id}:2;ORIENTE;21/01/2026;\r\n")).IdAsync();
        Assert.Equal("\uFEFF" + Signalements.RetourHeader + $"{id}:1;PRIS_EN_CHARGE;20/01/2026;Premier entretien\r\n{id}:2;ORIENTE;21/01/2026;\r\n",
            await gateway.ContentAsync("pst38-pdp", retour, "pdp"));

        // The signalement has two persons: a third is nobody's retour; nothing of the file is kept.
        var refused = await gateway.PostCsvAsync("carsat-ra-service-social", query,
            Signalements.RetourHeader + $"{id}:1;CLOS;22/01/2026;\r\n{id}:3;CLOS;22/01/2026;\r\n");
        Assert.Equal([(3L, "minimisation.unknown-person")], await refused.RowErrorsAsync());

        // A whole file is not an answer to one person.
        var whole = await gateway.PostCsvAsync("carsat-ra-service-social", query, Signalements.RetourHeader + $"{id};CLOS;22/01/2026;\r\n");
        Assert.Equal([(2L, "csv.bad-reference")], await whole.RowErrorsAsync());

        // A person of a signalement addressed to someone else.
        var elsewhere = await (await gateway.PostCsvAsync("cist971-pdp", "type=signalements-pdp&to=cgss-guadeloupe&purpose=pdp", Signalements.File(persons))).IdAsync();
        var foreign = await gateway.PostCsvAsync("carsat-ra-service-social", query, Signalements.RetourHeader + $"{elsewhere}:1;CLOS;22/01/2026;\r\n");
        Assert.Equal([(2L, "minimisation.unknown-signalement")], await foreign.RowErrorsAsync());
    }

    [Fact]
    public async Task Retour_ToAWithdrawnSignalement_IsRefused()
    {
        var persons = Signalements.Persons(3, 1);
        var id = await (await gateway.PostCsvAsync("pst38-pdp", "type=signalements-pdp&to=carsat-ra&purpose=pdp", Signalements.File(persons))).IdAsync();
        using (var pdp = gateway.ClientFor("pst38-pdp"))
        {
            Assert.Equal(HttpStatusCode.OK, (await pdp.DeleteAsync($"api/v1/datasets/{id}")).StatusCode);
        }
        var refused = await gateway.PostCsvAsync("carsat-ra-service-social", "type=retour-signalement&to=pst38&purpose=pdp",
            Signalements.RetourHeader + $"{id}:1;CLOS;22/01/2026;\r\n");
        Assert.Equal([(2L, "minimisation.unknown-signalement")], await refused.RowErrorsAsync());
    }
}
