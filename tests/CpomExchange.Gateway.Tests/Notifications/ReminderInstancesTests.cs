using CpomExchange.Infrastructure.Notifications;

namespace CpomExchange.Gateway.Tests.Notifications;

/// <summary>Issue 20: two gateways on one database, both running their reminders at the same moment, write and send each reminder once.</summary>
public sealed class ReminderInstancesTests(ReminderGatewayFixture gateway) : IClassFixture<ReminderGatewayFixture>
{
    [Fact]
    public async Task TwoInstances_WriteAndSendEachReminderOnce()
    {
        // 31 May 2028, 00:30 in Paris: the 2027 tables are due in 30 days.
        gateway.Clock.Set(new DateTimeOffset(2028, 5, 30, 22, 30, 0, TimeSpan.Zero));
        var second = await gateway.CreateInstanceAsync();
        await second.StartAsync();
        try
        {
            // Both at once, twice.
            await Task.WhenAll(gateway.RemindAsync(), gateway.RemindAsync(second.Services), gateway.RemindAsync(), gateway.RemindAsync(second.Services));
            var rows = await gateway.OutboxOfAsync(NotificationEvents.AnnualTableDue);
            Assert.Equal(["cist971", "prevy", "pst38", "satm"], rows.Select(n => n.OrganisationId).Order(StringComparer.Ordinal));
            Assert.Equal(4, rows.Select(n => n.DedupKey).Distinct().Count());

            for (var i = 0; i < 600 && gateway.Smtp.Received.Count(m => m.Event == NotificationEvents.AnnualTableDue) < 4; i++)
            {
                await Task.Delay(100);
            }
            // A few more rounds of both senders: still once each.
            await Task.Delay(TimeSpan.FromSeconds(3));
            Assert.Equal(["cist971-agent@cist971.example", "prevy-agent@prevy.example", "pst38-agent@pst38.example", "satm-agent@satm.example"],
                gateway.Smtp.Received.Where(m => m.Event == NotificationEvents.AnnualTableDue).Select(m => Assert.Single(m.EnvelopeTo)).Order(StringComparer.Ordinal));
        }
        finally
        {
            await second.StopAsync();
            await second.DisposeAsync();
        }
    }
}
