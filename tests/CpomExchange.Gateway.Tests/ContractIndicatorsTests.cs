using System.Net;
using System.Text;
using System.Text.Json;
using CpomExchange.Tests.Shared;
using Microsoft.EntityFrameworkCore;

namespace CpomExchange.Gateway.Tests;

/// <summary>
/// A contract's own indicators (DOMAIN.md 8, issue 22 part 7) through the gateway: a computed one's
/// exact value on known exchanges (withdrawn files left out, the year cut at midnight in Paris), and
/// the annual table's rows a contract does not declare refused at the upload.
/// </summary>
public sealed class ContractIndicatorsTests(GatewayFixture gateway) : IClassFixture<GatewayFixture>
{
    private const string Header = "annee;date_signature;date_fin;theme;indicateur;nombre;dont_suivis_caisse;commentaire";

    private static readonly TimeZoneInfo Paris = TimeZoneInfo.FindSystemTimeZoneById("Europe/Paris");

    /// <summary>This year in the gateway's time zone.</summary>
    private static readonly int Year = TimeZoneInfo.ConvertTime(DateTimeOffset.UtcNow, Paris).Year;

    private static string Alerts(int count)
    {
        var text = new StringBuilder("siret;risque;date_alerte\r\n");
        string[] sirets = ["10433218419605", "01338908538633", "79402654223514", "16155940678166"];
        for (var i = 0; i < count; i++)
        {
            text.Append($"{sirets[i]};RPS;02/01/{Year}\r\n");
        }
        return text.ToString();
    }

    private async Task MoveAsync(string id, DateTime parisLocal)
    {
        var utc = TimeZoneInfo.ConvertTimeToUtc(DateTime.SpecifyKind(parisLocal, DateTimeKind.Unspecified), Paris);
        await using var db = await gateway.OpenDatabaseAsync();
        Assert.Equal(1, await db.Datasets.Where(d => d.Id == id).ExecuteUpdateAsync(s => s.SetProperty(d => d.CreatedAtUtc, utc)));
    }

    [Fact]
    public async Task Pst38_AlertsSent_AreCountedExactly_WithdrawnLeftOut_YearCutAtMidnightInParis()
    {
        using var agent = gateway.ClientFor("pst38-agent");
        const string query = "type=alertes-risque&to=carsat-ra&purpose=alerte-risque";
        await IndicatorsTests.UploadAsync(agent, query, Alerts(2));                                              // counted: 2
        var withdrawn = (await IndicatorsTests.UploadAsync(agent, query, Alerts(3))).GetProperty("id").GetString()!; // withdrawn: 0
        Assert.Equal(HttpStatusCode.OK, (await agent.DeleteAsync($"api/v1/datasets/{withdrawn}")).StatusCode);
        var newYear = (await IndicatorsTests.UploadAsync(agent, query, Alerts(1))).GetProperty("id").GetString()!;   // 1 January 00:30 in Paris: 1
        var lastYear = (await IndicatorsTests.UploadAsync(agent, query, Alerts(4))).GetProperty("id").GetString()!;  // 31 December 23:30 in Paris: 0
        // 00:30 in Paris on 1 January is still 31 December in UTC: a year cut in UTC would leave it out.
        await MoveAsync(newYear, new DateTime(Year, 1, 1, 0, 30, 0));
        await MoveAsync(lastYear, new DateTime(Year - 1, 12, 31, 23, 30, 0));

        var (lines, _) = await IndicatorsTests.DraftAsync(agent, "cpom-pst38-2025", Year);
        var dates = "30/07/2025;29/07/2030";
        Assert.Equal(1, lines.Count(l => l.Contains(";ALERTES_TRANSMISES;", StringComparison.Ordinal)));
        Assert.Contains($"{Year};{dates};RPS;ALERTES_TRANSMISES;3;;", lines);
        Assert.Contains($"{Year};{dates};RPS;SUIVIS_ETABLISSEMENTS_CIBLES;0;;", lines);
        // Typed ones come empty, for P.S.T.38 to fill; the agent never sees a count drawn from health data.
        Assert.Contains($"{Year};{dates};RPS;PREVENTEURS_FORMES;;;", lines);
        Assert.DoesNotContain(lines, l => l.Contains("RETOURS_SERVICE_SOCIAL", StringComparison.Ordinal));
        // Header, the DGT table's 6 rows, the contract's 26 indicators but the health-data one.
        Assert.Equal(1 + 6 + 25, lines.Length);

        // The previous year's table has the one moved to 31 December 23:30.
        var (previous, _) = await IndicatorsTests.DraftAsync(agent, "cpom-pst38-2025", Year - 1);
        Assert.Contains($"{Year - 1};{dates};RPS;ALERTES_TRANSMISES;4;;", previous);

        // The draft, a typed value filled in, is what the DREETS receives.
        var filled = string.Join("\r\n", lines).Replace($"RPS;PREVENTEURS_FORMES;;;", "RPS;PREVENTEURS_FORMES;5;;", StringComparison.Ordinal) + "\r\n";
        var sent = await IndicatorsTests.UploadAsync(agent, "type=indicateurs&to=dreets-aura&purpose=indicateurs", filled);
        Assert.Equal(31, sent.GetProperty("rows").GetInt64());
    }

    private async Task<JsonElement> RefusedAsync(string identity, string to, string rows)
    {
        using var client = gateway.ClientFor(identity);
        var response = await client.PostAsync($"api/v1/datasets?type=indicateurs&to={to}&purpose=indicateurs", IndicatorsTests.Csv(Header + "\r\n" + rows));
        var problem = await response.ReadProblemAsync(HttpStatusCode.UnprocessableEntity);
        Assert.Equal("csv.invalid-file", problem.Code());
        return Assert.Single(problem.GetProperty("errors").EnumerateArray());
    }

    [Theory]
    // An indicator nobody declares.
    [InlineData("pst38-agent", "carsat-ra", "PDP;VISITES_INVENTEES", "report.indicator-not-in-contract", "indicateur")]
    // P.S.T.38's own indicator, sent by SATM under its contract: not SATM's.
    [InlineData("satm-agent", "dreets-pdl", "PDP;VISITES_PRE_REPRISE", "report.indicator-not-in-contract", "indicateur")]
    // P.S.T.38's indicator under the other volet.
    [InlineData("pst38-agent", "carsat-ra", "PDP;ALERTES_TRANSMISES", "report.indicator-outside-volet", "theme")]
    public async Task ARowTheContractDoesNotDeclare_IsRefused_AndNothingIsStored(string identity, string to, string indicator, string code, string column)
    {
        var year = Year.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var error = await RefusedAsync(identity, to, $"{year};;;PDP;SIGNALEMENTS_EMIS;1;;\r\n{year};;;{indicator};2;;\r\n");
        Assert.Equal((3, column, code), (error.GetProperty("line").GetInt32(), error.GetProperty("column").GetString(), error.GetProperty("code").GetString()));
        await using var db = await gateway.OpenDatabaseAsync();
        Assert.False(await db.Datasets.AnyAsync(d => d.Type == "indicateurs" && d.ToOrganisation == to));
    }
}
