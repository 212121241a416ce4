using System.Net;
using CpomExchange.Infrastructure.Pki;

namespace CpomExchange.Console.Tests;

/// <summary>
/// The administrators' directory in a browser: the agents with their certificates, a registration
/// from an uploaded PEM after which the agent can log in, a disabling (confirmed) after which it
/// cannot; refusals of a foreign certificate, of non-administrators and of posts without a token.
/// </summary>
[Collection(ConsoleCollection.Name)]
public sealed class DirectoryPageTests(ConsoleFixture console)
{
    [Fact]
    public async Task Admin_SeesTheAgentsWithTheirCertificates_AndExpiringOnesStandOut()
    {
        var page = await console.OpenAsync("admin", "/Admin");
        Assert.Equal("Annuaire des agents", await page.Locator("h1").InnerTextAsync());
        var row = await page.Locator("#agent-prevy-agent").TextContentAsync() ?? "";
        Assert.Contains("agent", row, StringComparison.Ordinal);
        Assert.Contains("CN=prevy-agent", row, StringComparison.Ordinal);
        Assert.Contains("CpomExchange Development CA", row, StringComparison.Ordinal);
        Assert.Contains("actif", row, StringComparison.Ordinal);
        Assert.Contains(await page.Locator("caption").AllInnerTextsAsync(), c => c == "PREVY (prevy)");
        Assert.Equal(0, await page.Locator("#agent-prevy-agent .fr-badge--warning").CountAsync());
        await console.AssertAccessibleAsync(page);
        await ConsoleFixture.ScreenshotAsync(page, "annuaire");

        // A certificate that ends in ten days stands out.
        var id = "expire-" + Guid.NewGuid().ToString("N")[..6];
        var pem = WriteCertificate(id, DateTimeOffset.UtcNow.AddDays(10));
        await RegisterAsync(page, id, "Agent qui expire", "satm", "agent", pem);
        await page.GotoAsync(console.Origin + "/Admin");
        Assert.StartsWith("expire dans ", (await page.Locator($"#agent-{id} .fr-badge--warning").TextContentAsync())!.Trim(), StringComparison.Ordinal);
    }

    /// <summary>A certificate of the development CA for <paramref name="id"/> (organisation SATM), its key beside it for a browser.</summary>
    private string WriteCertificate(string id, DateTimeOffset notAfter, bool foreignCa = false)
    {
        using var otherCa = foreignCa ? DevPki.CreateCa("Autorité inconnue") : null;
        using var certificate = DevPki.IssueClientCertificate(otherCa ?? console.Gateway.Ca, id, "SATM", "999000078", DateTimeOffset.UtcNow.AddDays(-1), notAfter);
        DevPki.WriteIdentity(console.Gateway.DevDirectory, id, certificate);
        return Path.Combine(console.Gateway.DevDirectory, id + ".pem");
    }

    private static async Task RegisterAsync(Microsoft.Playwright.IPage page, string id, string name, string organisation, string role, string pemPath)
    {
        await page.GotoAsync(page.Url[..page.Url.IndexOf("/Admin", StringComparison.Ordinal)] + "/Admin/Nouveau");
        await page.FillAsync("#identifiant", id);
        await page.FillAsync("#nom", name);
        await page.SelectOptionAsync("#organisation", organisation);
        await page.CheckAsync($"#role-{role}", new() { Force = true });
        await page.SetInputFilesAsync("#certificat", pemPath);
        await page.ClickAsync("button:has-text('Enregistrer')");
    }

    [Fact]
    public async Task Admin_RegistersAnAgentFromAPem_ItLogsIn_ThenIsDisabledAfterConfirmation_AndIsRefusedAtItsNextPage()
    {
        var id = "satm-nouvel-" + Guid.NewGuid().ToString("N")[..6];
        var pem = WriteCertificate(id, DateTimeOffset.UtcNow.AddYears(1));
        var admin = await console.OpenAsync("admin", "/Admin/Nouveau");
        await console.AssertAccessibleAsync(admin);
        await RegisterAsync(admin, id, "Nouvel agent SATM", "satm", "agent", pem);
        Assert.Contains($"/Admin/Agent?id={id}", admin.Url, StringComparison.Ordinal);
        Assert.StartsWith("L'agent est enregistré", await admin.Locator("#fait").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal("actif", await admin.Locator("#etat").InnerTextAsync());
        await console.AssertAccessibleAsync(admin);
        await ConsoleFixture.ScreenshotAsync(admin, "annuaire-agent");

        var agent = await console.OpenAsync(id);
        Assert.Contains(id, await agent.Locator("dl").InnerTextAsync(), StringComparison.Ordinal);

        // Without the confirmation box nothing changes.
        await admin.ClickAsync("button:has-text('Désactiver')");
        Assert.Contains("Cochez la case", await admin.Locator("#erreur").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal("actif", await admin.Locator("#etat").InnerTextAsync());
        Assert.True((await agent.ReloadAsync())!.Ok);

        await admin.CheckAsync("#confirme", new() { Force = true });
        await admin.ClickAsync("button:has-text('Désactiver')");
        Assert.StartsWith("L'agent est désactivé", await admin.Locator("#fait").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal("désactivé", await admin.Locator("#etat").InnerTextAsync());
        var refused = await agent.ReloadAsync();
        Assert.Equal(401, refused!.Status);

        // Both changes are in SATM's log, which its DPO reviews.
        var dpo = await console.OpenAsync("satm-dpo", "/Journal?action=admin-change&agent=admin");
        // The collection's tests run one at a time: the two newest are this test's, newest first.
        var links = await dpo.Locator("#entrees tbody tr a").EvaluateAllAsync<string[]>("links => links.map(a => a.getAttribute('href'))");
        Assert.True(links.Length >= 2, string.Join(", ", links));
        await dpo.GotoAsync(console.Origin + links[0]);
        Assert.Contains($"disabled {id}", await dpo.Locator("#entree").InnerTextAsync(), StringComparison.Ordinal);
        await dpo.GotoAsync(console.Origin + links[1]);
        Assert.Contains($"enregistrement de {id} (agent)", await dpo.Locator("#entree").InnerTextAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Registration_OfACertificateFromAnUnknownAuthority_IsRefusedAndNothingIsRegistered()
    {
        var id = "satm-etranger-" + Guid.NewGuid().ToString("N")[..6];
        var pem = WriteCertificate(id, DateTimeOffset.UtcNow.AddYears(1), foreignCa: true);
        var admin = await console.OpenAsync("admin", "/Admin/Nouveau");
        await RegisterAsync(admin, id, "Agent étranger", "satm", "agent", pem);
        Assert.Contains("/Admin/Nouveau", admin.Url, StringComparison.Ordinal);
        Assert.Contains("La passerelle le refuserait à la connexion.", await admin.Locator("#erreur").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal(id, await admin.InputValueAsync("#identifiant"));
        await ConsoleForms.AssertAxeAsync(admin);
        var response = await admin.GotoAsync($"{console.Origin}/Admin/Agent?id={id}");
        Assert.Equal(404, response!.Status);
    }

    public static TheoryData<string> AdminPages => new() { "/Admin", "/Admin/Nouveau", "/Admin/Agent?id=satm-agent" };

    [Theory]
    [MemberData(nameof(AdminPages))]
    public async Task WithoutTheAdminRole_EveryPageIs403(string path)
    {
        foreach (var identity in new[] { "satm-dpo", "satm-agent" })
        {
            var page = await console.OpenAsync(identity);
            var response = await page.GotoAsync(console.Origin + path);
            Assert.Equal(403, response!.Status);
            Assert.Contains("L'administration de l'annuaire des agents est réservée au rôle admin.", await page.Locator("main").InnerTextAsync(), StringComparison.Ordinal);
            Assert.DoesNotContain("CN=", await page.Locator("main").InnerTextAsync(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task FormPosts_WithoutTheAdminRoleAre403_EvenWithAValidToken_AndWithoutATokenAreRefused()
    {
        var target = "satm-cible-" + Guid.NewGuid().ToString("N")[..6];
        var pem = WriteCertificate(target, DateTimeOffset.UtcNow.AddYears(1));
        var admin = await console.OpenAsync("admin", "/Admin/Nouveau");
        await RegisterAsync(admin, target, "Cible", "satm", "agent", pem);
        Assert.Equal("actif", await admin.Locator("#etat").InnerTextAsync());

        KeyValuePair<string, string>[] confirm = [new("Confirme", "true")];
        foreach (var identity in new[] { "satm-dpo", "satm-agent" })
        {
            var (status, body) = await ConsoleForms.PostAsync(console, identity, $"/Admin/Agent?id={target}&handler=Desactiver", confirm);
            Assert.Equal(HttpStatusCode.Forbidden, status);
            Assert.Contains("policy.role-not-allowed", body, StringComparison.Ordinal);
            var (rolesStatus, _) = await ConsoleForms.PostAsync(console, identity, $"/Admin/Agent?id={target}&handler=Roles", [new("Roles", "admin")]);
            Assert.Equal(HttpStatusCode.Forbidden, rolesStatus);
            var (registerStatus, _) = await ConsoleForms.PostAsync(console, identity, "/Admin/Nouveau", [new("Identifiant", "intrus"), new("Nom", "Intrus"), new("Roles", "admin")]);
            Assert.Equal(HttpStatusCode.Forbidden, registerStatus);
        }
        // The administrator without a token: refused before anything runs.
        var (noToken, _) = await ConsoleForms.PostAsync(console, "admin", $"/Admin/Agent?id={target}&handler=Desactiver", confirm, withToken: false);
        Assert.Equal(HttpStatusCode.BadRequest, noToken);

        await admin.ReloadAsync();
        Assert.Equal("actif", await admin.Locator("#etat").InnerTextAsync());
        Assert.Equal("agent", await admin.Locator("#fiche dd").Nth(2).InnerTextAsync());

        // The control: the administrator's own post with such a token goes through.
        var (adminStatus, adminBody) = await ConsoleForms.PostAsync(console, "admin", $"/Admin/Agent?id={target}&handler=Desactiver", confirm);
        Assert.Equal(HttpStatusCode.OK, adminStatus);
        Assert.Contains("est désactivé : sa prochaine requête sera refusée", adminBody, StringComparison.Ordinal);
        await admin.ReloadAsync();
        Assert.Equal("désactivé", await admin.Locator("#etat").InnerTextAsync());
    }

    [Fact]
    public async Task Admin_ReplacesACertificate_AfterConfirmation_TheOldIsRefusedAtOnce_TheNewLogsIn_AndTheChangeIsLogged()
    {
        var id = "satm-renouvele-" + Guid.NewGuid().ToString("N")[..6];
        var oldPem = WriteCertificate(id, DateTimeOffset.UtcNow.AddYears(1));
        // The new certificate's files are named for the browser that presents it; the agent stays the same.
        var newPem = WriteCertificate(id + "-n", DateTimeOffset.UtcNow.AddYears(2));
        var admin = await console.OpenAsync("admin", "/Admin/Nouveau");
        await RegisterAsync(admin, id, "Agent renouvelé", "satm", "agent", oldPem);
        var oldFingerprint = await admin.Locator("#fiche dd").Nth(7).InnerTextAsync();
        var oldBrowser = await console.OpenAsync(id);

        // Without the confirmation box nothing changes.
        await admin.SetInputFilesAsync("#certificat", newPem);
        await admin.ClickAsync("button:has-text('Remplacer le certificat')");
        Assert.Contains("Cochez la case", await admin.Locator("#erreur").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal(oldFingerprint, await admin.Locator("#fiche dd").Nth(7).InnerTextAsync());
        Assert.True((await oldBrowser.ReloadAsync())!.Ok);

        await admin.SetInputFilesAsync("#certificat", newPem);
        await admin.CheckAsync("#confirme-certificat", new() { Force = true });
        await admin.ClickAsync("button:has-text('Remplacer le certificat')");
        Assert.StartsWith("Le certificat de l'agent est remplacé", await admin.Locator("#fait").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Contains($"CN={id}-n", await admin.Locator("#fiche").InnerTextAsync(), StringComparison.Ordinal);
        Assert.NotEqual(oldFingerprint, await admin.Locator("#fiche dd").Nth(7).InnerTextAsync());
        await console.AssertAccessibleAsync(admin);

        // The old certificate is refused at its next request; the new one is the same agent.
        Assert.Equal(401, (await oldBrowser.ReloadAsync())!.Status);
        var newBrowser = await console.OpenAsync(id + "-n");
        Assert.Contains(id, await newBrowser.Locator("dl").InnerTextAsync(), StringComparison.Ordinal);

        // The replacement is in SATM's log, which its DPO reviews.
        var dpo = await console.OpenAsync("satm-dpo", "/Journal?action=admin-change&agent=admin");
        await dpo.Locator("#entrees tbody tr a").First.ClickAsync();
        Assert.Contains($"certificate {id}", await dpo.Locator("#entree").InnerTextAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task CertificatePost_WithoutTheAdminRoleIs403_EvenWithAValidToken_AndWithoutATokenIsRefused()
    {
        foreach (var identity in new[] { "satm-dpo", "satm-agent" })
        {
            var (status, body) = await ConsoleForms.PostAsync(console, identity, "/Admin/Agent?id=satm-agent&handler=Certificat", [new("ConfirmeCertificat", "true")]);
            Assert.Equal(HttpStatusCode.Forbidden, status);
            Assert.Contains("policy.role-not-allowed", body, StringComparison.Ordinal);
        }
        var (noToken, _) = await ConsoleForms.PostAsync(console, "admin", "/Admin/Agent?id=satm-agent&handler=Certificat", [new("ConfirmeCertificat", "true")], withToken: false);
        Assert.Equal(HttpStatusCode.BadRequest, noToken);
        // The control: the administrator with a token reaches the handler (which wants a file).
        var (adminStatus, adminBody) = await ConsoleForms.PostAsync(console, "admin", "/Admin/Agent?id=satm-agent&handler=Certificat", [new("ConfirmeCertificat", "true")]);
        Assert.Equal(HttpStatusCode.BadRequest, adminStatus);
        Assert.Contains("Choisissez le fichier du certificat", adminBody, StringComparison.Ordinal);
    }
}
