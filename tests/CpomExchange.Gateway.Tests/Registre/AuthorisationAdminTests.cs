using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CpomExchange.Infrastructure.Agents;
using CpomExchange.Infrastructure.Pki;
using CpomExchange.Infrastructure.PolicyHistory;
using CpomExchange.Infrastructure.Storage;
using CpomExchange.Rules.Policies;
using CpomExchange.Tests.Shared;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace CpomExchange.Gateway.Tests.Registre;

/// <summary>
/// POST /api/v1/admin/authorisations: an administrator records a disclosure to a third party (seed 001
/// art. 8). Once recorded it allows the disclosure at the next request, is logged under every controller
/// concerned, appears in the registre, the policy history and its diff; whatever is refused (another
/// organisation's administrator, a non-administrator, bad or overlapping dates, health data, a reference
/// used twice) writes nothing. Each test works on a third party no other test of the class authorises.
/// </summary>
public sealed class AuthorisationAdminTests(GatewayFixture gateway) : IClassFixture<GatewayFixture>
{
    private const string Adherents = "siret\n10433218419605\n";
    private static readonly DateOnly Today = DateOnly.FromDateTime(DateTime.UtcNow);

    private static object Proposal(string reference, string to, DateOnly date, DateOnly until, string contract = "cpom-pst38-2025", string from = "pst38",
        string[]? exchanges = null, string purpose = "ciblage") => new
        {
            reference,
            date = Day(date),
            until = Day(until),
            contract,
            from,
            to,
            exchanges = exchanges ?? ["adherents"],
            purpose,
            note = "Courriers signés par les trois directeurs",
        };

    private static string Day(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private async Task<HttpResponseMessage> PostAsync(string identity, object proposal)
    {
        using var client = gateway.ClientFor(identity);
        return await client.PostAsJsonAsync("api/v1/admin/authorisations", proposal);
    }

    private async Task<List<JsonElement>> VersionsAsync()
    {
        using var client = gateway.ClientFor("admin");
        var answer = await client.GetFromJsonAsync<JsonElement>("api/v1/policy/versions?org=pst38");
        return answer.GetProperty("versions").EnumerateArray().ToList();
    }

    [Fact]
    public async Task AnAuthorisation_AllowsTheDisclosureAtOnce_IsLoggedUnderEveryController_AndShowsInTheRegistreAndTheHistory()
    {
        const string query = "type=adherents&to=carsat-pdl&purpose=ciblage";
        using (var refused = await gateway.PostCsvAsync("pst38-agent", query, Adherents))
        {
            Assert.Equal("policy.no-contract", (await refused.ReadProblemAsync(HttpStatusCode.Forbidden)).Code());
        }
        var before = await VersionsAsync();
        const string reference = "PST38/CARSAT-PDL 2026-11";

        using var response = await PostAsync("admin", Proposal(reference, "carsat-pdl", Today.AddDays(-3), Today.AddYears(1)));
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        var added = await response.Content.ReadFromJsonAsync<JsonElement>();
        var hash = added.GetProperty("policy").GetString()!;
        Assert.Equal(["carsat-pdl", "carsat-ra", "dreets-aura", "pst38"], added.GetProperty("loggedUnder").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("admin", added.GetProperty("addedBy").GetString());
        Assert.Equal(hash, gateway.Services.GetRequiredService<PolicySet>().Hash);

        // Every controller concerned: the contract's three parties and the third party, each entry naming the new policy.
        foreach (var dpo in new[] { "pst38-dpo", "carsat-ra-dpo", "dreets-aura-dpo", "carsat-pdl-dpo" })
        {
            var entries = (await gateway.LogEntriesWhereAsync(dpo, "action=admin-change&agent=admin")).Where(e => e.GetProperty("object").GetString() == "autorisation " + reference).ToList();
            var entry = Assert.Single(entries);
            Assert.Equal(("allowed", hash, "carsat-pdl", "ciblage"),
                (entry.GetProperty("outcome").GetString(), entry.GetProperty("policy").GetString(), entry.GetProperty("counterpart").GetString(), entry.GetProperty("purpose").GetString()));
        }
        Assert.DoesNotContain(await gateway.LogEntriesWhereAsync("prevy-dpo", "action=admin-change&agent=admin"),
            e => e.GetProperty("object").GetString() == "autorisation " + reference);

        // In force for the next decision, logged under the policy that allowed it.
        using (var allowed = await gateway.PostCsvAsync("pst38-agent", query, Adherents))
        {
            var id = await allowed.IdAsync();
            var upload = Assert.Single(await gateway.LogEntriesAsync("carsat-pdl-dpo", id));
            Assert.Equal(("upload", hash), (upload.GetProperty("action").GetString(), upload.GetProperty("policy").GetString()));
        }

        // The history: one more version, deployed by the administrator; the diff shows the entry added and nothing removed.
        var after = await VersionsAsync();
        Assert.Equal(before.Count + 1, after.Count);
        Assert.Equal((hash, "admin"), (after[^1].GetProperty("hash").GetString(), after[^1].GetProperty("deployedBy").GetString()));
        using var dpoClient = gateway.ClientFor("pst38-dpo");
        var diff = await dpoClient.GetFromJsonAsync<JsonElement>($"api/v1/policy/diff?from={before[^1].GetProperty("hash").GetString()}&to={hash}");
        var file = Assert.Single(diff.GetProperty("files").EnumerateArray());
        Assert.Equal(PolicyFiles.AdministeredFile, file.GetProperty("file").GetString());
        var lines = file.GetProperty("lines").EnumerateArray().Select(l => l.GetString()!).ToList();
        Assert.Contains($"+  - reference: \"{reference}\"", lines);
        Assert.Contains("+    from: \"pst38\"", lines);
        Assert.DoesNotContain(lines, l => l.StartsWith('-'));

        // The third party's record of processing lists what it receives, and under which authorisation.
        using var thirdParty = gateway.ClientFor("carsat-pdl-dpo");
        var registre = await thirdParty.GetFromJsonAsync<JsonElement>("api/v1/registre?format=json");
        var received = Assert.Single(registre.GetProperty("entries").EnumerateArray(), e => e.GetProperty("disclosure").ValueKind == JsonValueKind.String);
        Assert.Equal(("adherents", "recipient"), (received.GetProperty("exchangeType").GetString(), received.GetProperty("role").GetString()));
        Assert.Contains(reference, received.GetProperty("disclosure").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("pst38-agent")]
    [InlineData("pst38-dpo")]
    [InlineData("carsat-lr-service-social")]
    public async Task ANonAdministrator_IsRefused_AndNothingIsWritten(string identity)
    {
        var before = await VersionsAsync();
        using var response = await PostAsync(identity, Proposal("PST38/CGSS " + identity, "cgss-guadeloupe", Today, Today.AddYears(1)));
        Assert.Equal("policy.role-not-allowed", (await response.ReadProblemAsync(HttpStatusCode.Forbidden)).Code());
        Assert.Equal(before.Count, (await VersionsAsync()).Count);
        using var agent = gateway.ClientFor("pst38-agent");
        using var refused = await agent.PostAsync("api/v1/datasets?type=adherents&to=cgss-guadeloupe&purpose=ciblage", Calls.Csv(Adherents));
        Assert.Equal("policy.no-contract", (await refused.ReadProblemAsync(HttpStatusCode.Forbidden)).Code());
    }

    [Fact]
    public async Task AnotherOrganisationsAdministrator_CannotAuthoriseTheDisclosureOfItsData_AndTheAttemptIsLoggedForTheOwner()
    {
        // An administrator of Carsat Pays de la Loire (a real admin, of another organisation) tries to open P.S.T.38's adherents to itself.
        using var certificate = DevPki.IssueClientCertificate(gateway.Ca, "carsat-pdl-admin", "Carsat Pays de la Loire", "999000086",
            DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(30));
        await using (var db = await gateway.OpenDatabaseAsync())
        {
            await AgentDirectory.RegisterIfAbsentAsync(db, "carsat-pdl-admin", "Administrateur Carsat PdL", "carsat-pdl", [Roles.Admin], certificate);
        }
        var before = await VersionsAsync();
        using var attacker = gateway.Client(certificate);
        using var response = await attacker.PostAsJsonAsync("api/v1/admin/authorisations", Proposal("PST38/CARSAT-PDL pirate", "carsat-pdl", Today, Today.AddYears(1), exchanges: ["entreprises-ciblees", "adherents"]));
        var problem = await response.ReadProblemAsync(HttpStatusCode.Forbidden);
        Assert.Equal("authorisation.not-discloser", problem.Code());
        Assert.Equal(before.Count, (await VersionsAsync()).Count);
        var logged = (await gateway.LogEntriesWhereAsync("pst38-dpo", "action=admin-change&agent=carsat-pdl-admin")).Select(e => e.Summary()).ToList();
        Assert.Equal(["admin-change  denied authorisation.not-discloser"], logged);
        // Its own organisation's data it may open (it signed those letters): refused only for what the rules refuse.
        using var own = await attacker.PostAsJsonAsync("api/v1/admin/authorisations",
            Proposal("CARSAT-PDL/PST38 2026", "pst38", Today, Today.AddYears(1), contract: "cpom-satm-2025", from: "carsat-pdl", exchanges: ["sinistralite"], purpose: "sinistralite"));
        Assert.Equal("authorisation.invalid", (await own.ReadProblemAsync(HttpStatusCode.BadRequest)).Code());
    }

    public static TheoryData<string, string, object, HttpStatusCode, string, string> Invalid => new()
    {
        { "fin avant début", "until", Proposal("INV-1", "cist971", Today.AddDays(10), Today.AddDays(5)), HttpStatusCode.BadRequest, "authorisation.bad-dates", "Période inversée" },
        { "déjà échue", "until", Proposal("INV-2", "cist971", Today.AddYears(-2), Today.AddDays(-1)), HttpStatusCode.BadRequest, "authorisation.bad-dates", "a pris fin le" },
        { "date illisible", "date", new { reference = "INV-3", date = "05/02/2026", until = "2030-01-01", contract = "cpom-pst38-2025", from = "pst38", to = "cist971", exchanges = new[] { "adherents" }, purpose = "ciblage" },
            HttpStatusCode.BadRequest, "authorisation.invalid", "Date « date » manquante ou invalide" },
        { "données de santé", "exchanges", Proposal("INV-4", "cist971", Today, Today.AddYears(1), exchanges: ["signalements-pdp"], purpose: "pdp"),
            HttpStatusCode.BadRequest, "authorisation.invalid", "concernant leur santé (RGPD art. 9)" },
        { "partie au contrat", "to", Proposal("INV-5", "carsat-ra", Today, Today.AddYears(1)), HttpStatusCode.BadRequest, "authorisation.invalid", "ce n'est pas un tiers" },
        { "contrat inconnu", "contract", Proposal("INV-6", "cist971", Today, Today.AddYears(1), contract: "cpom-inconnu"), HttpStatusCode.BadRequest, "authorisation.invalid", "Contrat « cpom-inconnu » inconnu" },
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public async Task AnInvalidAuthorisation_IsRefusedWithItsCode_AndNothingIsWritten(string why, string field, object proposal, HttpStatusCode status, string code, string detail)
    {
        var before = await VersionsAsync();
        using var response = await PostAsync("admin", proposal);
        var problem = await response.ReadProblemAsync(status);
        Assert.True(code == problem.Code(), $"{why} ({field}): {problem}");
        Assert.Contains(detail, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(before.Count, (await VersionsAsync()).Count);
        using var admin = gateway.ClientFor("admin");
        var list = await admin.GetFromJsonAsync<JsonElement>("api/v1/admin/authorisations");
        Assert.DoesNotContain(list.GetProperty("authorisations").EnumerateArray(), a => a.GetProperty("to").GetString() == "cist971");
    }

    [Fact]
    public async Task AnOverlappingAuthorisation_OrAReferenceUsedTwice_IsRefused_ALaterOneIsRecorded()
    {
        var first = Today.AddDays(-1);
        using (var recorded = await PostAsync("admin", Proposal("PST38/CARSAT-LR 2026-A", "carsat-lr", first, first.AddDays(60))))
        {
            Assert.Equal(HttpStatusCode.Created, recorded.StatusCode);
        }
        var before = await VersionsAsync();
        using (var overlap = await PostAsync("admin", Proposal("PST38/CARSAT-LR 2026-B", "carsat-lr", first.AddDays(60), first.AddDays(400))))
        {
            var problem = await overlap.ReadProblemAsync(HttpStatusCode.Conflict);
            Assert.Equal("authorisation.overlap", problem.Code());
            Assert.Contains("« PST38/CARSAT-LR 2026-A »", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }
        using (var twice = await PostAsync("admin", Proposal("PST38/CARSAT-LR 2026-A", "carsat-lr", first.AddDays(100), first.AddDays(400))))
        {
            Assert.Equal("authorisation.duplicate-reference", (await twice.ReadProblemAsync(HttpStatusCode.Conflict)).Code());
        }
        Assert.Equal(before.Count, (await VersionsAsync()).Count);
        using (var later = await PostAsync("admin", Proposal("PST38/CARSAT-LR 2026-C", "carsat-lr", first.AddDays(61), first.AddDays(400))))
        {
            Assert.Equal(HttpStatusCode.Created, later.StatusCode);
        }
        using var admin = gateway.ClientFor("admin");
        var list = await admin.GetFromJsonAsync<JsonElement>("api/v1/admin/authorisations");
        Assert.Equal(["PST38/CARSAT-LR 2026-A", "PST38/CARSAT-LR 2026-C"],
            list.GetProperty("authorisations").EnumerateArray().Where(a => a.GetProperty("to").GetString() == "carsat-lr").Select(a => a.GetProperty("reference").GetString()));
    }

    [Fact]
    public async Task AnotherInstance_AppliesTheAuthorisation_WhenItRereadsTheHistory()
    {
        await using var second = await gateway.CreateInstanceAsync();
        await second.StartAsync();
        var address = new Uri(second.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/') + "/");
        using var agent = GatewayFixture.CreateClient(gateway.DevDirectory, address, gateway.Identity("pst38-agent"));
        const string query = "api/v1/datasets?type=adherents&to=satm&purpose=ciblage";
        using (var refused = await agent.PostAsync(query, Calls.Csv(Adherents)))
        {
            // Between two SPSTI, without an authorisation: the catalogue's direction refuses it.
            Assert.Equal("policy.direction-not-allowed", (await refused.ReadProblemAsync(HttpStatusCode.Forbidden)).Code());
        }
        using (var recorded = await PostAsync("admin", Proposal("PST38/SATM 2026", "satm", Today, Today.AddYears(1))))
        {
            Assert.Equal(HttpStatusCode.Created, recorded.StatusCode);
        }
        // What its background job does every few seconds, done now.
        await using (var scope = second.Services.CreateAsyncScope())
        {
            Assert.Empty(await second.Services.GetRequiredService<PolicyState>().RefreshAsync(scope.ServiceProvider.GetRequiredService<CpomDbContext>()));
        }
        Assert.Equal(gateway.Services.GetRequiredService<PolicySet>().Hash, second.Services.GetRequiredService<PolicySet>().Hash);
        using (var allowed = await agent.PostAsync(query, Calls.Csv(Adherents)))
        {
            await allowed.IdAsync();
        }
        await second.StopAsync();
    }

    [Fact]
    public async Task TheAuthorisations_SurviveARestart_AndTheVersionIsNotRecordedTwice()
    {
        using (var recorded = await PostAsync("admin", Proposal("PST38/PREVY 2026", "prevy", Today, Today.AddYears(1), exchanges: ["alertes-risque"], purpose: "alerte-risque")))
        {
            var body = await recorded.Content.ReadAsStringAsync();
            Assert.True(recorded.StatusCode == HttpStatusCode.Created, body);
        }
        var hash = gateway.Services.GetRequiredService<PolicySet>().Hash;
        var before = await VersionsAsync();
        await gateway.RestartAsync();
        Assert.Equal(hash, gateway.Services.GetRequiredService<PolicySet>().Hash);
        Assert.Contains(gateway.Services.GetRequiredService<PolicySet>().Authorisations, a => a.Reference == "PST38/PREVY 2026" && a.AddedBy == "admin");
        Assert.Equal(before.Count, (await VersionsAsync()).Count);
    }
}
