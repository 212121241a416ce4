using System.Net;
using CpomExchange.Infrastructure.Notifications;
using CpomExchange.Tests.Shared;

namespace CpomExchange.Gateway.Tests.Notifications;

/// <summary>
/// Issue 20: a received file nobody downloaded is reminded to its recipient 7 days before its retention
/// ends (adherents: 365 days), once, also after a restart; a downloaded one is not; the dates are in
/// Europe/Paris (<c>Cpom:TimeZone</c>); no identifier of the file in the message.
/// </summary>
public sealed class RetentionReminderTests(ReminderGatewayFixture gateway) : IClassFixture<ReminderGatewayFixture>
{
    [Fact]
    public async Task NotDownloadedFile_IsRemindedOnce_ToItsRecipientOnly_SevenDaysBeforeItsEnd_ADownloadedOneIsNot()
    {
        // 1 February 2027, 10:00 UTC (11:00 in Paris).
        var sent = new DateTimeOffset(2027, 2, 1, 10, 0, 0, TimeSpan.Zero);
        gateway.Clock.Set(sent);
        var sirets = TestSirets.From(741_000_000).Take(2).ToArray();
        const string caseObject = "dossier Bernardin";
        var forgotten = await (await gateway.PostCsvAsync("prevy-agent", $"type=adherents&to=carsat-lr&purpose=sinistralite&object={Uri.EscapeDataString(caseObject)}",
            $"siret;raison_sociale\n{sirets[0]};TONNELLERIE VIDAL\n")).IdAsync();
        var fetched = await (await gateway.PostCsvAsync("prevy-agent", "type=adherents&to=carsat-lr&purpose=sinistralite",
            $"siret;raison_sociale\n{sirets[1]};CORDERIE FABRE\n")).IdAsync();
        using (var carsat = gateway.ClientFor("carsat-lr-agent"))
        {
            Assert.Equal(HttpStatusCode.OK, (await carsat.GetAsync($"api/v1/datasets/{fetched}/content?purpose=sinistralite")).StatusCode);
        }

        // 357 days later: the window (the last 7 days of 365) has not begun.
        gateway.Clock.Set(sent.AddDays(357).AddHours(23));
        await gateway.RemindAsync();
        Assert.Empty(await RemindersAsync(forgotten, fetched));

        // 358 days later: it has, for the file nobody downloaded.
        gateway.Clock.Set(sent.AddDays(358).AddMinutes(1));
        await gateway.RemindAsync();
        var row = Assert.Single(await RemindersAsync(forgotten, fetched));
        Assert.Equal((forgotten, "carsat-lr", "carsat-lr-agent@carsat-lr.example"), (row.DatasetId, row.OrganisationId, row.Recipients));

        var mail = await gateway.Smtp.WaitForAsync(m => m.Event == NotificationEvents.RetentionEnding && m.Text.Contains(forgotten, StringComparison.Ordinal));
        Assert.Equal(["carsat-lr-agent@carsat-lr.example"], mail.EnvelopeTo);
        Assert.StartsWith("Fichier non téléchargé, bientôt détruit : ", mail.Message.Subject, StringComparison.Ordinal);
        // The end of its retention, 1 February 2028 at 10:00 UTC, is 11:00 in Paris.
        Assert.Contains("se termine le 01/02/2028 à 11:00", mail.Text, StringComparison.Ordinal);
        MailScan.AssertNoIdentifier(mail, forgotten, [.. sirets, .. sirets.Select(s => s[..9]), "TONNELLERIE VIDAL", "CORDERIE FABRE", caseObject, "Bernardin"]);

        // Later rounds, a restart, a round of the new instance once the first one's lease is gone: still one.
        await gateway.RemindAsync();
        await gateway.RestartAsync();
        gateway.Advance(TimeSpan.FromHours(3));
        await gateway.RemindAsync();
        Assert.Single(await RemindersAsync(forgotten, fetched));
        Assert.Single(gateway.Smtp.Received, m => m.Event == NotificationEvents.RetentionEnding && m.Text.Contains(forgotten, StringComparison.Ordinal));
    }

    private async Task<List<NotificationEntity>> RemindersAsync(params string[] datasets) =>
        (await gateway.OutboxOfAsync(NotificationEvents.RetentionEnding)).Where(n => datasets.Contains(n.DatasetId)).ToList();
}
