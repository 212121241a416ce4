using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using CpomExchange.Rules.Errors;
using Microsoft.Playwright;

namespace CpomExchange.Console.Tests;

/// <summary>
/// Vue d'ensemble: the DPO's overview of their organisation's log, counted by the database: the day's
/// accesses by outcome and action (chart and table), refusals by reason, exchanges, the agents met most
/// often, the last verification; nothing of another organisation's log; a bad period refused.
/// The log of the DREETS Occitanie is this class's alone among the console's tests.
/// </summary>
[Collection(ConsoleCollection.Name)]
public sealed class OverviewPageTests(ConsoleFixture console)
{
    private const string Dpo = "dreets-occitanie-dpo";
    private const string Agent = "dreets-occitanie-agent";

    /// <summary>The figures of the overview: total, refusals, and today's row (allowed, refused, listings).</summary>
    private sealed record Figures(long Total, long Denied, long TodayAllowed, long TodayDenied, long TodayListings);

    private static long Leading(string text) => long.Parse(new string(text.TakeWhile(c => char.IsAsciiDigit(c) || c is ' ' or '\u202F' or '\u00A0').Where(char.IsAsciiDigit).ToArray()), CultureInfo.InvariantCulture);

    private static async Task<Figures> FiguresAsync(IPage page)
    {
        var headers = (await page.Locator("#par-jour thead th").AllInnerTextsAsync()).ToList();
        var today = (await page.Locator("#par-jour tbody tr").Last.Locator("th, td").AllInnerTextsAsync()).ToList();
        var list = headers.IndexOf("consultation de la liste");
        return new Figures(Leading(await page.Locator("#total").InnerTextAsync()), Leading(await page.Locator("#refus").InnerTextAsync()),
            Leading(today[1]), Leading(today[2]), list < 0 ? 0 : Leading(today[list]));
    }

    [Fact]
    public async Task Dpo_SeesTheDayByOutcomeAndAction_AsChartAndTable_RefusalsByReason_TheAgents_AndTheLastVerification()
    {
        var before = await FiguresAsync(await console.OpenAsync(Dpo, "/Journal/VueEnsemble"));
        using (var agent = console.Gateway.ClientFor(Agent))
        {
            for (var i = 0; i < 3; i++)
            {
                Assert.Equal(HttpStatusCode.OK, (await agent.GetAsync("api/v1/inbox?object=vue")).StatusCode);
            }
        }
        string code;
        using (var agent = console.Gateway.ClientFor(Agent))
        {
            // No contract binds the DREETS Occitanie to the Carsat Pays de la Loire: refused, logged under the DREETS.
            using var content = new ByteArrayContent(Encoding.UTF8.GetBytes("siret\r\n10433218419605\r\n"));
            content.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
            var refused = await agent.PostAsync("api/v1/datasets?type=adherents&to=carsat-pdl&purpose=sinistralite", content);
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
            code = (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString()!;
        }

        var page = await console.OpenAsync(Dpo, "/Journal/VueEnsemble");
        Assert.Equal("Vue d'ensemble du journal", await page.Locator("h1").InnerTextAsync());
        var after = await FiguresAsync(page);
        Assert.Equal(before.TodayListings + 3, after.TodayListings);
        Assert.Equal(before.TodayDenied + 1, after.TodayDenied);
        Assert.Equal(before.Denied + 1, after.Denied);
        // Three listings, one refusal, and the first overview itself (logged as a review of the log).
        Assert.Equal(before.Total + 5, after.Total);
        Assert.Equal(after.Total, after.TodayAllowed + after.TodayDenied);

        // The chart: this log has entries today only, so one bar of each colour.
        Assert.Equal(1, await page.Locator("svg.cpom-chart rect.cpom-chart__allowed").CountAsync());
        Assert.Equal(1, await page.Locator("svg.cpom-chart rect.cpom-chart__denied").CountAsync());
        Assert.Equal(1, await page.Locator("#par-jour tbody tr.cpom-refus").CountAsync());

        var reason = await page.Locator("#motifs tbody tr", new() { HasText = code }).InnerTextAsync();
        Assert.StartsWith(ErrorCatalog.Title(code) + "\t" + code + "\t", reason, StringComparison.Ordinal);
        Assert.Contains(await page.Locator("#agents tbody tr").AllInnerTextsAsync(), r => r.Contains(Agent, StringComparison.Ordinal));
        Assert.Contains(await page.Locator("#echanges tbody tr").AllInnerTextsAsync(), r => r.Contains("(adherents)", StringComparison.Ordinal));
        Assert.Equal("jamais depuis la console", await page.Locator("#derniere-verification").InnerTextAsync());
        Assert.Equal(1, await page.Locator("#verification-due").CountAsync());
        await console.AssertAccessibleAsync(page);
        await ConsoleFixture.ScreenshotAsync(page, "journal-vue-ensemble");

        // Once verified, the overview says when, and no longer asks for it.
        var verify = await console.OpenAsync(Dpo, "/Journal/Verifier");
        await verify.ClickAsync("button:has-text('Vérifier')");
        Assert.Equal("Le journal est intègre", await verify.Locator("#verdict h2").InnerTextAsync());
        await page.ReloadAsync();
        Assert.StartsWith("le ", await page.Locator("#derniere-verification").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal(0, await page.Locator("#verification-due").CountAsync());
    }

    [Fact]
    public async Task AnotherOrganisationsDpo_SeesNothingOfThisLog()
    {
        using (var agent = console.Gateway.ClientFor(Agent))
        {
            Assert.Equal(HttpStatusCode.OK, (await agent.GetAsync("api/v1/inbox?object=vue-autre")).StatusCode);
        }
        var own = await console.OpenAsync(Dpo, "/Journal/VueEnsemble");
        Assert.Contains(await own.Locator("#agents tbody tr").AllInnerTextsAsync(), r => r.Contains(Agent, StringComparison.Ordinal));

        // A party to the same contract (the CARSAT Languedoc-Roussillon), and an organisation of another one.
        foreach (var dpo in new[] { "carsat-lr-dpo", "satm-dpo" })
        {
            var other = await console.OpenAsync(dpo, "/Journal/VueEnsemble");
            Assert.DoesNotContain(Agent, await other.Locator("main").InnerTextAsync(), StringComparison.Ordinal);
            Assert.DoesNotContain("dreets-occitanie-dpo", await other.Locator("main").InnerTextAsync(), StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("?du=2026-02-01&au=2026-01-01")]
    [InlineData("?du=2024-01-01&au=2026-01-01")]
    [InlineData("?du=hier")]
    public async Task ABadPeriod_IsRefused(string query)
    {
        var page = await console.OpenAsync(Dpo);
        var response = await page.GotoAsync(console.Origin + "/Journal/VueEnsemble" + query);
        Assert.Equal(400, response!.Status);
        Assert.Contains(ErrorCatalog.AuditBadPeriod, await page.Locator("main").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal(0, await page.Locator("svg.cpom-chart").CountAsync());
    }
}
