using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using CpomExchange.Rules.Errors;
using Microsoft.Playwright;

namespace CpomExchange.Console.Tests;

/// <summary>Ciblage: the comparison of a contract's two targeting lists, as the API computes it.</summary>
[Collection(ConsoleCollection.Name)]
public sealed class TargetingPageTests(ConsoleFixture console)
{
    [Fact]
    public async Task EitherParty_SeesTheCompaniesTargetedByBoth_AndByEachAlone()
    {
        const string both = "92832764283508", caisseOnly = "79402654223514", spstiOnly = "01338908538633";
        await console.Gateway.SendAsync("pst38-agent", "type=adherents&to=carsat-ra&purpose=ciblage", $"siret\r\n{both}\r\n{caisseOnly}\r\n{spstiOnly}\r\n");
        using (var carsat = console.Gateway.ClientFor("carsat-ra-agent"))
        {
            using var content = new ByteArrayContent(Encoding.UTF8.GetBytes("siret;raison_sociale;programme\r\n"
                + $"{both};SUPERMARCHÉ DES LACS;RPS\r\n{caisseOnly};EHPAD LES TILLEULS;TMS_PROS\r\n"));
            content.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
            using var response = await carsat.PostAsync("api/v1/datasets?type=entreprises-ciblees&purpose=ciblage", content);
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
            var split = await response.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal(2, split.GetProperty("distribution").EnumerateArray().Single(e => e.GetProperty("to").GetString() == "pst38").GetProperty("rows").GetInt64());
        }
        await console.Gateway.SendAsync("pst38-agent", "type=cible-spsti&to=carsat-ra&purpose=ciblage",
            $"siret;raison_sociale;theme;motif\r\n{both};SUPERMARCHÉ DES LACS;RPS;ALERTE_RPS\r\n{spstiOnly};SARL TRANSPORTS MARTIN;RPS;ALERTE_RPS\r\n");

        foreach (var identity in new[] { "pst38-agent", "carsat-ra-agent" })
        {
            var page = await console.OpenAsync(identity, "/Ciblage");
            Assert.Equal("Comparer les entreprises ciblées", await page.Locator("h1").InnerTextAsync());
            await page.GetByLabel("Contrat", new() { Exact = true }).SelectOptionAsync("cpom-pst38-2025");
            await page.GetByRole(AriaRole.Button, new() { Name = "Comparer" }).ClickAsync();
            Assert.Equal("Ciblées par les deux (1)", await page.Locator("#les-deux").InnerTextAsync());
            Assert.Equal("Ciblées par la caisse seule (1)", await page.Locator("#caisse-seule").InnerTextAsync());
            Assert.Equal("Ciblées par le SPSTI seul (1)", await page.Locator("#spsti-seul").InnerTextAsync());
            var tables = page.Locator("main table tbody");
            Assert.Contains(both, await tables.Nth(0).InnerTextAsync(), StringComparison.Ordinal);
            Assert.Contains("RPS / RPS (ALERTE_RPS)", await tables.Nth(0).InnerTextAsync(), StringComparison.Ordinal);
            Assert.Contains(caisseOnly, await tables.Nth(1).InnerTextAsync(), StringComparison.Ordinal);
            Assert.Contains(spstiOnly, await tables.Nth(2).InnerTextAsync(), StringComparison.Ordinal);
            await console.AssertAccessibleAsync(page);
            if (identity == "pst38-agent")
            {
                await ConsoleFixture.ScreenshotAsync(page, "ciblage");
            }
        }
    }

    [Fact]
    public async Task Dreets_IsRefused_WithTheCataloguesTitleAndCode()
    {
        var page = await console.OpenAsync("dreets-aura-agent", "/");
        var response = await page.GotoAsync($"{console.Origin}/Ciblage?contrat=cpom-pst38-2025");
        Assert.Equal(403, response!.Status);
        var alert = page.Locator(".fr-alert--error");
        Assert.Contains("Code : policy.comparison-not-party", await alert.InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal(ErrorCatalog.Title(ErrorCatalog.ComparisonNotParty), await alert.Locator("h2").InnerTextAsync());
        Assert.Equal(0, await page.Locator("main table").CountAsync());
        await ConsoleForms.AssertAxeAsync(page);
    }
}
