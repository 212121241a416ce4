using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CpomExchange.Tests.Shared;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace CpomExchange.Gateway.Tests.Registre;

/// <summary>
/// The repository's policies, PREVY's contract amended from 1 March 2027 (avenant-1: the alerts on a priority
/// risk added, the list of actions removed), and a clock the test moves.
/// </summary>
public sealed class AmendedContractFixture : GatewayFixture
{
    private readonly TestPolicyFolder _policies = new TestPolicyFolder().Replace("contracts/cpom-prevy.yaml", "\nexchanges:\n", """

        avenants:
          - id: avenant-1
            title: "Avenant n° 1 : alertes sur un risque prioritaire"
            signed: 2027-02-10
            effective: 2027-03-01
            exchanges: [ { type: alertes-risque, purposes: [alerte-risque] } ]
            removeExchanges: [ actions-entreprises ]
        exchanges:

        """);

    /// <summary>The gateway's clock.</summary>
    public MovableClock Clock { get; } = new();

    protected override void Configure(WebApplicationBuilder builder)
    {
        _policies.Use(builder);
        builder.Services.AddSingleton<TimeProvider>(Clock);
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        _policies.Dispose();
    }
}

/// <summary>
/// An amendment with a future effective date changes the decisions from that day on, in the gateway's legal
/// time zone (Europe/Paris), end to end through HTTP (seed 004 art. 8; 001 art. 4): the day before, what it
/// adds is refused and what it removes allowed; from its first minute, the reverse.
/// </summary>
public sealed class AmendmentClockTests(AmendedContractFixture gateway) : IClassFixture<AmendedContractFixture>
{
    private const string Alert = "siret;risque;date_alerte;medecin_travail_nom;commentaire\n92832764283508;RPS;05/02/2027;Dr Anne Lefèvre;Alerte transmise à l'employeur\n";
    private const string Actions = "siret;type_action;theme;date_action;commentaire\n10433218419605;SENSIBILISATION;RISQUE_ROUTIER;14/01/2027;Atelier conduite et fatigue\n";
    private const string AlertQuery = "type=alertes-risque&to=carsat-lr&purpose=alerte-risque";
    private const string ActionsQuery = "type=actions-entreprises&to=carsat-lr&purpose=information-actions";

    [Fact]
    public async Task TheAmendment_ChangesTheDecisions_FromItsEffectiveDay_InParis()
    {
        // 28 February 2027, 23:30 in Paris (22:30 UTC): the contract as signed.
        gateway.Clock.Set(new DateTimeOffset(2027, 2, 28, 22, 30, 0, TimeSpan.Zero));
        using (var alert = await gateway.PostCsvAsync("prevy-agent", AlertQuery, Alert))
        {
            var problem = await alert.ReadProblemAsync(HttpStatusCode.Forbidden);
            Assert.Equal("policy.exchange-not-in-contract", problem.Code());
        }
        using (var actions = await gateway.PostCsvAsync("prevy-agent", ActionsQuery, Actions))
        {
            await actions.IdAsync();
        }
        Assert.DoesNotContain("alertes-risque", await RegistreExchangesAsync());

        // One hour later, 1 March 2027, 00:30 in Paris (23:30 UTC on 28 February): the contract as amended.
        gateway.Clock.Set(new DateTimeOffset(2027, 2, 28, 23, 30, 0, TimeSpan.Zero));
        string id;
        using (var alert = await gateway.PostCsvAsync("prevy-agent", AlertQuery, Alert))
        {
            id = await alert.IdAsync();
        }
        using (var actions = await gateway.PostCsvAsync("prevy-agent", ActionsQuery, Actions))
        {
            Assert.Equal("policy.exchange-not-in-contract", (await actions.ReadProblemAsync(HttpStatusCode.Forbidden)).Code());
        }
        // The caisse receives the alert under the amended contract.
        var metadata = await gateway.MetadataAsync("carsat-lr-agent", id);
        Assert.Equal("cpom-prevy-2025", metadata.GetProperty("contract").GetString());
        Assert.Contains("alertes-risque", await RegistreExchangesAsync());
    }

    /// <summary>The exchanges of PREVY's record of processing on the gateway's day.</summary>
    private async Task<List<string>> RegistreExchangesAsync()
    {
        using var client = gateway.ClientFor("prevy-dpo");
        var registre = await client.GetFromJsonAsync<JsonElement>("api/v1/registre?format=json");
        return registre.GetProperty("entries").EnumerateArray().Select(e => e.GetProperty("exchangeType").GetString()!).ToList();
    }
}
