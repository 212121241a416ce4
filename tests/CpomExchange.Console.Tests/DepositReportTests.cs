using System.Text;
using CpomExchange.Rules.AccessLog;
using CpomExchange.Rules.Errors;
using CpomExchange.Tests.Shared;
using Microsoft.Playwright;

namespace CpomExchange.Console.Tests;

/// <summary>
/// Déposer un fichier, continued: the answered list chosen among the lists received, the upload's
/// progress (with scripts; the form works without them), and a refused file's paged error report with
/// its CSV download.
/// </summary>
[Collection(ConsoleCollection.Name)]
public sealed class DepositReportTests(ConsoleFixture console)
{
    private static FilePayload Csv(string name, string text) => new() { Name = name, MimeType = "text/csv", Buffer = Encoding.UTF8.GetBytes(text) };

    private static string Adherents(long seed, int count) => "siret\r\n" + string.Concat(TestSirets.From(seed).Take(count).Select(s => s + "\r\n"));

    [Fact]
    public async Task AnswerFile_ChoosesTheListItAnswersAmongTheListsReceivedForThatPurpose()
    {
        var sirets = TestSirets.From(760_000_000).Take(2).ToArray();
        var forSinistralite = await console.Gateway.SendAsync("prevy-agent", "type=adherents&to=carsat-lr&purpose=sinistralite", "siret\r\n" + string.Join("\r\n", sirets) + "\r\n");
        var forCiblage = await console.Gateway.SendAsync("prevy-agent", "type=adherents&to=carsat-lr&purpose=ciblage", Adherents(761_000_000, 1));

        var page = await console.OpenAsync("carsat-lr-agent", "/Deposer");
        var answered = page.GetByLabel("Liste à laquelle ce fichier répond", new() { Exact = true });
        var offered = await answered.Locator("option").EvaluateAllAsync<string[]>("o => o.map(e => e.value)");
        Assert.Contains(forSinistralite, offered);
        // A list sent for the ciblage does not call for the sinistralité (RGPD art. 5(1)(b)): not offered.
        Assert.DoesNotContain(forCiblage, offered);
        await console.AssertAccessibleAsync(page);

        await page.GetByLabel("Échange", new() { Exact = true }).SelectOptionAsync("sinistralite");
        await page.GetByLabel("Destinataire", new() { Exact = true }).SelectOptionAsync("prevy");
        await page.GetByLabel("Finalité", new() { Exact = true }).SelectOptionAsync("sinistralite");
        await answered.SelectOptionAsync(forSinistralite);
        await page.GetByLabel("Fichier", new() { Exact = true }).SetInputFilesAsync(Csv("sinistralite.csv",
            "siret;annee;effectif;nb_at;nb_at_trajet;nb_mp;journees_it;nb_ip;nb_deces;indice_frequence;taux_gravite;code_risque;ctn\r\n" +
            string.Concat(sirets.Select(s => $"{s};2025;48;3;1;0;212;0;0;62,5;2,7;602MB;C\r\n"))));
        await page.GetByRole(AriaRole.Button, new() { Name = "Déposer le fichier" }).ClickAsync();
        Assert.Equal("Fichier accepté", await page.Locator(".fr-alert--success h2").InnerTextAsync());
        var id = (await page.Locator("main table tbody tr").First.InnerTextAsync()).Split('\t')[0];
        Assert.Equal(forSinistralite, (await console.Gateway.MetadataAsync("carsat-lr-agent", id)).GetProperty("replyTo").GetString());
    }

    [Fact]
    public async Task ForgedAnsweredList_OfAnotherCaisse_IsRefusedAndLogged()
    {
        var elsewhere = await console.Gateway.SendAsync("satm-agent", "type=adherents&to=carsat-pdl&purpose=sinistralite", Adherents(762_000_000, 1));
        var mark = await console.Gateway.HeadAsync("carsat-lr");
        var page = await console.OpenAsync("carsat-lr-agent", "/Deposer");
        await page.GetByLabel("Échange", new() { Exact = true }).SelectOptionAsync("sinistralite");
        await page.GetByLabel("Destinataire", new() { Exact = true }).SelectOptionAsync("prevy");
        await page.GetByLabel("Finalité", new() { Exact = true }).SelectOptionAsync("sinistralite");
        // The page offers only the caller's received lists: the attacker rewrites an option.
        await page.GetByLabel("Liste à laquelle ce fichier répond", new() { Exact = true }).EvaluateAsync($"s => {{ s.options[0].value = '{elsewhere}'; s.selectedIndex = 0; }}");
        await page.GetByLabel("Fichier", new() { Exact = true }).SetInputFilesAsync(Csv("sinistralite.csv",
            "siret;annee;effectif;nb_at;nb_at_trajet;nb_mp;journees_it;nb_ip;nb_deces;indice_frequence;taux_gravite;code_risque;ctn\r\n" +
            $"{TestSirets.From(762_000_000).First()};2025;48;3;1;0;212;0;0;62,5;2,7;602MB;C\r\n"));
        var response = await page.RunAndWaitForResponseAsync(
            () => page.GetByRole(AriaRole.Button, new() { Name = "Déposer le fichier" }).ClickAsync(), r => r.Request.Method == "POST");
        Assert.Equal(400, response.Status);
        Assert.Contains($"Code : {ErrorCatalog.ReplyToInvalid}", await page.Locator(".fr-alert--error").InnerTextAsync(), StringComparison.Ordinal);
        var refused = Assert.Single(await console.Gateway.SinceAsync("carsat-lr", mark), e => e.Action == LogActions.Upload);
        Assert.Equal((AccessLogEntry.Denied, ErrorCatalog.ReplyToInvalid, "carsat-lr-agent"), (refused.Outcome, refused.ReasonCode, refused.AgentId));
    }

    [Fact]
    public async Task RefusedFile_ErrorReportIsPaged_AndDownloadsAsCsv_WithFormulasNeutralised()
    {
        // 120 bad lines (2 to 121): SIRETs with one digit changed (a wrong key), the last one shaped like a formula.
        var wrong = TestSirets.From(765_000_000).Take(119).Select(s => s[..13] + (char)('0' + ((s[13] - '0' + 1) % 10)));
        var text = "siret\r\n" + string.Concat(wrong.Select(s => s + "\r\n")) + "=1+1\r\n";
        var page = await console.OpenAsync("prevy-agent", "/Deposer");
        await page.GetByLabel("Échange", new() { Exact = true }).SelectOptionAsync("adherents");
        await page.GetByLabel("Destinataire", new() { Exact = true }).SelectOptionAsync("carsat-lr");
        await page.GetByLabel("Finalité", new() { Exact = true }).SelectOptionAsync("sinistralite");
        await page.GetByLabel("Fichier", new() { Exact = true }).SetInputFilesAsync(Csv("adherents.csv", text));
        var response = await page.RunAndWaitForResponseAsync(
            () => page.GetByRole(AriaRole.Button, new() { Name = "Déposer le fichier" }).ClickAsync(), r => r.Request.Method == "POST");
        Assert.Equal(422, response.Status);

        var first = page.Locator("#erreurs-page-1");
        var second = page.Locator("#erreurs-page-2");
        // The answer replaces the form once it has arrived.
        await first.WaitForAsync();
        Assert.True(await first.IsVisibleAsync());
        Assert.False(await second.IsVisibleAsync());
        Assert.Equal(ErrorReportPageSize, await first.Locator("tbody tr").CountAsync());
        Assert.Equal("2", (await first.Locator("tbody tr").First.InnerTextAsync()).Split('\t')[0]);
        Assert.Equal("Erreurs du fichier, par ligne – page 1 sur 3", await first.Locator("caption").InnerTextAsync());
        Assert.Contains(ErrorCatalog.Title(ErrorCatalog.BadSiret), await first.Locator("tbody tr").First.InnerTextAsync(), StringComparison.Ordinal);
        await console.AssertAccessibleAsync(page);
        await ConsoleFixture.ScreenshotAsync(page, "deposer-rapport");

        await first.GetByRole(AriaRole.Link, new() { Name = "Page suivante" }).ClickAsync();
        Assert.True(await second.IsVisibleAsync());
        Assert.False(await first.IsVisibleAsync());
        Assert.Equal("52", (await second.Locator("tbody tr").First.InnerTextAsync()).Split('\t')[0]);
        await console.AssertAccessibleAsync(page);

        var download = await page.RunAndWaitForDownloadAsync(() => page.GetByRole(AriaRole.Link, new() { Name = "Télécharger le rapport d'erreurs (CSV)" }).ClickAsync());
        Assert.Equal("rapport-erreurs.csv", download.SuggestedFilename);
        var lines = (await File.ReadAllTextAsync((await download.PathAsync())!)).TrimStart('\uFEFF').Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("ligne;colonne;valeur;code;erreur;raison", lines[0]);
        Assert.Equal(121, lines.Length);
        Assert.StartsWith("121;siret;", lines[120], StringComparison.Ordinal);
        // The refused file's value, neutralised: a spreadsheet shows it, it does not run it.
        Assert.Contains("'=1+1", lines[120], StringComparison.Ordinal);
        Assert.DoesNotContain(";=1+1", lines[120], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Upload_WithScripts_ShowsItsProgress()
    {
        var page = await console.OpenAsync("prevy-agent", "/Deposer");
        await page.GetByLabel("Échange", new() { Exact = true }).SelectOptionAsync("adherents");
        await page.GetByLabel("Destinataire", new() { Exact = true }).SelectOptionAsync("carsat-lr");
        await page.GetByLabel("Finalité", new() { Exact = true }).SelectOptionAsync("sinistralite");
        await page.GetByLabel("Fichier", new() { Exact = true }).SetInputFilesAsync(Csv("adherents.csv", Adherents(763_000_000, 20_000)));
        // What the progress bar shows, recorded as it changes (the answer then replaces the form).
        await page.EvaluateAsync("""
            () => {
                window.cpomSeen = [];
                const zone = document.getElementById('depot-progression');
                const bar = document.getElementById('depot-barre');
                new MutationObserver(() => window.cpomSeen.push((zone.hidden ? 'hidden:' : 'shown:') + bar.value))
                    .observe(zone, { attributes: true, subtree: true });
            }
            """);
        var response = await page.RunAndWaitForResponseAsync(
            () => page.GetByRole(AriaRole.Button, new() { Name = "Déposer le fichier" }).ClickAsync(), r => r.Request.Method == "POST");
        Assert.Equal("xhr", response.Request.ResourceType);
        Assert.Equal(200, response.Status);
        Assert.Equal("Fichier accepté", await page.Locator(".fr-alert--success h2").InnerTextAsync());
        var seen = await page.EvaluateAsync<string[]>("() => window.cpomSeen");
        // The bar was shown, and went to 100 % once the file was sent.
        Assert.Contains("shown:100", seen);
        await console.AssertAccessibleAsync(page);
    }

    [Fact]
    public async Task Upload_WithoutScripts_PostsTheFormAsItIs()
    {
        var page = await console.OpenAsync("prevy-agent", "/Deposer", javaScript: false);
        Assert.True(await page.Locator("#depot-progression").IsHiddenAsync());
        await page.GetByLabel("Échange", new() { Exact = true }).SelectOptionAsync("adherents");
        await page.GetByLabel("Destinataire", new() { Exact = true }).SelectOptionAsync("carsat-lr");
        await page.GetByLabel("Finalité", new() { Exact = true }).SelectOptionAsync("sinistralite");
        await page.GetByLabel("Fichier", new() { Exact = true }).SetInputFilesAsync(Csv("adherents.csv", Adherents(764_000_000, 3)));
        var response = await page.RunAndWaitForResponseAsync(
            () => page.GetByRole(AriaRole.Button, new() { Name = "Déposer le fichier" }).ClickAsync(), r => r.Request.Method == "POST");
        Assert.Equal("document", response.Request.ResourceType);
        Assert.Equal("Fichier accepté", await page.Locator(".fr-alert--success h2").InnerTextAsync());
    }

    private const int ErrorReportPageSize = 50;
}
