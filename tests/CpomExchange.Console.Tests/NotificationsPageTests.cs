using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace CpomExchange.Console.Tests;

/// <summary>
/// The Notifications page in a browser: an agent (here a DPO) sets their own address and the events
/// they want; an administrator sets an organisation's addresses for a role; what the page saved is
/// what the API reads (one service). Forged posts are refused by the server: an agent posting the
/// administrator's form, an administrator (no organisation) posting an own address, a post without token.
/// </summary>
[Collection(ConsoleCollection.Name)]
public sealed class NotificationsPageTests(ConsoleFixture console)
{
    [Fact]
    public async Task Dpo_SetsTheirOwnAddressAndEvents_AndTheApiReadsTheSame()
    {
        var page = await console.OpenAsync("dreets-pdl-dpo", "/Notifications");
        Assert.Equal("Notifications", await page.Locator("h1").InnerTextAsync());
        // No administrator's form for an agent.
        Assert.Equal(0, await page.Locator("#organisations-titre").CountAsync());
        await console.AssertAccessibleAsync(page);

        await page.FillAsync("#adresse", "dpo.alertes@dreets-pdl.example");
        await page.CheckAsync("#moi-log-verification-failed", new() { Force = true });
        await page.CheckAsync("#moi-certificate-expiring", new() { Force = true });
        await page.ClickAsync("button:has-text('Enregistrer mon adresse')");
        Assert.StartsWith("Votre adresse et vos choix sont enregistrés.", await page.Locator("#fait").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Contains("dpo.alertes@dreets-pdl.example", await page.Locator("#adresse-actuelle").InnerTextAsync(), StringComparison.Ordinal);
        Assert.True(await page.Locator("#moi-log-verification-failed").IsCheckedAsync());
        Assert.False(await page.Locator("#moi-file-received").IsCheckedAsync());
        await console.AssertAccessibleAsync(page);

        using var api = console.Gateway.ClientFor("dreets-pdl-dpo");
        var own = Assert.Single((await api.GetFromJsonAsync<JsonElement>("api/v1/me/notifications")).GetProperty("addresses").EnumerateArray());
        Assert.Equal("dpo.alertes@dreets-pdl.example", own.GetProperty("address").GetString());
        Assert.Equal(["certificate-expiring", "log-verification-failed"], own.GetProperty("events").EnumerateArray().Select(e => e.GetString()!).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Admin_SetsAnOrganisationsAddressesForARole_ABadAddressIsRefusedWithNothingWritten()
    {
        var page = await console.OpenAsync("admin", "/Notifications");
        // An administrator belongs to no organisation: no own address here.
        Assert.Equal(0, await page.Locator("#moi-titre").CountAsync());
        await console.AssertAccessibleAsync(page);

        await page.SelectOptionAsync("#organisation", "carsat-pdl");
        await page.SelectOptionAsync("#role", "agent");
        await page.FillAsync("#adresses-saisie", "accueil@carsat-pdl.example\nAlice <alice@carsat-pdl.example>");
        await page.ClickAsync("button:has-text('Enregistrer les adresses')");
        Assert.Contains("Adresse « Alice <alice@carsat-pdl.example> » invalide", await page.Locator("#erreur").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Empty(await RoleAddressesAsync("carsat-pdl"));
        await console.AssertAccessibleAsync(page);

        await page.FillAsync("#adresses-saisie", "accueil@carsat-pdl.example\n\nprevention@carsat-pdl.example\n");
        await page.CheckAsync("#org-file-received", new() { Force = true });
        await page.ClickAsync("button:has-text('Enregistrer les adresses')");
        Assert.StartsWith("Les adresses de l'organisation sont enregistrées.", await page.Locator("#fait").InnerTextAsync(), StringComparison.Ordinal);
        var table = await page.Locator("#adresses").InnerTextAsync();
        Assert.Contains("prevention@carsat-pdl.example", table, StringComparison.Ordinal);
        await console.AssertAccessibleAsync(page);

        Assert.Equal(["accueil@carsat-pdl.example|agent|file-received", "prevention@carsat-pdl.example|agent|file-received"], await RoleAddressesAsync("carsat-pdl"));
    }

    [Fact]
    public async Task ForgedPosts_AreRefusedByTheServer_AndChangeNothing()
    {
        // An agent with a valid token posts the administrator's form: refused by the service the API uses.
        var (status, body) = await ConsoleForms.PostAsync(console, "cgss-guadeloupe-agent", "/Notifications?handler=Organisation",
            [new("Organisation", "cgss-guadeloupe"), new("Role", "agent"), new("Adresses", "pirate@ailleurs.example")]);
        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Contains("policy.role-not-allowed", body, StringComparison.Ordinal);
        Assert.Empty(await RoleAddressesAsync("cgss-guadeloupe"));

        // The administrator has no organisation: no own address.
        (status, _) = await ConsoleForms.PostAsync(console, "admin", "/Notifications?handler=Moi", [new("Adresse", "admin@ailleurs.example")]);
        Assert.Equal(HttpStatusCode.Forbidden, status);

        // Without a token: refused before any handler; the agent's demo address stays.
        (status, _) = await ConsoleForms.PostAsync(console, "cgss-guadeloupe-agent", "/Notifications?handler=Moi", [new("Adresse", "pirate@ailleurs.example")], withToken: false);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        using var agent = console.Gateway.ClientFor("cgss-guadeloupe-agent");
        var own = Assert.Single((await agent.GetFromJsonAsync<JsonElement>("api/v1/me/notifications")).GetProperty("addresses").EnumerateArray());
        Assert.Equal("cgss-guadeloupe-agent@cgss-guadeloupe.example", own.GetProperty("address").GetString());
    }

    /// <summary>The organisation's role addresses, as the API lists them: <c>address|role|events</c>.</summary>
    private async Task<List<string>> RoleAddressesAsync(string organisation)
    {
        using var admin = console.Gateway.ClientFor("admin");
        var all = await admin.GetFromJsonAsync<JsonElement>($"api/v1/admin/notifications/addresses?organisation={organisation}");
        return all.GetProperty("addresses").EnumerateArray().Where(a => a.GetProperty("agentId").ValueKind == JsonValueKind.Null)
            .Select(a => $"{a.GetProperty("address").GetString()}|{a.GetProperty("role").GetString()}|{string.Join(',', a.GetProperty("events").EnumerateArray().Select(e => e.GetString()))}")
            .Order(StringComparer.Ordinal).ToList();
    }
}
