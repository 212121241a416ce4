using CpomExchange.Infrastructure.Notifications;
using Microsoft.EntityFrameworkCore;

namespace CpomExchange.Gateway.Tests.Notifications;

/// <summary>Issue 20: two gateway instances on one database, both with their sender running, never send the same notification twice.</summary>
public sealed class NotificationSenderInstancesTests(NotifyGatewayFixture gateway) : IClassFixture<NotifyGatewayFixture>
{
    [Fact]
    public async Task TwoInstances_EachNotificationIsSentExactlyOnce()
    {
        const int count = 40;
        var second = await gateway.CreateInstanceAsync();
        await second.StartAsync();
        try
        {
            await using (var db = await gateway.OpenDatabaseAsync())
            {
                for (var i = 0; i < count; i++)
                {
                    db.Notifications.Add(new NotificationEntity
                    {
                        Event = NotificationEvents.FileReceived, OrganisationId = "carsat-lr", Recipients = "carsat-lr-agent@carsat-lr.example",
                        Subject = $"instances {i}", TextBody = $"instances-marker-{i:000}.", HtmlBody = "<p>x</p>",
                        CreatedAtUtc = DateTime.UtcNow, NextAttemptAtUtc = DateTime.UtcNow,
                    });
                }
                await db.SaveChangesAsync();
            }
            for (var i = 0; i < 600 && await SentAsync() < count; i++)
            {
                await Task.Delay(100);
            }
            Assert.Equal(count, await SentAsync());
            // Rounds of both instances after the last one was sent: still once each.
            await Task.Delay(TimeSpan.FromSeconds(3));
            var received = gateway.Smtp.Received.Select(m => m.Text).Where(t => t.Contains("instances-marker-", StringComparison.Ordinal)).ToList();
            Assert.Equal(Enumerable.Range(0, count).Select(i => $"instances-marker-{i:000}."),
                received.Select(t => t[t.IndexOf("instances-marker-", StringComparison.Ordinal)..][..21]).Order(StringComparer.Ordinal));
        }
        finally
        {
            await second.StopAsync();
            await second.DisposeAsync();
        }
    }

    private async Task<int> SentAsync()
    {
        await using var db = await gateway.OpenDatabaseAsync();
        return await db.Notifications.CountAsync(n => n.Subject.StartsWith("instances ") && n.State == NotificationStates.Sent);
    }
}
