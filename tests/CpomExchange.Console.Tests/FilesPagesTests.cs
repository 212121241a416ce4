using System.Net;
using System.Text.Json;
using CpomExchange.Rules.Errors;
using Microsoft.Playwright;

namespace CpomExchange.Console.Tests;

/// <summary>
/// Fichiers reçus, Fichiers envoyés, a file's page and its withdrawal, in a real browser presenting
/// the agents' certificates: every action is the API's own operation, so the API sees its effects.
/// </summary>
[Collection(ConsoleCollection.Name)]
public sealed class FilesPagesTests(ConsoleFixture console)
{
    [Fact]
    public async Task Journey_CarsatDownloadsAndAcknowledges_PrevySeesItInItsSentFiles()
    {
        var id = await console.Gateway.SendAdherentsAsync(810_000_000, count: 3);

        var carsat = await console.OpenAsync("carsat-lr-agent", "/Recus");
        Assert.Equal("Fichiers reçus", await carsat.Locator("h1").InnerTextAsync());
        var row = carsat.Locator("main table tbody tr", new() { HasText = id });
        Assert.Equal($"Liste des établissements adhérents\tPREVY\tConnaître la sinistralité AT/MP des établissements adhérents pour orienter les actions de prévention\t3\tnouveau\t{id}", Without(await row.InnerTextAsync(), 1));
        await console.AssertAccessibleAsync(carsat);
        await ConsoleFixture.ScreenshotAsync(carsat, "fichiers-recus");

        await row.GetByRole(AriaRole.Link, new() { Name = id }).ClickAsync();
        Assert.Equal("Fichier reçu", await carsat.Locator("h1").InnerTextAsync());
        var download = await carsat.RunAndWaitForDownloadAsync(() => carsat.GetByRole(AriaRole.Button, new() { Name = "Télécharger le fichier" }).ClickAsync());
        Assert.Equal($"adherents-{id}.csv", download.SuggestedFilename);
        var content = await File.ReadAllTextAsync((await download.PathAsync())!);
        Assert.Equal(4, content.Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Length);

        await carsat.ReloadAsync();
        Assert.Equal("téléchargé", await Fact(carsat, "État"));
        await carsat.GetByRole(AriaRole.Button, new() { Name = "Accuser réception" }).ClickAsync();
        Assert.Equal("Réception accusée : l'expéditeur le voit.", await carsat.Locator(".fr-alert--success").InnerTextAsync());
        Assert.Equal("accusé", await Fact(carsat, "État"));
        Assert.Equal(0, await carsat.GetByRole(AriaRole.Button, new() { Name = "Accuser réception" }).CountAsync());
        var history = await carsat.Locator("main table tbody tr").AllInnerTextsAsync();
        Assert.Contains(history, h => h.Contains("\ttéléchargement\t", StringComparison.Ordinal) && h.EndsWith("\tautorisé", StringComparison.Ordinal));
        Assert.Contains(history, h => h.Contains("\taccusé de réception\t", StringComparison.Ordinal));
        await console.AssertAccessibleAsync(carsat);
        await ConsoleFixture.ScreenshotAsync(carsat, "fichier-recu");

        // The API sees what the console did.
        var metadata = await console.Gateway.MetadataAsync("prevy-agent", id);
        Assert.Equal("carsat-lr-agent", metadata.GetProperty("acknowledgedBy").GetString());
        Assert.Equal(JsonValueKind.String, metadata.GetProperty("firstDownloadedAt").ValueKind);

        var prevy = await console.OpenAsync("prevy-agent", "/Envoyes");
        Assert.Equal("Fichiers envoyés", await prevy.Locator("h1").InnerTextAsync());
        var sent = (await prevy.Locator("main table tbody tr", new() { HasText = id }).InnerTextAsync()).Split('\t');
        Assert.Equal(["Liste des établissements adhérents", "CARSAT Languedoc-Roussillon", "3"], sent[1..4]);
        Assert.Matches(@"^\d\d/\d\d/\d{4} \d\d:\d\d$", sent[4]);
        Assert.Matches(@"^le \d\d/\d\d/\d{4} \d\d:\d\d par carsat-lr-agent$", sent[5]);
        Assert.Equal("accusé", sent[6]);
        await console.AssertAccessibleAsync(prevy);
        await ConsoleFixture.ScreenshotAsync(prevy, "fichiers-envoyes");
    }

    [Fact]
    public async Task Withdrawal_AfterItsConfirmation_MakesTheFileUnavailableToTheRecipient()
    {
        var id = await console.Gateway.SendAdherentsAsync(820_000_000);

        var prevy = await console.OpenAsync("prevy-agent", $"/Fichiers/{id}");
        Assert.Equal("Fichier envoyé", await prevy.Locator("h1").InnerTextAsync());
        Assert.Equal(0, await prevy.GetByRole(AriaRole.Button, new() { Name = "Télécharger le fichier" }).CountAsync());
        await prevy.GetByRole(AriaRole.Link, new() { Name = "Retirer ce fichier" }).ClickAsync();
        Assert.Equal("Retirer un fichier", await prevy.Locator("h1").InnerTextAsync());
        Assert.Contains("Le destinataire ne pourra plus télécharger ce fichier", await prevy.Locator(".fr-alert--warning").InnerTextAsync(), StringComparison.Ordinal);
        await console.AssertAccessibleAsync(prevy);
        await ConsoleFixture.ScreenshotAsync(prevy, "retrait");
        // Nothing is withdrawn until the sender confirms.
        Assert.Equal("available", (await console.Gateway.MetadataAsync("prevy-agent", id)).GetProperty("status").GetString());

        await prevy.GetByRole(AriaRole.Button, new() { Name = "Confirmer le retrait" }).ClickAsync();
        Assert.Contains("Fichier retiré", await prevy.Locator(".fr-alert--success").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal("retiré", await Fact(prevy, "État"));

        using var api = console.Gateway.ClientFor("carsat-lr-agent");
        using var gone = await api.GetAsync($"api/v1/datasets/{id}/content?purpose=sinistralite");
        Assert.Equal(HttpStatusCode.Gone, gone.StatusCode);
        var carsat = await console.OpenAsync("carsat-lr-agent", $"/Fichiers/{id}");
        Assert.Equal("retiré", await Fact(carsat, "État"));
        Assert.Equal(0, await carsat.GetByRole(AriaRole.Button, new() { Name = "Télécharger le fichier" }).CountAsync());
        var withdrawn = await console.OpenAsync("carsat-lr-agent", "/Recus?etat=retiré");
        Assert.Equal(1, await withdrawn.Locator("main table tbody tr", new() { HasText = id }).CountAsync());
        var fresh = await console.OpenAsync("carsat-lr-agent", "/Recus?etat=nouveau");
        Assert.Equal(0, await fresh.Locator("main table tbody tr", new() { HasText = id }).CountAsync());
    }

    [Fact]
    public async Task Download_ForAnotherPurposeThanTheFilesOwn_IsRefusedWithTheCataloguesTitleAndCode()
    {
        var id = await console.Gateway.SendAdherentsAsync(830_000_000);
        var carsat = await console.OpenAsync("carsat-lr-agent", $"/Fichiers/{id}");
        // A forged post: the purpose field changed in the page before it is sent.
        await carsat.Locator("input[name=finalite]").First.EvaluateAsync("e => e.value = 'ciblage'");
        var response = await carsat.RunAndWaitForResponseAsync(
            () => carsat.GetByRole(AriaRole.Button, new() { Name = "Télécharger le fichier" }).ClickAsync(), r => r.Request.Method == "POST");
        Assert.Equal(403, response.Status);
        var alert = carsat.Locator(".fr-alert--error");
        Assert.Equal(ErrorCatalog.Title(ErrorCatalog.PurposeNotAllowed), await alert.Locator("h2").InnerTextAsync());
        Assert.Contains($"Code : {ErrorCatalog.PurposeNotAllowed}", await alert.InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal("nouveau", await Fact(carsat, "État"));
        await console.AssertAccessibleAsync(carsat);
        Assert.Equal(JsonValueKind.Null, (await console.Gateway.MetadataAsync("prevy-agent", id)).GetProperty("firstDownloadedAt").ValueKind);
    }

    [Fact]
    public async Task Withdrawal_ForgedByTheRecipientWithAValidToken_IsRefusedByTheServer()
    {
        var id = await console.Gateway.SendAdherentsAsync(840_000_000);
        var carsat = await console.OpenAsync("carsat-lr-agent", $"/Fichiers/{id}/Retrait");
        // The page offers the recipient no confirmation.
        Assert.Equal(0, await carsat.GetByRole(AriaRole.Button, new() { Name = "Confirmer le retrait" }).CountAsync());
        // Its file page has forms with a valid token: one of them is sent to the withdrawal instead.
        await carsat.GotoAsync($"{console.Origin}/Fichiers/{id}");
        await carsat.Locator("form[method=post]").First.EvaluateAsync($"f => f.action = '/Fichiers/{id}/Retrait'");
        var response = await carsat.RunAndWaitForResponseAsync(
            () => carsat.GetByRole(AriaRole.Button, new() { Name = "Télécharger le fichier" }).ClickAsync(), r => r.Request.Method == "POST");
        Assert.Equal(403, response.Status);
        Assert.Contains($"Code : {ErrorCatalog.DirectionNotAllowed}", await carsat.Locator(".fr-alert--error").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal("available", (await console.Gateway.MetadataAsync("prevy-agent", id)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task Post_WithoutItsAntiforgeryToken_IsRefusedAndChangesNothing()
    {
        var id = await console.Gateway.SendAdherentsAsync(850_000_000);
        // The client certificate is presented anyway (an ambient credential): only the token tells a form of the console from another site's.
        using var client = console.Gateway.ClientFor("carsat-lr-agent");
        using var acknowledge = await client.PostAsync($"Fichiers/{id}?handler=Accuser", new FormUrlEncodedContent([new("finalite", "sinistralite")]));
        Assert.Equal(HttpStatusCode.BadRequest, acknowledge.StatusCode);
        using var prevy = console.Gateway.ClientFor("prevy-agent");
        using var withdraw = await prevy.PostAsync($"Fichiers/{id}/Retrait", new FormUrlEncodedContent([]));
        Assert.Equal(HttpStatusCode.BadRequest, withdraw.StatusCode);
        var metadata = await console.Gateway.MetadataAsync("prevy-agent", id);
        Assert.Equal(JsonValueKind.Null, metadata.GetProperty("acknowledgedAt").ValueKind);
        Assert.Equal("available", metadata.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Signalements_AreListedToThePdpCellAndNeverToAnAgentOfTheSameSpsti()
    {
        var id = await console.Gateway.SendSignalementAsync(4242);
        var pdp = await console.OpenAsync("pst38-pdp", "/Envoyes");
        Assert.Equal(1, await pdp.Locator("main table tbody tr", new() { HasText = id }).CountAsync());
        await console.AssertAccessibleAsync(pdp);

        var agent = await console.OpenAsync("pst38-agent", "/Envoyes");
        Assert.DoesNotContain(id, await agent.Locator("main").InnerTextAsync(), StringComparison.Ordinal);
        Assert.DoesNotContain("Signalement", await agent.Locator("main").InnerTextAsync(), StringComparison.Ordinal);
        var page = await agent.GotoAsync($"{console.Origin}/Fichiers/{id}");
        Assert.Equal(403, page!.Status);
        Assert.Equal(0, await agent.Locator("dl").CountAsync());
    }

    /// <summary>The value of the fact <paramref name="name"/> of a file's page.</summary>
    private static Task<string> Fact(IPage page, string name) =>
        page.Locator($"dl.cpom-facts dt:text-is('{name}') + dd").InnerTextAsync();

    /// <summary>A table row's text without its cell <paramref name="index"/> (a time).</summary>
    private static string Without(string row, int index)
    {
        var cells = row.Split('\t').ToList();
        cells.RemoveAt(index - 1);
        return string.Join('\t', cells);
    }
}
