using System.Net;
using CpomExchange.Rules.Policies;
using Microsoft.Extensions.DependencyInjection;

namespace CpomExchange.Console.Tests;

/// <summary>
/// Politiques: the policy in force, read-only, in French: a DPO sees what binds their own organisation
/// and nothing of other organisations' contracts; an administrator sees every organisation's.
/// </summary>
[Collection(ConsoleCollection.Name)]
public sealed class PoliciesPageTests(ConsoleFixture console)
{
    private PolicySet Policies => console.Gateway.Services.GetRequiredService<PolicySet>();

    [Fact]
    public async Task Dpo_SeesTheContractsExchangesPurposesAndRetentionOfTheirOrganisation_AndNoOtherContract()
    {
        var page = await console.OpenAsync("satm-dpo", "/Politiques");
        Assert.Equal("Politiques en vigueur", await page.Locator("h1").InnerTextAsync());
        Assert.Equal("Politique applicable à SATM (SPSTI).", await page.Locator("#portee").InnerTextAsync());
        var satm = Policies.Contracts.Single(c => c.Parties.Contains("satm"));
        Assert.Equal(1, await page.Locator(".cpom-contrat").CountAsync());
        Assert.Equal(satm.Title, await page.Locator($"#titre-{satm.Id}").InnerTextAsync());
        var main = await page.Locator("main").InnerTextAsync();
        foreach (var other in Policies.Contracts.Where(c => c.Id != satm.Id))
        {
            Assert.DoesNotContain(other.Title, main, StringComparison.Ordinal);
        }
        Assert.Contains("du 27/03/2025 au 26/03/2029", main, StringComparison.Ordinal);

        // The signalements: health data, their NIR column pseudonymised, their retention as the catalogue sets it.
        var signalements = Policies.Exchanges["signalements-pdp"];
        Assert.Equal($"{signalements.RetentionDays} jours, puis destruction", await page.Locator("#echange-signalements-pdp .cpom-conservation").InnerTextAsync());
        var columns = await page.Locator("#echange-signalements-pdp tbody tr").AllInnerTextsAsync();
        Assert.Equal(signalements.Schema.Columns.Count, columns.Count);
        Assert.Contains(columns, r => r.StartsWith("nir\tNIR, obligatoire, pseudonymisée hors du fichier", StringComparison.Ordinal));
        // An exchange no contract of SATM names is not listed.
        Assert.Equal(0, await page.Locator("#echange-entreprises-ciblees").CountAsync());
        var purposes = await page.Locator("#finalites tbody tr").AllInnerTextsAsync();
        Assert.Contains(purposes, r => r.Contains("\tpdp\t", StringComparison.Ordinal) && r.Contains("RGPD", StringComparison.Ordinal));
        await console.AssertAccessibleAsync(page);
        await ConsoleFixture.ScreenshotAsync(page, "politiques");
    }

    [Fact]
    public async Task Admin_SeesEveryContract_OrOneOrganisations()
    {
        var page = await console.OpenAsync("admin", "/Politiques");
        Assert.Equal(Policies.Contracts.Count, await page.Locator(".cpom-contrat").CountAsync());
        await console.AssertAccessibleAsync(page);

        await page.SelectOptionAsync("#org", "prevy");
        await page.ClickAsync("button:has-text('Afficher')");
        Assert.Contains("org=prevy", page.Url, StringComparison.Ordinal);
        Assert.Equal(1, await page.Locator(".cpom-contrat").CountAsync());
        Assert.Equal("CPOM PREVY – CARSAT Languedoc-Roussillon – DREETS Occitanie", await page.Locator(".cpom-contrat h3").InnerTextAsync());
    }

    [Fact]
    public async Task ADpo_AskingForAnotherOrganisation_IsRefused_AndOtherRolesGet403()
    {
        foreach (var (identity, path) in new[] { ("satm-dpo", "/Politiques?org=prevy"), ("satm-agent", "/Politiques"), ("satm-pdp", "/Politiques"), ("carsat-pdl-service-social", "/Politiques") })
        {
            var page = await console.OpenAsync(identity);
            var response = await page.GotoAsync(console.Origin + path);
            Assert.Equal(403, response!.Status);
            Assert.Contains("policy.role-not-allowed", await page.Locator("main").InnerTextAsync(), StringComparison.Ordinal);
            Assert.Equal(0, await page.Locator(".cpom-contrat").CountAsync());
        }
        var unknown = await console.OpenAsync("admin");
        Assert.Equal((int)HttpStatusCode.BadRequest, (await unknown.GotoAsync(console.Origin + "/Politiques?org=inconnue"))!.Status);
    }
}
