using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using CpomExchange.Rules.Errors;
using CpomExchange.Tests.Shared;
using Microsoft.Playwright;

namespace CpomExchange.Console.Tests;

/// <summary>Déposer un fichier: the API's upload behind a form, the receipt, the file's errors by line, the server's refusals.</summary>
[Collection(ConsoleCollection.Name)]
public sealed class DepositPageTests(ConsoleFixture console)
{
    private static FilePayload Csv(string text) => new() { Name = "adherents.csv", MimeType = "text/csv", Buffer = Encoding.UTF8.GetBytes(text) };

    private static string Adherents(long seed, int count) => "siret\r\n" + string.Concat(TestSirets.From(seed).Take(count).Select(s => s + "\r\n"));

    [Fact]
    public async Task Journey_PrevySendsItsList_TheCarsatReceivesIt()
    {
        var page = await console.OpenAsync("prevy-agent", "/Deposer");
        Assert.Equal("Déposer un fichier", await page.Locator("h1").InnerTextAsync());
        await console.AssertAccessibleAsync(page);
        await ConsoleFixture.ScreenshotAsync(page, "deposer");
        await page.GetByLabel("Échange", new() { Exact = true }).SelectOptionAsync(new SelectOptionValue { Label = "Liste des établissements adhérents" });
        await page.GetByLabel("Destinataire", new() { Exact = true }).SelectOptionAsync(new SelectOptionValue { Label = "CARSAT Languedoc-Roussillon" });
        await page.GetByLabel("Finalité", new() { Exact = true }).SelectOptionAsync("sinistralite");
        await page.GetByLabel("Objet", new() { Exact = true }).FillAsync("campagne 2026");
        await page.GetByLabel("Fichier", new() { Exact = true }).SetInputFilesAsync(Csv(Adherents(860_000_000, 3)));
        await page.GetByRole(AriaRole.Button, new() { Name = "Déposer le fichier" }).ClickAsync();

        Assert.Equal("Fichier accepté", await page.Locator(".fr-alert--success h2").InnerTextAsync());
        var receipt = (await page.Locator("main table tbody tr").InnerTextAsync()).Split('\t');
        var id = receipt[0];
        Assert.Equal(["CARSAT Languedoc-Roussillon", "3", "0"], receipt[1..4]);
        Assert.Matches("^[0-9a-f]{64}$", receipt[4]);
        await console.AssertAccessibleAsync(page);
        await ConsoleFixture.ScreenshotAsync(page, "deposer-accuse");

        using var carsat = console.Gateway.ClientFor("carsat-lr-agent");
        var inbox = await carsat.GetFromJsonAsync<JsonElement>("api/v1/inbox");
        var received = Assert.Single(inbox.GetProperty("datasets").EnumerateArray(), d => d.GetProperty("id").GetString() == id);
        Assert.Equal("prevy", received.GetProperty("from").GetString());
        Assert.Equal("campagne 2026", received.GetProperty("object").GetString());
        Assert.Equal(3, received.GetProperty("rows").GetInt64());
    }

    [Fact]
    public async Task FileWithErrors_ShowsThemAtTheirLines_AndNothingIsStored()
    {
        var before = await OutboxCountAsync("prevy-agent");
        var page = await console.OpenAsync("prevy-agent", "/Deposer");
        await page.GetByLabel("Échange", new() { Exact = true }).SelectOptionAsync("adherents");
        await page.GetByLabel("Destinataire", new() { Exact = true }).SelectOptionAsync("carsat-lr");
        await page.GetByLabel("Finalité", new() { Exact = true }).SelectOptionAsync("sinistralite");
        var good = TestSirets.From(870_000_000).First();
        await page.GetByLabel("Fichier", new() { Exact = true }).SetInputFilesAsync(Csv($"siret\r\n{good}\r\n12345678901234\r\n{good}\r\nabc\r\n"));
        var response = await page.RunAndWaitForResponseAsync(
            () => page.GetByRole(AriaRole.Button, new() { Name = "Déposer le fichier" }).ClickAsync(), r => r.Request.Method == "POST");
        Assert.Equal(422, response.Status);
        Assert.Equal(ErrorCatalog.Title(ErrorCatalog.InvalidFile), await page.Locator(".fr-alert--error h2").InnerTextAsync());
        var lines = (await page.Locator("main table tbody tr").AllInnerTextsAsync()).Select(r => r.Split('\t')[0]).Distinct().ToList();
        // Line 1 is the header: the bad SIRET is line 3, the duplicate line 4, the malformed one line 5.
        Assert.Equal(["3", "4", "5"], lines);
        await console.AssertAccessibleAsync(page);
        await ConsoleFixture.ScreenshotAsync(page, "deposer-erreurs");
        Assert.Equal(before, await OutboxCountAsync("prevy-agent"));
    }

    [Fact]
    public async Task ExchangeTheContractDoesNotOpen_IsNotOffered_AndAForgedPostIsRefused()
    {
        var page = await console.OpenAsync("prevy-agent", "/Deposer");
        var offered = await page.GetByLabel("Échange", new() { Exact = true }).Locator("option").EvaluateAllAsync<string[]>("o => o.map(e => e.value)");
        Assert.Contains("adherents", offered);
        // The CARSAT sends the sinistralité; the signalements are the PDP cell's.
        Assert.DoesNotContain("sinistralite", offered);
        Assert.DoesNotContain("signalements-pdp", offered);

        await page.GetByLabel("Échange", new() { Exact = true }).EvaluateAsync("s => s.options[0].value = 'sinistralite'");
        await page.GetByLabel("Finalité", new() { Exact = true }).SelectOptionAsync("sinistralite");
        await page.GetByLabel("Fichier", new() { Exact = true }).SetInputFilesAsync(Csv(Adherents(880_000_000, 1)));
        var response = await page.RunAndWaitForResponseAsync(
            () => page.GetByRole(AriaRole.Button, new() { Name = "Déposer le fichier" }).ClickAsync(), r => r.Request.Method == "POST");
        Assert.Equal(403, response.Status);
        var alert = await page.Locator(".fr-alert--error").InnerTextAsync();
        var code = System.Text.RegularExpressions.Regex.Match(alert, @"Code : ([a-z]+\.[a-z-]+)").Groups[1].Value;
        Assert.StartsWith("policy.", code, StringComparison.Ordinal);
        Assert.Equal(ErrorCatalog.Title(code), await page.Locator(".fr-alert--error h2").InnerTextAsync());
    }

    [Fact]
    public async Task Upload_WithoutItsAntiforgeryToken_IsRefusedBeforeTheFileIsRead()
    {
        var before = await OutboxCountAsync("prevy-agent");
        using var client = console.Gateway.ClientFor("prevy-agent");
        using var form = new MultipartFormDataContent
        {
            { new StringContent("adherents"), "echange" },
            { new StringContent("carsat-lr"), "destinataire" },
            { new StringContent("sinistralite"), "finalite" },
            { new ByteArrayContent(Encoding.UTF8.GetBytes(Adherents(890_000_000, 1))), "fichier", "adherents.csv" },
        };
        using var response = await client.PostAsync("Deposer", form);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        // A token in first place that the antiforgery cookie does not match (here: no cookie at all) is no better.
        using var forged = new MultipartFormDataContent
        {
            { new StringContent("CfDJ8forged"), "__cpom_antiforgery" },
            { new StringContent("adherents"), "echange" },
            { new StringContent("carsat-lr"), "destinataire" },
            { new StringContent("sinistralite"), "finalite" },
            { new ByteArrayContent(Encoding.UTF8.GetBytes(Adherents(890_000_000, 1))), "fichier", "adherents.csv" },
        };
        using var refused = await client.PostAsync("Deposer", forged);
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Equal(before, await OutboxCountAsync("prevy-agent"));
    }

    [Fact]
    public async Task UploadJourney_CanBeDoneWithTheKeyboardAlone()
    {
        var page = await console.OpenAsync("prevy-agent", "/Deposer");
        await page.GetByLabel("Échange", new() { Exact = true }).FocusAsync();
        await ChooseWithArrowsAsync(page, "adherents");
        await page.Keyboard.PressAsync("Tab");
        await ChooseWithArrowsAsync(page, "carsat-lr");
        await page.Keyboard.PressAsync("Tab");
        await ChooseWithArrowsAsync(page, "sinistralite");
        await page.Keyboard.PressAsync("Tab");
        await page.Keyboard.TypeAsync("au clavier");
        await page.Keyboard.PressAsync("Tab");
        await page.Keyboard.PressAsync("Tab");
        // The file field is reached by the keyboard; the file itself is chosen in the system's dialog, outside the page.
        Assert.Equal("fichier", await ActiveAsync(page, "id"));
        await page.Locator("#fichier:focus").SetInputFilesAsync(Csv(Adherents(900_000_000, 2)));
        await page.Keyboard.PressAsync("Tab");
        Assert.Equal("Déposer le fichier", await ActiveAsync(page, "textContent"));
        await page.Keyboard.PressAsync("Enter");
        await page.WaitForSelectorAsync(".fr-alert");
        Assert.Equal("Fichier accepté", await page.Locator(".fr-alert--success h2").InnerTextAsync());
    }

    private static Task<string> ActiveAsync(IPage page, string property) => page.EvaluateAsync<string>($"() => document.activeElement.{property}");

    /// <summary>Moves the focused list's choice with the arrow keys until <paramref name="value"/> is chosen.</summary>
    private static async Task ChooseWithArrowsAsync(IPage page, string value)
    {
        await page.Keyboard.PressAsync("Home");
        for (var i = 0; i < 30 && await ActiveAsync(page, "value") != value; i++)
        {
            await page.Keyboard.PressAsync("ArrowDown");
        }
        Assert.Equal(value, await ActiveAsync(page, "value"));
    }

    private async Task<int> OutboxCountAsync(string identity)
    {
        using var client = console.Gateway.ClientFor(identity);
        var outbox = await client.GetFromJsonAsync<JsonElement>("api/v1/outbox");
        return outbox.GetProperty("datasets").GetArrayLength();
    }
}
