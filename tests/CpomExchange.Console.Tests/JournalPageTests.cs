using System.Net;
using System.Net.Http.Headers;
using System.Text;
using CpomExchange.Rules.AccessLog;
using CpomExchange.Tests.Shared;
using Microsoft.Playwright;

namespace CpomExchange.Console.Tests;

/// <summary>
/// The DPO's review of the access log in a browser: filters, refusals, an entry with its inclusion
/// proof, the verification against the DPO's pinned checkpoint (then a tampered database), the
/// exports; and what another organisation's DPO and an agent without the role get.
/// </summary>
[Collection(ConsoleCollection.Name)]
public sealed class JournalPageTests(ConsoleFixture console)
{
    private static ByteArrayContent Csv(string text)
    {
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes(text));
        content.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        return content;
    }

    /// <summary><paramref name="times"/> allowed listings by <paramref name="agent"/>, each logged under its organisation, tagged.</summary>
    private async Task ListInboxAsync(string agent, int times, string tag)
    {
        using var client = console.Gateway.ClientFor(agent);
        for (var i = 0; i < times; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"api/v1/inbox?object={tag}")).StatusCode);
        }
    }

    [Fact]
    public async Task Dpo_FiltersTheLog_SeesTheRefusalStandOut_AndOpensItWithItsCheckedInclusionProof()
    {
        var tag = "revue-" + Guid.NewGuid().ToString("N")[..8];
        await ListInboxAsync("satm-agent", 2, tag);
        using (var satm = console.Gateway.ClientFor("satm-agent"))
        {
            // No contract binds SATM to CARSAT Languedoc-Roussillon: refused, and logged under SATM.
            var refused = await satm.PostAsync($"api/v1/datasets?type=adherents&to=carsat-lr&purpose=sinistralite&object={tag}", Csv("siret\n10433218419605\n"));
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        }
        // Four more entries: a signed checkpoint (every four in the tests) now covers the refusal.
        await ListInboxAsync("satm-agent", 4, tag);

        var page = await console.OpenAsync("satm-dpo", "/Journal");
        Assert.Equal("Journal des accès", await page.Locator("h1").InnerTextAsync());
        await page.FillAsync("#agent", "satm-agent");
        await page.SelectOptionAsync("#resultat", AccessLogEntry.Denied);
        await page.ClickAsync("button:has-text('Filtrer')");
        Assert.Contains("resultat=denied", page.Url, StringComparison.Ordinal);
        var rows = page.Locator("#entrees tbody tr");
        var row = Assert.Single(await rows.AllInnerTextsAsync());
        Assert.Contains("policy.no-contract", row, StringComparison.Ordinal);
        Assert.Contains("carsat-lr", row, StringComparison.Ordinal);
        Assert.Equal("cpom-refus", await rows.First.GetAttributeAsync("class"));
        Assert.Equal("1 entrée(s) correspondent aux filtres.", await page.Locator("#compte").InnerTextAsync());
        await console.AssertAccessibleAsync(page);

        // The same agent's allowed listings: six, none marked as a refusal.
        await page.GotoAsync(console.Origin + "/Journal?agent=satm-agent&action=list&resultat=allowed");
        var allowed = await page.Locator("#entrees tbody tr").AllInnerTextsAsync();
        Assert.True(allowed.Count >= 6, string.Join("\n", allowed));
        Assert.Equal(0, await page.Locator("#entrees tbody tr.cpom-refus").CountAsync());

        await page.GotoAsync(console.Origin + "/Journal?agent=satm-agent&resultat=denied");
        await page.Locator("#entrees tbody tr a").First.ClickAsync();
        Assert.StartsWith("Entrée n° ", await page.Locator("h1").InnerTextAsync(), StringComparison.Ordinal);
        var facts = await page.Locator("#entree").InnerTextAsync();
        Assert.Contains("policy.no-contract", facts, StringComparison.Ordinal);
        Assert.Contains(tag, facts, StringComparison.Ordinal);
        Assert.StartsWith("Cette entrée est incluse dans le point de contrôle signé", await page.Locator("#preuve-resultat").InnerTextAsync(), StringComparison.Ordinal);
        await console.AssertAccessibleAsync(page);
        await ConsoleFixture.ScreenshotAsync(page, "journal-entree");
    }

    [Fact]
    public async Task Journal_PagesThroughALongLog_OlderEntriesOnTheNextPage_WithoutRepeats()
    {
        var tag = "pages-" + Guid.NewGuid().ToString("N")[..8];
        await ListInboxAsync("carsat-pdl-agent", 60, tag);
        var page = await console.OpenAsync("carsat-pdl-dpo", "/Journal?agent=carsat-pdl-agent");
        var first = await SeqsAsync(page);
        Assert.Equal(50, first.Count);
        Assert.Equal(first.OrderByDescending(s => s).ToList(), first);
        await page.ClickAsync("#plus-anciennes");
        Assert.Contains("avant=" + first[^1], page.Url, StringComparison.Ordinal);
        var second = await SeqsAsync(page);
        Assert.NotEmpty(second);
        Assert.True(second[0] < first[^1], $"{second[0]} after {first[^1]}");
        Assert.Empty(first.Intersect(second));
        await ConsoleFixture.ScreenshotAsync(page, "journal");
    }

    private static async Task<List<long>> SeqsAsync(IPage page) =>
        (await page.Locator("#entrees tbody tr td:first-child").AllInnerTextsAsync()).Select(long.Parse).ToList();

    [Fact]
    public async Task Verification_SaysWhatWasChecked_ProvesGrowthSinceTheLastCheck_AndNamesTheTamperedEntry()
    {
        await ListInboxAsync("cist971-agent", 5, "verif");
        var page = await console.OpenAsync("cist971-dpo", "/Journal/Verifier");
        await console.AssertAccessibleAsync(page);
        await page.ClickAsync("button:has-text('Vérifier')");
        Assert.Equal("Le journal est intègre", await page.Locator("#verdict h2").InnerTextAsync());
        var checkedText = await page.Locator("#verifie").InnerTextAsync();
        Assert.Contains("C'est votre première vérification", checkedText, StringComparison.Ordinal);

        await ListInboxAsync("cist971-agent", 5, "verif");
        await page.ClickAsync("button:has-text('Vérifier')");
        Assert.Equal("Le journal est intègre", await page.Locator("#verdict h2").InnerTextAsync());
        Assert.Contains("Preuve de cohérence : le journal signé aujourd'hui prolonge celui de", await page.Locator("#verifie").InnerTextAsync(), StringComparison.Ordinal);
        await console.AssertAccessibleAsync(page);
        await ConsoleFixture.ScreenshotAsync(page, "journal-verifier");

        // Whoever can write to the database changes entry 3 of this log (triggers dropped first).
        Assert.Equal(1, await LogTampering.RewriteAsync(console.Gateway, "UPDATE access_log_entries SET \"AgentId\" = \"AgentId\" || '-x' WHERE \"Controller\" = @c AND \"Seq\" = 3",
            LogTampering.Controller("cist971")));
        try
        {
            await page.ClickAsync("button:has-text('Vérifier')");
            Assert.Equal("Le journal n'est pas intègre", await page.Locator("#verdict h2").InnerTextAsync());
            Assert.StartsWith("Première entrée en cause : n° 3, du ", await page.Locator("#premiere-entree").InnerTextAsync(), StringComparison.Ordinal);
            Assert.Contains("-x)", await page.Locator("#premiere-entree").InnerTextAsync(), StringComparison.Ordinal);
            await console.AssertAccessibleAsync(page);
        }
        finally
        {
            await LogTampering.RewriteAsync(console.Gateway, "UPDATE access_log_entries SET \"AgentId\" = substr(\"AgentId\", 1, length(\"AgentId\") - 2) WHERE \"Controller\" = @c AND \"Seq\" = 3",
                LogTampering.Controller("cist971"), enableTriggersAfter: true);
        }
    }

    [Fact]
    public async Task Verification_IsFullByDefault_TheSecondButtonReadsOnlyTheEntriesSinceTheLastVerifiedCheckpoint_AndSaysSo()
    {
        await ListInboxAsync("dreets-pdl-agent", 6, "increment");
        var page = await console.OpenAsync("dreets-pdl-dpo", "/Journal/Verifier");
        await page.ClickAsync("#verifier-integralement");
        Assert.Equal("Le journal est intègre", await page.Locator("#verdict h2").InnerTextAsync());
        Assert.Equal("full", await page.Locator("#mode").GetAttributeAsync("data-mode"));
        Assert.StartsWith("Vérification intégrale", await page.Locator("#mode").InnerTextAsync(), StringComparison.Ordinal);

        await ListInboxAsync("dreets-pdl-agent", 6, "increment");
        await page.ClickAsync("#verifier-incrementalement");
        Assert.Equal("Le journal est intègre", await page.Locator("#verdict h2").InnerTextAsync());
        Assert.Equal("incremental", await page.Locator("#mode").GetAttributeAsync("data-mode"));
        Assert.StartsWith("Vérification incrémentale, depuis le point de contrôle signé de ", await page.Locator("#mode").InnerTextAsync(), StringComparison.Ordinal);
        await console.AssertAccessibleAsync(page);
    }

    [Fact]
    public async Task Exports_TheJsonLinesVerifyOffline_AndTheCsvHoldsTheFilteredEntriesOnly()
    {
        await ListInboxAsync("dreets-pdl-agent", 3, "export");
        var page = await console.OpenAsync("dreets-pdl-dpo", "/Journal?resultat=allowed&agent=dreets-pdl-agent");

        var jsonl = await page.RunAndWaitForDownloadAsync(() => page.ClickAsync("a:has-text('JSON Lines')"));
        Assert.Equal("journal-dreets-pdl.jsonl", jsonl.SuggestedFilename);
        using (var reader = new StreamReader(await jsonl.CreateReadStreamAsync()))
        {
            // What `cpom audit verify FILE` does: entries, chain, roots and signatures from the file alone.
            var (header, result) = await LogExport.VerifyStreamAsync(reader);
            Assert.True(result.Valid, result.Summary);
            Assert.Equal("dreets-pdl", header.LogId);
            Assert.True(result.EntriesChecked >= 4, result.Summary);
        }

        var csv = await page.RunAndWaitForDownloadAsync(() => page.ClickAsync("a:has-text('CSV')"));
        Assert.Equal("journal-dreets-pdl.csv", csv.SuggestedFilename);
        using var csvReader = new StreamReader(await csv.CreateReadStreamAsync());
        var lines = (await csvReader.ReadToEndAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("n;horodatage_utc;agent;", lines[0], StringComparison.Ordinal);
        var body = lines[1..];
        Assert.True(body.Length >= 3, string.Join("\n", lines));
        Assert.All(body, l => Assert.Contains(";dreets-pdl-agent;", l, StringComparison.Ordinal));
        Assert.All(body, l => Assert.Contains(";autorisé;", l, StringComparison.Ordinal));
    }

    [Fact]
    public async Task AnotherOrganisationsDpo_SeesNoneOfThisLog()
    {
        var tag = "secret-" + Guid.NewGuid().ToString("N")[..8];
        await ListInboxAsync("pst38-agent", 3, tag);
        var own = await console.OpenAsync("pst38-dpo", "/Journal?agent=pst38-agent");
        Assert.True(await own.Locator("#entrees tbody tr").CountAsync() >= 3);
        var ownSeq = (await SeqsAsync(own))[0];

        var other = await console.OpenAsync("dreets-aura-dpo", "/Journal?agent=pst38-agent");
        Assert.Equal("0 entrée(s) correspondent aux filtres.", await other.Locator("#compte").InnerTextAsync());
        Assert.Equal(0, await other.Locator("#entrees").CountAsync());
        // The same number in the other DPO's log is an entry of their own log, or none.
        var response = await other.GotoAsync($"{console.Origin}/Journal/Entree?n={ownSeq}");
        Assert.DoesNotContain(tag, await other.Locator("main").InnerTextAsync(), StringComparison.Ordinal);
        Assert.DoesNotContain("pst38-agent", await other.Locator("main").InnerTextAsync(), StringComparison.Ordinal);
        Assert.True(response!.Status is 200 or 404, response.Status.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await other.GotoAsync(console.Origin + "/Journal");
        var export = await other.RunAndWaitForDownloadAsync(() => other.ClickAsync("a:has-text('CSV')"));
        using var reader = new StreamReader(await export.CreateReadStreamAsync());
        var text = await reader.ReadToEndAsync();
        Assert.StartsWith("n;horodatage_utc;", text, StringComparison.Ordinal);
        Assert.DoesNotContain("pst38-agent", text, StringComparison.Ordinal);
        Assert.DoesNotContain(tag, text, StringComparison.Ordinal);
    }

    public static TheoryData<string> DpoPages => new()
    {
        "/Journal", "/Journal/Entree?n=0", "/Journal/Verifier", "/Journal/Export?format=csv", "/Journal/Export?format=jsonl",
        "/Journal/VueEnsemble", "/Journal/VueEnsemble?du=2026-01-01&au=2026-01-31", "/Journal/Personne",
    };

    [Theory]
    [MemberData(nameof(DpoPages))]
    public async Task WithoutTheDpoRole_EveryPageIs403(string path)
    {
        foreach (var identity in new[] { "satm-agent", "admin", "satm-pdp" })
        {
            var page = await console.OpenAsync(identity);
            var response = await page.GotoAsync(console.Origin + path);
            Assert.Equal(403, response!.Status);
            Assert.Contains("policy.role-not-allowed", await page.Locator("main").InnerTextAsync(), StringComparison.Ordinal);
            Assert.DoesNotContain("cpom-refus", await page.ContentAsync(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task RefusalPage_IsAccessible()
    {
        var page = await console.OpenAsync("satm-agent");
        Assert.Equal(403, (await page.GotoAsync(console.Origin + "/Journal"))!.Status);
        Assert.Equal("Rôle non autorisé pour cette opération", await page.Locator("h1").InnerTextAsync());
        // Axe alone: Chromium reports the 403 status itself as a console error.
        await ConsoleForms.AssertAxeAsync(page);
    }

    [Fact]
    public async Task VerificationPost_WithoutTheRoleIs403_EvenWithAValidToken_AndWithoutATokenIsRefused()
    {
        // The control: the DPO's own post with the token made this way is accepted.
        var (dpoStatus, dpoBody) = await ConsoleForms.PostAsync(console, "carsat-ra-dpo", "/Journal/Verifier", []);
        Assert.Equal(HttpStatusCode.OK, dpoStatus);
        Assert.Contains("id=\"verdict\"", dpoBody, StringComparison.Ordinal);

        var (agentStatus, agentBody) = await ConsoleForms.PostAsync(console, "carsat-ra-agent", "/Journal/Verifier", []);
        Assert.Equal(HttpStatusCode.Forbidden, agentStatus);
        Assert.Contains("policy.role-not-allowed", agentBody, StringComparison.Ordinal);

        var (noTokenStatus, noTokenBody) = await ConsoleForms.PostAsync(console, "carsat-ra-dpo", "/Journal/Verifier", [], withToken: false);
        Assert.Equal(HttpStatusCode.BadRequest, noTokenStatus);
        Assert.DoesNotContain("id=\"verdict\"", noTokenBody, StringComparison.Ordinal);
    }
}
