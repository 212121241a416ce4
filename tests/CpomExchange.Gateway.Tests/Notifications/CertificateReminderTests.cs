using System.Net;
using System.Net.Http.Json;
using CpomExchange.Infrastructure.Notifications;

namespace CpomExchange.Gateway.Tests.Notifications;

/// <summary>
/// Issue 20: a certificate expiring within 30 days is told to its agent (their own address) and to the
/// administrators (<c>Notifications:Administrators</c>), never to the agent's colleagues; once per certificate.
/// </summary>
public sealed class CertificateReminderTests(ReminderGatewayFixture gateway) : IClassFixture<ReminderGatewayFixture>
{
    [Fact]
    public async Task ExpiringCertificate_IsToldToItsAgentAndTheAdministrators_Once_ALaterOneIsNot()
    {
        var now = DateTimeOffset.UtcNow;
        gateway.Clock.Set(now);
        using var soon = await gateway.AgentUntilAsync("prevy-certificat-court", "prevy", "PREVY", "999000045", ["agent"], now.AddDays(20));
        using var later = await gateway.AgentUntilAsync("prevy-certificat-long", "prevy", "PREVY", "999000045", ["agent"], now.AddDays(40));
        Assert.Equal(HttpStatusCode.OK, (await soon.PutAsJsonAsync("api/v1/me/notifications", new { address = "court@prevy.example" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await later.PutAsJsonAsync("api/v1/me/notifications", new { address = "long@prevy.example" })).StatusCode);

        await gateway.RemindAsync();
        var row = Assert.Single(await gateway.OutboxOfAsync(NotificationEvents.CertificateExpiring));
        Assert.Equal(("prevy", $"court@prevy.example,{ReminderGatewayFixture.Administrator}"), (row.OrganisationId, row.Recipients));

        var mail = await gateway.Smtp.WaitForAsync(m => m.Event == NotificationEvents.CertificateExpiring);
        Assert.Equal(["court@prevy.example", ReminderGatewayFixture.Administrator], mail.EnvelopeTo);
        Assert.Equal("Certificat bientôt expiré : agent prevy-certificat-court", mail.Message.Subject);
        MailScan.AssertNoIdentifier(mail, "ds_aucun", ["999000045", "NTRFR"]);

        // The next rounds, and a restart: once.
        await gateway.RestartAsync();
        gateway.Advance(TimeSpan.FromHours(3));
        await gateway.RemindAsync();
        Assert.Single(await gateway.OutboxOfAsync(NotificationEvents.CertificateExpiring));
    }
}
