using System.Net;
using CpomExchange.Gateway.AccessLog;
using CpomExchange.Tests.Shared;
using Microsoft.Playwright;

namespace CpomExchange.Console.Tests;

/// <summary>
/// Personne ou établissement concerné (RGPD art. 15): a DPO finds, by a NIR or a SIRET, every access
/// of their organisation's log to the datasets that hold it; another organisation's DPO finds none of
/// them; the identifier is never kept, logged nor shown back, and the lookup is logged with its purpose.
/// </summary>
[Collection(ConsoleCollection.Name)]
public sealed class SubjectPageTests(ConsoleFixture console)
{
    private static async Task LookUpAsync(IPage page, string identifier)
    {
        await page.FillAsync("#identifiant", identifier);
        await page.ClickAsync("button:has-text('Rechercher')");
    }

    [Fact]
    public async Task Dpo_FindsAPersonsAccessesByNir_TheNirIsNeitherShownNorLoggedNorKept_AndTheLookupIsLoggedWithItsPurpose()
    {
        const int Seed = 5151;
        var nir = ConsoleCalls.NirOf(Seed);
        var id = await console.Gateway.SendSignalementAsync(Seed);
        using (var serviceSocial = console.Gateway.ClientFor("carsat-ra-service-social"))
        {
            Assert.Equal(HttpStatusCode.OK, (await serviceSocial.GetAsync($"api/v1/datasets/{id}/content?purpose=pdp")).StatusCode);
        }

        var page = await console.OpenAsync("pst38-dpo", "/Journal/Personne");
        Assert.Equal("Personne ou établissement concerné", await page.Locator("h1").InnerTextAsync());
        await console.AssertAccessibleAsync(page);
        // Typed as people write it, with spaces.
        await LookUpAsync(page, $"{nir[..1]} {nir[1..3]} {nir[3..5]} {nir[5..7]} {nir[7..10]} {nir[10..13]} {nir[13..]}");
        Assert.Equal("Accès concernant une personne (NIR)", await page.Locator("#resultat-titre").InnerTextAsync());
        Assert.Equal("1", await page.Locator("#jeux").InnerTextAsync());
        var rows = await page.Locator("#entrees tbody tr").AllInnerTextsAsync();
        Assert.Contains(rows, r => r.Contains(id, StringComparison.Ordinal) && r.Contains("dépôt d'un fichier", StringComparison.Ordinal));
        Assert.Contains(rows, r => r.Contains(id, StringComparison.Ordinal) && r.Contains("téléchargement", StringComparison.Ordinal) && r.Contains("Carsat Rhône-Alpes", StringComparison.Ordinal));
        Assert.All(rows, r => Assert.Contains(id, r, StringComparison.Ordinal));
        // Not shown back: neither in the page nor in the form.
        Assert.DoesNotContain(nir, await page.ContentAsync(), StringComparison.Ordinal);
        Assert.Equal("", await page.InputValueAsync("#identifiant"));
        var pseudonym = await page.Locator("#resultat dd code").First.InnerTextAsync();
        Assert.Matches("^v[0-9]+:[A-Za-z0-9_-]{43}$", pseudonym);
        await console.AssertAccessibleAsync(page);
        await ConsoleFixture.ScreenshotAsync(page, "journal-personne");

        // The lookup is in P.S.T.38's log under its purpose, with the pseudonym and never the NIR.
        var journal = await console.OpenAsync("pst38-dpo", $"/Journal?action=audit-read&finalite={AuditService.SubjectAccessPurpose}");
        await journal.Locator("#entrees tbody tr a").First.ClickAsync();
        var entry = await journal.Locator("#entree").InnerTextAsync();
        Assert.Contains(AuditService.SubjectAccessPurpose, entry, StringComparison.Ordinal);
        Assert.Contains("recherche " + pseudonym, entry, StringComparison.Ordinal);

        // Nowhere in clear: files, every table of the database (whatever the provider), the gateway's logs.
        var search = await ClearTextSearch.SearchAsync(console.Gateway, nir);
        Assert.True(search.Found.Count == 0, "Found in clear:\n" + string.Join("\n", search.Found));
        Assert.Contains("access_log_entries", search.Tables);
        // The search looks where the lookup wrote: the pseudonym is found there.
        Assert.Contains((await ClearTextSearch.SearchAsync(console.Gateway, pseudonym)).Found,
            f => f.StartsWith("table access_log_entries, column Object", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AnotherOrganisationsDpo_FindsNoneOfIt_EvenAPartyToTheSameContract()
    {
        const int Seed = 6262;
        var nir = ConsoleCalls.NirOf(Seed);
        var id = await console.Gateway.SendSignalementAsync(Seed);

        // The recipient is the other joint controller: its DPO finds the file.
        var recipient = await console.OpenAsync("carsat-ra-dpo", "/Journal/Personne");
        await LookUpAsync(recipient, nir);
        Assert.Equal("1", await recipient.Locator("#jeux").InnerTextAsync());
        Assert.Contains(id, await recipient.Locator("#entrees").InnerTextAsync(), StringComparison.Ordinal);

        // The DREETS of the same contract received nothing; SATM has nothing to do with it.
        foreach (var dpo in new[] { "dreets-aura-dpo", "satm-dpo" })
        {
            var page = await console.OpenAsync(dpo, "/Journal/Personne");
            await LookUpAsync(page, nir);
            Assert.Equal("0", await page.Locator("#jeux").InnerTextAsync());
            Assert.Equal("0", await page.Locator("#acces").InnerTextAsync());
            Assert.Equal(1, await page.Locator("#aucun").CountAsync());
            Assert.DoesNotContain(id, await page.Locator("main").InnerTextAsync(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Dpo_FindsAnEstablishmentBySiret_InTheFilesItsOrganisationSent()
    {
        var id = await console.Gateway.SendAdherentsAsync(831_000_000);
        var siret = TestSirets.From(831_000_000).First();
        var page = await console.OpenAsync("prevy-dpo", "/Journal/Personne");
        await LookUpAsync(page, siret);
        Assert.Equal("Accès concernant un établissement (SIRET)", await page.Locator("#resultat-titre").InnerTextAsync());
        Assert.Equal("1", await page.Locator("#jeux").InnerTextAsync());
        Assert.Contains(id, await page.Locator("#entrees").InnerTextAsync(), StringComparison.Ordinal);
        Assert.DoesNotContain(siret, await page.ContentAsync(), StringComparison.Ordinal);

        var other = await console.OpenAsync("satm-dpo", "/Journal/Personne");
        await LookUpAsync(other, siret);
        Assert.Equal("0", await other.Locator("#jeux").InnerTextAsync());
    }

    [Fact]
    public async Task AMalformedIdentifier_IsRefusedWithoutBeingEchoed()
    {
        var (status, body) = await ConsoleForms.PostAsync(console, "prevy-dpo", "/Journal/Personne", [new("Identifiant", "1234567890123")]);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("id=\"erreur\"", body, StringComparison.Ordinal);
        Assert.DoesNotContain("1234567890123", body, StringComparison.Ordinal);
        Assert.DoesNotContain("id=\"resultat\"", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LookupPost_WithoutTheDpoRoleIs403_EvenWithAValidToken_AndWithoutATokenIsRefused()
    {
        var nir = ConsoleCalls.NirOf(7373);
        await console.Gateway.SendSignalementAsync(7373);
        KeyValuePair<string, string>[] form = [new("Identifiant", nir)];

        // The control: the DPO's own post with such a token is answered.
        var (dpoStatus, dpoBody) = await ConsoleForms.PostAsync(console, "pst38-dpo", "/Journal/Personne", form);
        Assert.Equal(HttpStatusCode.OK, dpoStatus);
        Assert.Contains("id=\"resultat\"", dpoBody, StringComparison.Ordinal);

        foreach (var identity in new[] { "pst38-pdp", "pst38-agent", "admin" })
        {
            var (status, body) = await ConsoleForms.PostAsync(console, identity, "/Journal/Personne", form);
            Assert.Equal(HttpStatusCode.Forbidden, status);
            Assert.Contains("policy.role-not-allowed", body, StringComparison.Ordinal);
            Assert.DoesNotContain("id=\"resultat\"", body, StringComparison.Ordinal);
        }
        var (noToken, noTokenBody) = await ConsoleForms.PostAsync(console, "pst38-dpo", "/Journal/Personne", form, withToken: false);
        Assert.Equal(HttpStatusCode.BadRequest, noToken);
        Assert.DoesNotContain("id=\"resultat\"", noTokenBody, StringComparison.Ordinal);
    }
}
