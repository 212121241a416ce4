using System.Net;
using System.Text.Json;
using CpomExchange.Tests.Shared;

namespace CpomExchange.Gateway.Tests;

/// <summary><c>GET /api/v1/me</c>: what the caller may do under the contracts in force.</summary>
public sealed class MeTests(GatewayFixture gateway) : IClassFixture<GatewayFixture>
{
    private async Task<JsonElement> MeAsync(string identity)
    {
        using var client = gateway.ClientFor(identity);
        var response = await client.GetAsync("api/v1/me");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return doc.RootElement.Clone();
    }

    private static List<(string Type, string Counterpart, string Actions, string Purposes)> Exchanges(JsonElement me) =>
        me.GetProperty("contracts").EnumerateArray().SelectMany(c => c.GetProperty("exchanges").EnumerateArray()).Select(x => (
            x.GetProperty("type").GetString()!,
            x.GetProperty("counterpart").GetString()!,
            string.Join(",", x.GetProperty("actions").EnumerateArray().Select(a => a.GetString())),
            string.Join(",", x.GetProperty("purposes").EnumerateArray().Select(p => p.GetProperty("code").GetString())))).ToList();

    [Fact]
    public async Task PrevyAgent_SeesItsContractAndWhatItMaySend()
    {
        var me = await MeAsync("prevy-agent");
        Assert.Equal("prevy-agent", me.GetProperty("agent").GetProperty("id").GetString());
        Assert.Equal("prevy", me.GetProperty("organisation").GetProperty("id").GetString());
        Assert.Equal("cpom-prevy-2025", Assert.Single(me.GetProperty("contracts").EnumerateArray()).GetProperty("id").GetString());
        var exchanges = Exchanges(me);
        Assert.Contains(("adherents", "carsat-lr", "send", "ciblage,sinistralite"), exchanges);
        // 001 art. 7: the actions in companies go to both cocontractants.
        Assert.Contains(("actions-entreprises", "dreets-occitanie", "send", "information-actions"), exchanges);
        Assert.Contains(("sinistralite", "carsat-lr", "list,download", "sinistralite"), exchanges);
        Assert.Contains(("indicateurs", "dreets-occitanie", "send", "indicateurs"), exchanges);
        Assert.DoesNotContain(exchanges, x => x.Type == "signalements-pdp");
        var purpose = me.GetProperty("contracts")[0].GetProperty("exchanges")[0].GetProperty("purposes")[0];
        Assert.Contains("RGPD", purpose.GetProperty("legalBasis").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task PdpCell_SeesOnlySignalements()
    {
        // Both ways with the service social of its caisse, for the purpose pdp; nothing with the DEETS.
        Assert.Equal(
        [
            ("signalements-pdp", "cgss-guadeloupe", "send,list,download,withdraw-consent", "pdp"),
            ("retour-signalement", "cgss-guadeloupe", "send,list,download", "pdp"),
        ], Exchanges(await MeAsync("cist971-pdp")));
    }

    [Fact]
    public async Task Dreets_OnlyReceivesIndicators_AndSendsItsStatistics()
    {
        // Seed 004: the Dreets's E.S.E. and health-at-work statistics to both partners; it receives
        // none of the Carsat's statistics (no seed says so).
        Assert.Equal(
        [
            ("indicateurs", "pst38", "list,download", "indicateurs"),
            ("statistiques-dreets", "carsat-ra", "send", "diagnostic"),
            ("statistiques-dreets", "pst38", "send", "diagnostic"),
        ], Exchanges(await MeAsync("dreets-aura-agent")).Order().ToList());
    }

    [Fact]
    public async Task DreetsOccitanie_ReceivesTheIndicators_AndTheActionsInCompanies_Seed001Art7()
    {
        var exchanges = Exchanges(await MeAsync("dreets-occitanie-agent")).Order().ToList();
        Assert.Equal(
        [
            ("actions-entreprises", "carsat-lr", "list,download", "information-actions"),
            ("actions-entreprises", "prevy", "list,download", "information-actions"),
            // 001 art. 11: the committee's decisions and the final review, among the three parties.
            ("document", "carsat-lr", "send,list,download", "documents-cpom"),
            ("document", "prevy", "send,list,download", "documents-cpom"),
            ("indicateurs", "prevy", "list,download", "indicateurs"),
            // Seed 001: "données statistiques ... détenues par la DREETS", to both partners.
            ("statistiques-dreets", "carsat-lr", "send", "diagnostic"),
            ("statistiques-dreets", "prevy", "send", "diagnostic"),
        ], exchanges);
    }

    [Theory]
    [InlineData("prevy-dpo")]
    [InlineData("carsat-ra-dpo")]
    public async Task Dpo_HasNoDataExchange(string identity) => Assert.Empty(Exchanges(await MeAsync(identity)));

    [Fact]
    public async Task Admin_HasNoOrganisation()
    {
        var me = await MeAsync("admin");
        Assert.Equal(JsonValueKind.Null, me.GetProperty("organisation").ValueKind);
        Assert.Empty(me.GetProperty("contracts").EnumerateArray());
    }
}
