using CpomExchange.Rules.Errors;
using Microsoft.Playwright;

namespace CpomExchange.Console.Tests;

/// <summary>Tableau annuel: the draft the API computes, the agent's comments, the CSV downloaded.</summary>
[Collection(ConsoleCollection.Name)]
public sealed class AnnualTablePageTests(ConsoleFixture console)
{
    [Fact]
    public async Task SpstiAgent_DraftsTheTableTypesACommentAndDownloadsIt()
    {
        var page = await console.OpenAsync("pst38-agent", "/TableauAnnuel");
        Assert.Equal("Tableau annuel", await page.Locator("h1").InnerTextAsync());
        await page.GetByLabel("Contrat", new() { Exact = true }).SelectOptionAsync("cpom-pst38-2025");
        await page.GetByLabel("Année", new() { Exact = true }).FillAsync("2025");
        await page.GetByRole(AriaRole.Button, new() { Name = "Calculer le brouillon" }).ClickAsync();
        Assert.Equal("Brouillon 2025 – CPOM P.S.T.38 – Carsat Rhône-Alpes – DREETS Auvergne-Rhône-Alpes", await page.Locator("#brouillon").InnerTextAsync());
        var rows = page.Locator("main form[method=post] table tbody tr");
        var count = await rows.CountAsync();
        Assert.True(count > 0, "an empty draft");
        // An agent sees the establishment rows, never the signalement rows (those are the PDP cell's).
        Assert.DoesNotContain("SIGNALEMENTS", await page.Locator("main table").InnerTextAsync(), StringComparison.Ordinal);
        await console.AssertAccessibleAsync(page);
        await ConsoleFixture.ScreenshotAsync(page, "tableau-annuel");

        // A comment that starts like a formula is written so that a spreadsheet does not run it.
        await rows.Nth(1).Locator("input").FillAsync("=1+1 vu avec la caisse; le 12/03");
        var download = await page.RunAndWaitForDownloadAsync(() => page.GetByRole(AriaRole.Button, new() { Name = "Télécharger le tableau (CSV)" }).ClickAsync());
        Assert.Equal("indicateurs-cpom-pst38-2025-2025.csv", download.SuggestedFilename);
        var lines = (await File.ReadAllTextAsync((await download.PathAsync())!)).TrimStart('\uFEFF').Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("annee;date_signature;date_fin;theme;indicateur;nombre;dont_suivis_caisse;commentaire", lines[0]);
        Assert.Equal(count + 1, lines.Length);
        Assert.EndsWith(";\"'=1+1 vu avec la caisse; le 12/03\"", lines[2], StringComparison.Ordinal);
        Assert.EndsWith(";", lines[1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task SpstiAgent_SeesTheContractsOwnIndicators_ComputedPrefilled_TypedToFill()
    {
        var page = await console.OpenAsync("pst38-agent", "/TableauAnnuel");
        await page.GotoAsync($"{console.Origin}/TableauAnnuel?contrat=cpom-pst38-2025&annee=2025");
        var text = await page.Locator("main form[method=post] table").InnerTextAsync();
        // Seed 004 fiche action 1 ("nb de visites de pré-reprise total"), typed by P.S.T.38; fiche 2's alerts, computed.
        Assert.Contains("Visites de pré-reprise (total) (visites ; indicateur du contrat, à saisir)", text, StringComparison.Ordinal);
        Assert.Contains("(alertes ; indicateur du contrat, calculé par la passerelle)", text, StringComparison.Ordinal);
        // Only typed indicators take a number: 25 of P.S.T.38's 26 reach an agent (not the one counted from health data), 23 typed.
        Assert.Equal(23, await page.Locator("main form[method=post] table input[name=nombres]").CountAsync());
        await console.AssertAccessibleAsync(page);

        await page.GetByLabel("Nombre : PDP, VISITES_PRE_REPRISE", new() { Exact = true }).FillAsync("12");
        var download = await page.RunAndWaitForDownloadAsync(() => page.GetByRole(AriaRole.Button, new() { Name = "Télécharger le tableau (CSV)" }).ClickAsync());
        var lines = (await File.ReadAllTextAsync((await download.PathAsync())!)).TrimStart('\uFEFF').Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains("2025;30/07/2025;29/07/2030;PDP;VISITES_PRE_REPRISE;12;;", lines);
        Assert.Contains("2025;30/07/2025;29/07/2030;PDP;VISITES_MI_CARRIERE;;;", lines);
        Assert.Single(lines, l => System.Text.RegularExpressions.Regex.IsMatch(l, "^2025;30/07/2025;29/07/2030;RPS;ALERTES_TRANSMISES;[0-9]+;;$"));
    }

    [Fact]
    public async Task Dreets_IsToldWhyWithTheCataloguesTitleAndCode()
    {
        var page = await console.OpenAsync("dreets-aura-agent", "/TableauAnnuel");
        var response = await page.GotoAsync($"{console.Origin}/TableauAnnuel?contrat=cpom-pst38-2025&annee=2025");
        Assert.Equal(403, response!.Status);
        var alert = page.Locator(".fr-alert--error");
        var text = await alert.InnerTextAsync();
        Assert.Matches(@"Code : [a-z]+\.[a-z-]+", text);
        var code = System.Text.RegularExpressions.Regex.Match(text, @"Code : ([a-z]+\.[a-z-]+)").Groups[1].Value;
        Assert.Equal(ErrorCatalog.Title(code), await alert.Locator("h2").InnerTextAsync());
        Assert.Equal(0, await page.Locator("main table").CountAsync());
        await console.AssertAccessibleAsync(page);
    }
}
