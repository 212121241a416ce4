using CpomExchange.Infrastructure.Notifications;

namespace CpomExchange.Gateway.Tests.Notifications;

/// <summary>
/// Issue 20: the annual table is due by 30 June (seed 004): each SPSTI whose contract is in force and has
/// not sent the previous year's table is reminded 30 days before, then 7 days before, each once (also
/// across a restart), its agents only; an SPSTI that sent it is not reminded again. "30 days before" is
/// counted in Europe/Paris.
/// </summary>
public sealed class AnnualTableReminderTests(ReminderGatewayFixture gateway) : IClassFixture<ReminderGatewayFixture>
{
    private static readonly string[] Spstis = ["cist971", "prevy", "pst38", "satm"];

    [Fact]
    public async Task TableNotSent_IsReminded30And7DaysBefore30June_OnceEach_ToTheSpstisAgents_UntilSent()
    {
        // 30 May 2027, 23:30 in Paris: 31 days before 30 June.
        gateway.Clock.Set(new DateTimeOffset(2027, 5, 30, 21, 30, 0, TimeSpan.Zero));
        await gateway.RemindAsync();
        Assert.Empty(await gateway.OutboxOfAsync(NotificationEvents.AnnualTableDue));

        // 31 May 2027, 00:30 in Paris (still 30 May in UTC): 30 days before.
        gateway.Clock.Set(new DateTimeOffset(2027, 5, 30, 22, 30, 0, TimeSpan.Zero));
        Assert.Equal(4, await gateway.RemindAsync());
        var first = await gateway.OutboxOfAsync(NotificationEvents.AnnualTableDue);
        Assert.Equal(Spstis, first.Select(n => n.OrganisationId).Order(StringComparer.Ordinal));
        Assert.Equal("prevy-agent@prevy.example", first.Single(n => n.OrganisationId == "prevy").Recipients);
        Assert.All(first, n => Assert.EndsWith(":2027:30", n.DedupKey, StringComparison.Ordinal));

        var mail = await gateway.Smtp.WaitForAsync(m => m.Event == NotificationEvents.AnnualTableDue && m.Text.Contains("cpom-prevy-2025", StringComparison.Ordinal));
        Assert.Equal(["prevy-agent@prevy.example"], mail.EnvelopeTo);
        Assert.Equal("Tableau de suivi annuel 2026 à transmettre avant le 30/06/2027", mail.Message.Subject);
        Assert.Contains("n'a pas encore été transmis à CARSAT Languedoc-Roussillon", mail.Text, StringComparison.Ordinal);
        MailScan.AssertNoIdentifier(mail, "ds_aucun", ["999000045"]);

        // PREVY sends its 2026 table on 10 June.
        gateway.Clock.Set(new DateTimeOffset(2027, 6, 10, 8, 0, 0, TimeSpan.Zero));
        using (var prevy = gateway.ClientFor("prevy-agent"))
        {
            await IndicatorsTests.UploadAsync(prevy, "type=indicateurs&to=dreets-occitanie&purpose=indicateurs",
                "annee;date_signature;date_fin;theme;indicateur;nombre;dont_suivis_caisse;commentaire\r\n2026;22/01/2025;22/01/2030;PDP;ETABLISSEMENTS_FORMES;6;2;\r\n");
        }
        Assert.Equal(0, await gateway.RemindAsync());

        // 23 June, 00:30 in Paris: 7 days before, for the three that have not sent theirs.
        gateway.Clock.Set(new DateTimeOffset(2027, 6, 22, 22, 30, 0, TimeSpan.Zero));
        Assert.Equal(3, await gateway.RemindAsync());
        var second = (await gateway.OutboxOfAsync(NotificationEvents.AnnualTableDue)).Skip(4).ToList();
        Assert.Equal(["cist971", "pst38", "satm"], second.Select(n => n.OrganisationId).Order(StringComparer.Ordinal));
        Assert.All(second, n => Assert.EndsWith(":2027:7", n.DedupKey, StringComparison.Ordinal));

        // Once each, whatever the rounds and restarts.
        Assert.Equal(0, await gateway.RemindAsync());
        await gateway.RestartAsync();
        gateway.Advance(TimeSpan.FromHours(3));
        Assert.Equal(0, await gateway.RemindAsync());
        Assert.Equal(7, (await gateway.OutboxOfAsync(NotificationEvents.AnnualTableDue)).Count);
        for (var i = 0; i < 600 && gateway.Smtp.Received.Count(m => m.Event == NotificationEvents.AnnualTableDue) < 7; i++)
        {
            await Task.Delay(100);
        }
        Assert.Equal(7, gateway.Smtp.Received.Count(m => m.Event == NotificationEvents.AnnualTableDue));
        Assert.DoesNotContain(gateway.Smtp.Received, m => m.Event == NotificationEvents.AnnualTableDue && m.EnvelopeTo.Any(a => !Spstis.Any(s => a.EndsWith("@" + s + ".example", StringComparison.Ordinal))));
    }
}
