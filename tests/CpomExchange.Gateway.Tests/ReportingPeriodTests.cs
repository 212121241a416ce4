using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CpomExchange.Infrastructure.Agents;
using CpomExchange.Infrastructure.Pki;
using CpomExchange.Tests.Shared;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace CpomExchange.Gateway.Tests;

/// <summary>A gateway whose clock the test sets (the host supplies its <see cref="TimeProvider"/>).</summary>
public sealed class MovableClockFixture : GatewayFixture
{
    /// <summary>The gateway's clock: the system's until a test sets it.</summary>
    public MovableClock Clock { get; } = new();

    protected override void Configure(WebApplicationBuilder builder) => builder.Services.AddSingleton<TimeProvider>(Clock);

    /// <summary>
    /// An HTTP client for a new agent of <paramref name="organisation"/> whose certificate is valid
    /// until <paramref name="notAfter"/> (the development identities expire two years from now).
    /// </summary>
    public async Task<HttpClient> AgentUntilAsync(string id, string organisation, string name, string siren, string[] roles, DateTimeOffset notAfter)
    {
        // Not disposed: the client presents it for as long as it lives.
        var certificate = DevPki.IssueClientCertificate(Ca, id, name, siren, DateTimeOffset.UtcNow.AddMinutes(-5), notAfter);
        await using (var db = await OpenDatabaseAsync())
        {
            await AgentDirectory.RegisterIfAbsentAsync(db, id, id, organisation, roles, certificate);
        }
        return Client(certificate);
    }
}

/// <summary>A clock that stays on the system's time until set.</summary>
public sealed class MovableClock : TimeProvider
{
    private DateTimeOffset? _now;

    public void Set(DateTimeOffset now) => _now = now;

    public override DateTimeOffset GetUtcNow() => _now ?? DateTimeOffset.UtcNow;
}

/// <summary>
/// After its term, a contract's last annual table can still be sent, until 30 June after the end
/// (seed 004: "au plus tard le 30 juin"; 002 §4: final results), and nothing else.
/// </summary>
public sealed class ReportingPeriodTests(MovableClockFixture gateway) : IClassFixture<MovableClockFixture>
{
    private const string Table2028 = "annee;date_signature;date_fin;theme;indicateur;nombre;dont_suivis_caisse;commentaire\r\n"
        + "2028;27/03/2025;26/03/2029;PDP;SIGNALEMENTS_EMIS;14;;Fiches de liaison\r\n"
        + "2028;27/03/2025;26/03/2029;RADON;ETABLISSEMENTS_FORMES;6;2;\r\n";

    [Fact]
    public async Task Satm_2028Table_IsAcceptedOn30June2029_AnAdherentsListIsNot_AndNothingAfter()
    {
        var until = new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero);
        using var satm = await gateway.AgentUntilAsync("satm-agent-2029", "satm", "SATM", "999000078", ["agent", "pdp"], until);
        using var dreets = await gateway.AgentUntilAsync("dreets-pdl-agent-2029", "dreets-pdl", "DREETS Pays de la Loire", "999000094", ["agent"], until);

        // 30 June 2029, 18:00 in Paris: SATM's contract ended on 26 March 2029.
        gateway.Clock.Set(new DateTimeOffset(2029, 6, 30, 16, 0, 0, TimeSpan.Zero));
        var sent = await IndicatorsTests.UploadAsync(satm, "type=indicateurs&to=dreets-pdl&purpose=indicateurs", Table2028);
        Assert.Equal(("cpom-satm-2025", 2L), (sent.GetProperty("contract").GetString(), sent.GetProperty("rows").GetInt64()));
        var id = sent.GetProperty("id").GetString()!;
        var content = await dreets.GetStringAsync($"api/v1/datasets/{id}/content?purpose=indicateurs");
        Assert.Contains("2028;27/03/2025;26/03/2029;PDP;SIGNALEMENTS_EMIS;14;;Fiches de liaison", content, StringComparison.Ordinal);
        // The draft of that year can still be made (both parts: the counts describe the term).
        var (lines, _) = await IndicatorsTests.DraftAsync(satm, "cpom-satm-2025", 2028);
        Assert.Equal(12 + 12, lines.Length); // header, 3 volets × 3, 2 signalements; the contract's own 12 (cpom-satm.yaml)

        var adherents = await satm.PostAsync("api/v1/datasets?type=adherents&to=carsat-pdl&purpose=sinistralite", IndicatorsTests.Csv("siret\r\n10433218419605\r\n"));
        var problem = await adherents.ReadProblemAsync(HttpStatusCode.Forbidden);
        Assert.Equal("policy.contract-not-in-force", problem.Code());
        Assert.Contains("jusqu'au 30/06/2029, seuls les comptes rendus du contrat", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        var signalement = await satm.PostAsync("api/v1/datasets?type=signalements-pdp&to=carsat-pdl&purpose=pdp", IndicatorsTests.Csv(IndicatorsTests.Signalements(1, 7)));
        Assert.Equal("policy.contract-not-in-force", (await signalement.ReadProblemAsync(HttpStatusCode.Forbidden)).Code());

        // A year the contract did not cover: refused row by row.
        var wrongYear = await satm.PostAsync("api/v1/datasets?type=indicateurs&to=dreets-pdl&purpose=indicateurs",
            IndicatorsTests.Csv(Table2028 + "2030;27/03/2025;26/03/2029;PDP;SIGNALEMENTS_EMIS;1;;\r\n"));
        var rejected = await wrongYear.ReadProblemAsync(HttpStatusCode.UnprocessableEntity);
        var error = Assert.Single(rejected.GetProperty("errors").EnumerateArray());
        Assert.Equal((4L, "annee", "report.year-not-covered"), (error.GetProperty("line").GetInt64(), error.GetProperty("column").GetString(), error.GetProperty("code").GetString()));

        // 1 July 2029, 00:30 in Paris: the reporting period is over.
        gateway.Clock.Set(new DateTimeOffset(2029, 6, 30, 22, 30, 0, TimeSpan.Zero));
        var late = await satm.PostAsync("api/v1/datasets?type=indicateurs&to=dreets-pdl&purpose=indicateurs", IndicatorsTests.Csv(Table2028));
        Assert.Equal("policy.contract-not-in-force", (await late.ReadProblemAsync(HttpStatusCode.Forbidden)).Code());
        var lateDraft = await satm.GetAsync("api/v1/indicators?contract=cpom-satm-2025&year=2028");
        Assert.Equal("policy.contract-not-in-force", (await lateDraft.ReadProblemAsync(HttpStatusCode.Forbidden)).Code());
    }
}

/// <summary>The final review is a document sent after the term (002 §4 "un bilan final"), in the reporting period only.</summary>
public sealed class FinalReviewPeriodTests(MovableClockFixture gateway) : IClassFixture<MovableClockFixture>
{
    [Fact]
    public async Task Satm_FinalReview_IsAcceptedOn30June2029_AfterTheTerm_AndRefusedOn1July()
    {
        var until = new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero);
        using var satm = await gateway.AgentUntilAsync("satm-agent-review", "satm", "SATM", "999000078", ["agent"], until);
        const string query = "api/v1/datasets?type=document&to=carsat-pdl&purpose=documents-cpom&title=Bilan%20final";

        // 30 June 2029, 18:00 in Paris: SATM's contract ended on 26 March 2029; its reporting period runs to 30 June.
        gateway.Clock.Set(new DateTimeOffset(2029, 6, 30, 16, 0, 0, TimeSpan.Zero));
        var sent = await satm.PostAsync(query, DocumentExchangeTests.Document(DocumentExchangeTests.SamplePdf));
        Assert.Equal(HttpStatusCode.Created, sent.StatusCode);
        var created = await sent.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(("cpom-satm-2025", "Bilan final"), (created.GetProperty("contract").GetString(), created.GetProperty("title").GetString()));

        // 1 July 2029, 00:30 in Paris: the reporting period is over.
        gateway.Clock.Set(new DateTimeOffset(2029, 6, 30, 22, 30, 0, TimeSpan.Zero));
        var late = await satm.PostAsync(query, DocumentExchangeTests.Document(DocumentExchangeTests.SamplePdf));
        Assert.Equal("policy.contract-not-in-force", (await late.ReadProblemAsync(HttpStatusCode.Forbidden)).Code());
    }
}

/// <summary>The year of a signalement is cut in <c>Cpom:TimeZone</c> (Europe/Paris), not in UTC.</summary>
public sealed class IndicatorsYearBoundaryTests(MovableClockFixture gateway) : IClassFixture<MovableClockFixture>
{
    [Fact]
    public async Task Signalement_At2330InParisOn31December_IsThatYears_At0030On1January_TheNextYears()
    {
        var paris = TimeZoneInfo.FindSystemTimeZoneById("Europe/Paris");
        var year = TimeZoneInfo.ConvertTime(DateTimeOffset.UtcNow, paris).Year;
        using var pdp = gateway.ClientFor("pst38-pdp");

        // 31 December, 23:30 in Paris (22:30 UTC): that year's.
        gateway.Clock.Set(new DateTimeOffset(year, 12, 31, 22, 30, 0, TimeSpan.Zero));
        await IndicatorsTests.UploadAsync(pdp, "type=signalements-pdp&to=carsat-ra&purpose=pdp", IndicatorsTests.Signalements(2, 8));
        // 1 January, 00:30 in Paris (still 31 December, 23:30 UTC): the next year's.
        gateway.Clock.Set(new DateTimeOffset(year, 12, 31, 23, 30, 0, TimeSpan.Zero));
        await IndicatorsTests.UploadAsync(pdp, "type=signalements-pdp&to=carsat-ra&purpose=pdp", IndicatorsTests.Signalements(5, 9));

        var (thisYear, _) = await IndicatorsTests.DraftAsync(pdp, "cpom-pst38-2025", year);
        Assert.Equal($"{year};30/07/2025;29/07/2030;PDP;SIGNALEMENTS_EMIS;2;;", thisYear[1]);
        var (nextYear, _) = await IndicatorsTests.DraftAsync(pdp, "cpom-pst38-2025", year + 1);
        Assert.Equal($"{year + 1};30/07/2025;29/07/2030;PDP;SIGNALEMENTS_EMIS;5;;", nextYear[1]);
    }
}
