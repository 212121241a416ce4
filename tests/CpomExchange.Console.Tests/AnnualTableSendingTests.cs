using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CpomExchange.Rules.AccessLog;
using CpomExchange.Rules.Errors;
using CpomExchange.Rules.Policies;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace CpomExchange.Console.Tests;

/// <summary>
/// Tableau annuel, sent: after a confirmation, the table goes to the contract's DREETS and caisse through
/// the API's own upload (its checks, its log entries); nothing leaves before the confirmation, and a
/// forged sending is refused by the server.
/// </summary>
[Collection(ConsoleCollection.Name)]
public sealed class AnnualTableSendingTests(ConsoleFixture console)
{
    private const string ContractId = "cpom-pst38-2025";

    private Contract Contract => console.Gateway.Services.GetRequiredService<PolicySet>().Contracts.Single(c => c.Id == ContractId);

    [Fact]
    public async Task SpstiAgent_ConfirmsAndSends_TheDreetsAndTheCaisseReceiveTheTable_LoggedAsUploads()
    {
        var contract = Contract;
        var before = await TablesReceivedAsync(contract.Dreets);
        var spstiMark = await console.Gateway.HeadAsync(contract.Spsti);
        var dreetsMark = await console.Gateway.HeadAsync(contract.Dreets);

        var page = await console.OpenAsync("pst38-agent", $"/TableauAnnuel?contrat={ContractId}&annee=2025");
        var rows = page.Locator("main form[method=post] table tbody tr");
        var count = await rows.CountAsync();
        Assert.True(count > 1, "a draft of one row");
        await rows.Nth(1).Locator("input").FillAsync("=2+2 vu avec la caisse");
        await page.GetByRole(AriaRole.Button, new() { Name = "Envoyer le tableau à la DREETS et à la caisse" }).ClickAsync();

        Assert.Equal("Confirmer l'envoi du tableau 2025", await page.Locator("#confirmation").InnerTextAsync());
        Assert.Contains("DREETS Auvergne-Rhône-Alpes", await page.Locator(".fr-alert--warning").InnerTextAsync(), StringComparison.Ordinal);
        await console.AssertAccessibleAsync(page);
        await ConsoleFixture.ScreenshotAsync(page, "tableau-annuel-confirmation");
        // Nothing is sent before the confirmation.
        Assert.Equal(before, await TablesReceivedAsync(contract.Dreets));

        await page.GetByRole(AriaRole.Button, new() { Name = "Confirmer l'envoi" }).ClickAsync();
        Assert.Equal("Tableau envoyé", await page.Locator(".fr-alert--success h3").InnerTextAsync());
        var ids = await page.Locator("section[aria-labelledby=envoi] li a").AllInnerTextsAsync();
        Assert.Equal(2, ids.Distinct().Count());
        await console.AssertAccessibleAsync(page);

        var received = await TablesReceivedAsync(contract.Dreets);
        Assert.Equal(before.Count + 1, received.Count);
        var sent = received.Single(d => ids.Contains(d.GetProperty("id").GetString()));
        Assert.Equal(contract.Spsti, sent.GetProperty("from").GetString());
        Assert.Equal((long)count, sent.GetProperty("rows").GetInt64());
        using var dreets = console.Gateway.ClientFor(contract.Dreets + "-agent");
        var content = await dreets.GetStringAsync($"api/v1/datasets/{sent.GetProperty("id").GetString()}/content?purpose=indicateurs");
        // The comment typed, neutralised as the CSV download neutralises it, on the row it was typed for.
        Assert.Contains("'=2+2 vu avec la caisse", content, StringComparison.Ordinal);
        Assert.DoesNotContain(";=2+2", content, StringComparison.Ordinal);
        var caisse = ids.Single(i => i != sent.GetProperty("id").GetString());
        Assert.Equal(contract.Caisse, (await console.Gateway.MetadataAsync("pst38-agent", caisse)).GetProperty("to").GetString());

        // The same log entries as an upload through the API: one allowed upload per recipient, under the SPSTI and under each recipient.
        var spstiUploads = (await console.Gateway.SinceAsync(contract.Spsti, spstiMark)).Where(e => e.Action == LogActions.Upload).ToList();
        Assert.Equal([(contract.Dreets, AccessLogEntry.Allowed, "pst38-agent"), (contract.Caisse, AccessLogEntry.Allowed, "pst38-agent")],
            spstiUploads.Select(e => (e.Counterpart!, e.Outcome, e.AgentId)).ToList());
        var dreetsUpload = Assert.Single(await console.Gateway.SinceAsync(contract.Dreets, dreetsMark), e => e.Action == LogActions.Upload);
        Assert.Equal(sent.GetProperty("id").GetString(), dreetsUpload.DatasetId);
    }

    [Fact]
    public async Task Sending_WithoutTheConfirmation_OrWithoutAToken_SendsNothing()
    {
        var before = await TablesReceivedAsync(Contract.Dreets);
        var path = $"TableauAnnuel?handler=Confirmer&contrat={ContractId}&annee=2025";
        var (status, body) = await ConsoleForms.PostAsync(console, "pst38-agent", path, [new("contrat", ContractId), new("annee", "2025")]);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains(ErrorCatalog.MissingParameter, body, StringComparison.Ordinal);
        var (noToken, _) = await ConsoleForms.PostAsync(console, "pst38-agent", path,
            [new("contrat", ContractId), new("annee", "2025"), new("confirmation", "oui")], withToken: false);
        Assert.Equal(HttpStatusCode.BadRequest, noToken);
        Assert.Equal(before.Count, (await TablesReceivedAsync(Contract.Dreets)).Count);
    }

    [Fact]
    public async Task Sending_ForgedByThePdpCell_IsRefusedByTheUpload_AndLogged()
    {
        var contract = Contract;
        var before = await TablesReceivedAsync(contract.Dreets);
        var mark = await console.Gateway.HeadAsync(contract.Spsti);
        // The PDP cell may draft (its signalement rows) but not send the table (policy: indicateurs, send: agent).
        var (status, body) = await ConsoleForms.PostAsync(console, "pst38-pdp", $"TableauAnnuel?handler=Confirmer&contrat={ContractId}&annee=2025",
            [new("contrat", ContractId), new("annee", "2025"), new("confirmation", "oui")]);
        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Contains(ErrorCatalog.RoleNotAllowed, body, StringComparison.Ordinal);
        Assert.Equal(before.Count, (await TablesReceivedAsync(contract.Dreets)).Count);
        var refused = Assert.Single(await console.Gateway.SinceAsync(contract.Spsti, mark), e => e.Action == LogActions.Upload);
        Assert.Equal(("pst38-pdp", AccessLogEntry.Denied, ErrorCatalog.RoleNotAllowed), (refused.AgentId, refused.Outcome, refused.ReasonCode));

        // The DREETS cannot even draft it.
        var (dreets, _) = await ConsoleForms.PostAsync(console, contract.Dreets + "-agent", $"TableauAnnuel?handler=Confirmer&contrat={ContractId}&annee=2025",
            [new("contrat", ContractId), new("annee", "2025"), new("confirmation", "oui")]);
        Assert.Equal(HttpStatusCode.Forbidden, dreets);
    }

    [Fact]
    public async Task Sending_AnotherSpstisTable_IsRefused_AndTheRefusalIsLogged()
    {
        var before = await TablesReceivedAsync(Contract.Dreets);
        var mark = await console.Gateway.HeadAsync("prevy");
        // PREVY's agent names P.S.T.38's contract in the form.
        var (status, body) = await ConsoleForms.PostAsync(console, "prevy-agent", $"TableauAnnuel?handler=Confirmer&contrat={ContractId}&annee=2025",
            [new("contrat", ContractId), new("annee", "2025"), new("confirmation", "oui")]);
        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.DoesNotContain("Confirmer l'envoi", body, StringComparison.Ordinal);
        Assert.Equal(before.Count, (await TablesReceivedAsync(Contract.Dreets)).Count);
        var refused = Assert.Single(await console.Gateway.SinceAsync("prevy", mark), e => e.AgentId == "prevy-agent");
        Assert.Equal((LogActions.IndicatorsDraft, AccessLogEntry.Denied, ContractId), (refused.Action, refused.Outcome, refused.Object));
    }

    /// <summary>The annual tables <paramref name="organisation"/> received, through the API.</summary>
    private async Task<List<JsonElement>> TablesReceivedAsync(string organisation)
    {
        using var client = console.Gateway.ClientFor(organisation + "-agent");
        var inbox = await client.GetFromJsonAsync<JsonElement>("api/v1/inbox");
        return inbox.GetProperty("datasets").EnumerateArray().Where(d => d.GetProperty("type").GetString() == ReportingPolicy.Indicators).ToList();
    }
}
