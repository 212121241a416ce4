using System.Net;
using System.Text.Json;
using CpomExchange.Rules.AccessLog;
using CpomExchange.Rules.Errors;
using CpomExchange.Rules.Pseudonymisation;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace CpomExchange.Console.Tests;

/// <summary>
/// Signalements (health data, RGPD art. 9): listed, read, acknowledged and answered person by person by
/// the PDP cell and the service social only; the NIR never shown in clear; every access logged under
/// both controllers as the API logs it; anyone else refused by the server, and the refusal logged.
/// </summary>
[Collection(ConsoleCollection.Name)]
public sealed class SignalementsPagesTests(ConsoleFixture console)
{
    [Fact]
    public async Task Journey_ServiceSocialReadsAcknowledgesAndAnswersOnePerson_ThePdpCellReceivesTheRetour()
    {
        const int seed = 5151;
        var id = await console.Gateway.SendSignalementAsync(seed);
        var nir = ConsoleCalls.NirOf(seed);
        var pseudonym = console.Gateway.Services.GetRequiredService<Pseudonymiser>().Pseudonym(IdentifierKind.Nir, nir);
        var caisseMark = await console.Gateway.HeadAsync("carsat-ra");
        var spstiMark = await console.Gateway.HeadAsync("pst38");

        var social = await console.OpenAsync("carsat-ra-service-social", "/Signalements");
        Assert.Equal("Signalements", await social.Locator("h1").InnerTextAsync());
        var row = social.Locator("section[aria-labelledby=recus] table tbody tr", new() { HasText = id });
        Assert.Equal(1, await row.CountAsync());
        await console.AssertAccessibleAsync(social);
        await ConsoleFixture.ScreenshotAsync(social, "signalements");

        await row.GetByRole(AriaRole.Link, new() { Name = id }).ClickAsync();
        Assert.Equal("Signalement", await social.Locator("h1").InnerTextAsync());
        await social.GetByRole(AriaRole.Button, new() { Name = "Lire les personnes" }).ClickAsync();
        var person = social.Locator("section[aria-labelledby=personnes] table tbody tr");
        Assert.Equal(1, await person.CountAsync());
        var cells = (await person.InnerTextAsync()).Split('\t');
        Assert.Equal([$"{id}:1", pseudonym, "PERSONNE", "Camille"], cells[0..4]);
        // The NIR is never in the page, in any form the browser holds.
        Assert.DoesNotContain(nir, await social.ContentAsync(), StringComparison.Ordinal);
        await console.AssertAccessibleAsync(social);
        await ConsoleFixture.ScreenshotAsync(social, "signalement");

        // The reading is a download: logged under both controllers (joint controllers of the signalement).
        Assert.Equal(1, (await console.Gateway.SinceAsync("carsat-ra", caisseMark)).Count(e => e.Action == LogActions.Download && e.DatasetId == id && e.Outcome == AccessLogEntry.Allowed));
        Assert.Equal(1, (await console.Gateway.SinceAsync("pst38", spstiMark)).Count(e => e.Action == LogActions.Download && e.DatasetId == id && e.AgentId == "carsat-ra-service-social"));

        await social.GetByRole(AriaRole.Button, new() { Name = "Accuser réception" }).ClickAsync();
        Assert.Equal("Réception accusée : l'expéditeur le voit.", await social.Locator(".fr-alert--success").InnerTextAsync());
        Assert.Equal("carsat-ra-service-social", (await console.Gateway.MetadataAsync("pst38-pdp", id)).GetProperty("acknowledgedBy").GetString());

        await social.GetByRole(AriaRole.Button, new() { Name = "Lire les personnes" }).ClickAsync();
        var form = social.Locator("form", new() { HasText = $"Retour pour la personne {id}:1" });
        await form.GetByLabel("Statut", new() { Exact = true }).SelectOptionAsync("PRIS_EN_CHARGE");
        await form.GetByLabel("Date", new() { Exact = true }).FillAsync("2026-01-20");
        await form.GetByLabel("Commentaire", new() { Exact = true }).FillAsync("Premier entretien");
        await form.GetByRole(AriaRole.Button, new() { Name = "Envoyer le retour" }).ClickAsync();
        Assert.Equal("Retour envoyé", await social.Locator(".fr-alert--success h2").InnerTextAsync());
        var retour = await social.Locator(".fr-alert--success a").InnerTextAsync();
        await console.AssertAccessibleAsync(social);

        using var pdp = console.Gateway.ClientFor("pst38-pdp");
        Assert.Equal($"reference;statut;date;commentaire\r\n{id}:1;PRIS_EN_CHARGE;20/01/2026;Premier entretien\r\n",
            await pdp.GetStringAsync($"api/v1/datasets/{retour}/content?purpose=pdp"));
        var cell = await console.OpenAsync("pst38-pdp", "/Signalements");
        Assert.Equal(1, await cell.Locator("section[aria-labelledby=retours-recus] table tbody tr", new() { HasText = retour }).CountAsync());
        Assert.Equal(1, await cell.Locator("section[aria-labelledby=envoyes] table tbody tr", new() { HasText = id }).CountAsync());
    }

    [Fact]
    public async Task OrdinaryAgent_IsRefusedEveryPage_SeesNothing_AndTheRefusalIsLogged()
    {
        var id = await console.Gateway.SendSignalementAsync(5252);
        var mark = await console.Gateway.HeadAsync("pst38");
        var agent = await console.OpenAsync("pst38-agent");
        Assert.Equal(0, await agent.Locator("nav a", new() { HasText = "Signalements" }).CountAsync());

        var listing = await agent.GotoAsync($"{console.Origin}/Signalements");
        Assert.Equal(403, listing!.Status);
        Assert.Equal(0, await agent.Locator("main table").CountAsync());
        Assert.Contains($"Code : {ErrorCatalog.RoleNotAllowed}", await agent.Locator(".fr-alert--error").InnerTextAsync(), StringComparison.Ordinal);
        await ConsoleForms.AssertAxeAsync(agent);
        var file = await agent.GotoAsync($"{console.Origin}/Signalements/{id}");
        Assert.Equal(403, file!.Status);
        Assert.Equal(0, await agent.Locator("dl").CountAsync());
        Assert.DoesNotContain("PERSONNE", await agent.ContentAsync(), StringComparison.Ordinal);

        // A forged read, with a valid token for the agent: refused before any handler, nothing read.
        var (status, body) = await ConsoleForms.PostAsync(console, "pst38-agent", $"Signalements/{id}?handler=Lire", [new("finalite", "pdp")]);
        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.DoesNotContain("PERSONNE", body, StringComparison.Ordinal);

        var refusals = (await console.Gateway.SinceAsync("pst38", mark)).Where(e => e.AgentId == "pst38-agent" && e.Outcome == AccessLogEntry.Denied).ToList();
        Assert.Equal([(LogActions.List, (string?)null), (LogActions.ReadMetadata, id), (LogActions.ReadMetadata, id)],
            refusals.Select(e => (e.Action, e.DatasetId)).ToList());
        Assert.Equal([ErrorCatalog.RoleNotAllowed], refusals.Select(e => e.ReasonCode).Distinct().ToList());
        Assert.DoesNotContain(await console.Gateway.SinceAsync("pst38", mark), e => e.Action == LogActions.Download);
    }

    [Fact]
    public async Task AnotherOrganisationsServiceSocial_GetsNotFound_AndTheRefusalIsLoggedUnderTheOwners()
    {
        var id = await console.Gateway.SendSignalementAsync(5353);
        var mark = await console.Gateway.HeadAsync("carsat-ra");
        var other = await console.OpenAsync("cgss-guadeloupe-service-social");
        var page = await other.GotoAsync($"{console.Origin}/Signalements/{id}");
        Assert.Equal(404, page!.Status);
        Assert.Equal(0, await other.Locator("dl").CountAsync());
        await ConsoleForms.AssertAxeAsync(other);
        var (status, body) = await ConsoleForms.PostAsync(console, "cgss-guadeloupe-service-social", $"Signalements/{id}?handler=Lire", [new("finalite", "pdp")]);
        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.DoesNotContain("PERSONNE", body, StringComparison.Ordinal);
        var logged = (await console.Gateway.SinceAsync("carsat-ra", mark)).Where(e => e.AgentId == "cgss-guadeloupe-service-social").ToList();
        Assert.Equal(2, logged.Count);
        Assert.Equal([(AccessLogEntry.Denied, ErrorCatalog.DatasetNotFound, id)], logged.Select(e => (e.Outcome, e.ReasonCode, e.DatasetId)).Distinct().ToList());
    }

    [Fact]
    public async Task ForgedPosts_AreRefusedByTheServer()
    {
        var id = await console.Gateway.SendSignalementAsync(5454);
        // Without its token.
        var (noToken, _) = await ConsoleForms.PostAsync(console, "carsat-ra-service-social", $"Signalements/{id}?handler=Lire", [new("finalite", "pdp")], withToken: false);
        Assert.Equal(HttpStatusCode.BadRequest, noToken);
        // For another purpose than the one the signalement was sent for.
        var (purpose, purposeBody) = await ConsoleForms.PostAsync(console, "carsat-ra-service-social", $"Signalements/{id}?handler=Lire", [new("finalite", "ciblage")]);
        Assert.Equal(HttpStatusCode.Forbidden, purpose);
        Assert.DoesNotContain("PERSONNE", purposeBody, StringComparison.Ordinal);
        // The sender answering its own signalement.
        var (sender, _) = await ConsoleForms.PostAsync(console, "pst38-pdp", $"Signalements/{id}?handler=Repondre",
            [new("reference", id + ":1"), new("statut", "CLOS"), new("date", "2026-01-22")]);
        Assert.Equal(HttpStatusCode.Forbidden, sender);
        // A person that is not in this signalement: the upload's own rule refuses it, with its line.
        var (unknown, unknownBody) = await ConsoleForms.PostAsync(console, "carsat-ra-service-social", $"Signalements/{id}?handler=Repondre",
            [new("reference", id + ":2"), new("statut", "CLOS"), new("date", "2026-01-22")]);
        Assert.Equal((HttpStatusCode)422, unknown);
        Assert.Contains("minimisation.unknown-person", unknownBody, StringComparison.Ordinal);
        Assert.Equal(JsonValueKind.Null, (await console.Gateway.MetadataAsync("pst38-pdp", id)).GetProperty("acknowledgedAt").ValueKind);
    }
}
