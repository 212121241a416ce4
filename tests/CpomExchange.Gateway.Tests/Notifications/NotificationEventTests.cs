using System.Net;
using CpomExchange.Infrastructure.Notifications;
using CpomExchange.Tests.Shared;

namespace CpomExchange.Gateway.Tests.Notifications;

/// <summary>
/// Issue 20: each event gives the expected message, to the expected addresses only (the development
/// demo addresses, <c>&lt;agent&gt;@&lt;organisation&gt;.example</c>), over STARTTLS, in French, with a
/// plain-text and an HTML part, and none of the file's identifiers, cells or free-text object.
/// </summary>
public sealed class NotificationEventTests(NotifyGatewayFixture gateway) : IClassFixture<NotifyGatewayFixture>
{
    [Fact]
    public async Task Upload_TellsTheRecipientsAgents_Only_InFrench_WithoutAnyIdentifierOfTheFile()
    {
        var sirets = TestSirets.From(731_000_000).Take(3).ToArray();
        string[] names = ["MENUISERIE ROUSSEL", "BOULANGERIE DURAND", "GARAGE MARTIN"];
        var csv = "siret;raison_sociale\n" + string.Concat(sirets.Select((s, i) => $"{s};{names[i]}\n"));
        const string caseObject = "dossier Dupont-Lagarde";
        var id = await (await gateway.PostCsvAsync("prevy-agent", $"type=adherents&to=carsat-lr&purpose=sinistralite&object={Uri.EscapeDataString(caseObject)}", csv)).IdAsync();

        var mail = await gateway.Smtp.WaitForAsync(m => m.Text.Contains(id, StringComparison.Ordinal));
        Assert.Equal(["carsat-lr-agent@carsat-lr.example"], mail.EnvelopeTo);
        // The addresses are in the envelope only: the To header is an empty group.
        Assert.Empty(mail.Message.To.Mailboxes);
        Assert.Equal("Destinataires non divulgués", Assert.IsType<MimeKit.GroupAddress>(Assert.Single(mail.Message.To)).Name);
        Assert.True(mail.Secure, "the relay was reached without STARTTLS");
        Assert.Equal(NotificationEvents.FileReceived, mail.Event);
        Assert.StartsWith("Fichier reçu : ", mail.Message.Subject, StringComparison.Ordinal);
        Assert.Contains("PREVY", mail.Message.Subject, StringComparison.Ordinal);
        Assert.Contains(": 3 lignes.", mail.Text, StringComparison.Ordinal);
        Assert.Contains("Dans la console : " + NotifyGatewayFixture.ConsoleUrl, mail.Text, StringComparison.Ordinal);
        Assert.Contains($"<a href=\"{NotifyGatewayFixture.ConsoleUrl}\">", mail.Html, StringComparison.Ordinal);
        Assert.Contains("3 lignes", mail.Html, StringComparison.Ordinal);
        Assert.True(MailScan.Catches(sirets[0]));
        MailScan.AssertNoIdentifier(mail, id, [.. sirets, .. sirets.Select(s => s[..9]), .. names, caseObject, "Dupont"]);

        var row = Assert.Single(await gateway.OutboxAsync(id));
        Assert.Equal(NotificationEvents.FileReceived, row.Event);
        Assert.Equal("carsat-lr", row.OrganisationId);
    }

    [Fact]
    public async Task Document_IsAnnouncedAsADocumentPdf_NotAsRows_AndWithoutItsTitle()
    {
        const string title = "Bilan annuel – Dossier Lagarde-Moreau";
        using var response = await DocumentExchangeTests.PostDocumentAsync(gateway, "satm-agent",
            DocumentExchangeTests.Query + "&title=" + Uri.EscapeDataString(title), DocumentExchangeTests.SamplePdf);
        var id = await response.IdAsync();

        var mail = await gateway.Smtp.WaitForAsync(m => m.Text.Contains(id, StringComparison.Ordinal));
        Assert.Equal(["carsat-pdl-agent@carsat-pdl.example"], mail.EnvelopeTo);
        Assert.Contains(" : document PDF.", mail.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("0 ligne", mail.Text, StringComparison.Ordinal);
        MailScan.AssertNoIdentifier(mail, id, [title, "Lagarde"]);
    }

    [Fact]
    public async Task Signalement_TellsTheServiceSocialOnly_WithNoNirNameOrContactOfAPerson()
    {
        var persons = Signalements.Persons(71, 3);
        var id = await (await gateway.PostCsvAsync("pst38-pdp", "type=signalements-pdp&to=carsat-ra&purpose=pdp", Signalements.File(persons))).IdAsync();

        var mail = await gateway.Smtp.WaitForAsync(m => m.Text.Contains(id, StringComparison.Ordinal));
        // Not carsat-ra-agent: the agent role may not see individual referrals.
        Assert.Equal(["carsat-ra-service-social@carsat-ra.example"], mail.EnvelopeTo);
        Assert.Contains(": 3 lignes.", mail.Text, StringComparison.Ordinal);
        Assert.True(MailScan.Catches(persons[0].Nir));
        MailScan.AssertNoIdentifier(mail, id,
        [
            .. persons.Select(p => p.Nir), .. persons.Select(p => p.Employer), "PERSONNE1", "Camille", "Lefèvre", "p1@example.org", "cellule-pdp@spsti.example",
            "06 00 00 00 01", "Restrictions d'aptitude", "14/06/1971",
        ]);
    }

    [Fact]
    public async Task ConsentWithdrawal_TellsTheServiceSocial_ANewVersionAwaitsItsAcknowledgement_WithoutThePerson()
    {
        var persons = Signalements.Persons(72, 3);
        var id = await (await gateway.PostCsvAsync("pst38-pdp", "type=signalements-pdp&to=carsat-ra&purpose=pdp", Signalements.File(persons))).IdAsync();
        await gateway.Smtp.WaitForAsync(m => m.Event == NotificationEvents.FileReceived && m.Text.Contains(id, StringComparison.Ordinal));

        Assert.Equal(HttpStatusCode.OK, (await gateway.WithdrawConsentAsync("pst38-pdp", id, new { nir = persons[1].Nir })).StatusCode);
        var mail = await gateway.Smtp.WaitForAsync(m => m.Event == NotificationEvents.FileNewVersion && m.Text.Contains(id, StringComparison.Ordinal));
        Assert.Equal(["carsat-ra-service-social@carsat-ra.example"], mail.EnvelopeTo);
        Assert.StartsWith("Nouvelle version à accuser : ", mail.Message.Subject, StringComparison.Ordinal);
        Assert.Contains("accusez réception de la nouvelle version", mail.Text, StringComparison.Ordinal);
        Assert.Contains("(2 lignes)", mail.Text, StringComparison.Ordinal);
        Assert.True(MailScan.Catches(persons[1].Nir));
        MailScan.AssertNoIdentifier(mail, id, [.. persons.Select(p => p.Nir), .. persons.Select(p => p.Employer), "PERSONNE2", "p2@example.org"]);
        Assert.Equal([NotificationEvents.FileReceived, NotificationEvents.FileNewVersion], (await gateway.OutboxAsync(id)).Select(n => n.Event));
    }

    [Fact]
    public async Task Acknowledgement_TellsTheSender_AndWithdrawal_TellsTheRecipient()
    {
        var sirets = TestSirets.From(732_000_000).Take(2).ToArray();
        var id = await (await gateway.PostCsvAsync("prevy-agent", "type=adherents&to=carsat-lr&purpose=sinistralite",
            $"siret;raison_sociale\n{sirets[0]};A\n{sirets[1]};B\n")).IdAsync();
        await gateway.Smtp.WaitForAsync(m => m.Text.Contains(id, StringComparison.Ordinal));

        using (var carsat = gateway.ClientFor("carsat-lr-agent"))
        {
            Assert.Equal(HttpStatusCode.OK, (await carsat.PostAsync($"api/v1/datasets/{id}/ack?purpose=sinistralite", null)).StatusCode);
        }
        var ack = await gateway.Smtp.WaitForAsync(m => m.Event == NotificationEvents.FileAcknowledged && m.Text.Contains(id, StringComparison.Ordinal));
        Assert.Equal(["prevy-agent@prevy.example"], ack.EnvelopeTo);
        Assert.StartsWith("Accusé de réception : ", ack.Message.Subject, StringComparison.Ordinal);
        MailScan.AssertNoIdentifier(ack, id, sirets);

        using (var prevy = gateway.ClientFor("prevy-agent"))
        {
            Assert.Equal(HttpStatusCode.OK, (await prevy.DeleteAsync($"api/v1/datasets/{id}")).StatusCode);
        }
        var withdrawn = await gateway.Smtp.WaitForAsync(m => m.Event == NotificationEvents.FileWithdrawn && m.Text.Contains(id, StringComparison.Ordinal));
        Assert.Equal(["carsat-lr-agent@carsat-lr.example"], withdrawn.EnvelopeTo);
        Assert.Contains("n'est plus téléchargeable", withdrawn.Text, StringComparison.Ordinal);

        // One message per event, none twice.
        Assert.Equal([NotificationEvents.FileReceived, NotificationEvents.FileAcknowledged, NotificationEvents.FileWithdrawn],
            (await gateway.OutboxAsync(id)).Select(n => n.Event));
        Assert.Equal(3, gateway.Smtp.Received.Count(m => m.Text.Contains(id, StringComparison.Ordinal)));
    }
}
