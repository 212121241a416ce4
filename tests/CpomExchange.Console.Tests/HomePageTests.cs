namespace CpomExchange.Console.Tests;

/// <summary>Accueil: who I am and what the contracts in force open to my roles, from the same policy decisions as the API.</summary>
[Collection(ConsoleCollection.Name)]
public sealed class HomePageTests(ConsoleFixture console)
{
    [Fact]
    public async Task Agent_SeesTheirOrganisationAndTheExchangesTheirContractOpens()
    {
        var page = await console.OpenAsync("prevy-agent");
        Assert.Equal("Accueil", await page.Locator("h1").InnerTextAsync());
        var account = await page.Locator("dl").InnerTextAsync();
        Assert.Contains("prevy-agent", account, StringComparison.Ordinal);
        Assert.Contains("PREVY (SPSTI)", account, StringComparison.Ordinal);
        Assert.Contains("CPOM PREVY – CARSAT Languedoc-Roussillon – DREETS Occitanie", await page.Locator("main").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Contains("Du 22/01/2025 au 22/01/2030.", await page.Locator("main").InnerTextAsync(), StringComparison.Ordinal);

        var rows = await page.Locator("main table tbody tr").AllInnerTextsAsync();
        // Seed 001 opens the adherents list (to send) and the sinistralité (to read) to an agent of PREVY.
        Assert.Contains(rows, r => r.StartsWith("Liste des établissements adhérents\tCARSAT Languedoc-Roussillon\tenvoyer\t", StringComparison.Ordinal));
        Assert.Contains(rows, r => r.StartsWith("Sinistralité AT/MP par établissement\tCARSAT Languedoc-Roussillon\tconsulter, télécharger\t", StringComparison.Ordinal));
        Assert.DoesNotContain(rows, r => r.Contains("Signalements", StringComparison.Ordinal));
        Assert.Equal("Prochaine échéance", await page.Locator(".fr-callout__title").InnerTextAsync());

        await console.AssertAccessibleAsync(page);
        await ConsoleFixture.ScreenshotAsync(page, "accueil");
    }

    [Fact]
    public async Task PdpCell_SeesTheSignalementsWhichAnAgentOfTheSameSpstiDoesNot()
    {
        var pdp = await console.OpenAsync("pst38-pdp");
        var pdpRows = await pdp.Locator("main table tbody tr").AllInnerTextsAsync();
        Assert.Contains(pdpRows, r => r.StartsWith("Signalements PDP (cellule PDP et service social)\tCarsat Rhône-Alpes\tenvoyer, consulter, télécharger, retirer une personne (consentement retiré)\t", StringComparison.Ordinal));

        var agent = await console.OpenAsync("pst38-agent");
        var agentRows = await agent.Locator("main table tbody tr").AllInnerTextsAsync();
        Assert.NotEmpty(agentRows);
        Assert.DoesNotContain(agentRows, r => r.Contains("Signalement", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Dpo_IsToldTheirRoleOpensNoExchange()
    {
        var page = await console.OpenAsync("carsat-lr-dpo");
        Assert.Contains("délégué à la protection des données", await page.Locator("dl").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal(0, await page.Locator("main table").CountAsync());
        Assert.Contains("Ce contrat n'ouvre aucun échange à vos rôles.", await page.Locator("main").InnerTextAsync(), StringComparison.Ordinal);
        await console.AssertAccessibleAsync(page);
    }

    [Fact]
    public async Task Pages_CarryAStrictContentSecurityPolicyAndAreNeverCached()
    {
        var page = await console.OpenAsync("prevy-agent");
        var response = await page.ReloadAsync();
        var headers = await response!.AllHeadersAsync();
        var csp = headers["content-security-policy"];
        Assert.Contains("default-src 'none'", csp, StringComparison.Ordinal);
        Assert.Matches("script-src 'self' 'nonce-[A-Za-z0-9+/=]{24}';", csp);
        Assert.Contains("style-src 'self';", csp, StringComparison.Ordinal);
        Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe", csp, StringComparison.Ordinal);
        Assert.Equal("no-store", headers["cache-control"]);
    }
}
