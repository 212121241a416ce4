using System.Net;
using CpomExchange.Infrastructure.Notifications;
using CpomExchange.Tests.Shared;
using Microsoft.EntityFrameworkCore;

namespace CpomExchange.Gateway.Tests.Notifications;

/// <summary>
/// Issue 20, delivery that loses nothing: with the relay down, events are still accepted and their
/// notifications wait; once it is back they are delivered, each exactly once, also across a restart
/// of the gateway; a message a stopped sender may have handed over is never sent again on its own.
/// </summary>
public sealed class NotificationDeliveryTests(NotifyGatewayFixture gateway) : IClassFixture<NotifyGatewayFixture>
{
    [Fact]
    public async Task RelayDown_EventsAccepted_DeliveredExactlyOnce_WhenBack_AcrossARestart()
    {
        await gateway.Smtp.StopAsync();
        var sirets = TestSirets.From(733_000_000).Take(2).ToArray();
        var first = await (await gateway.PostCsvAsync("prevy-agent", "type=adherents&to=carsat-lr&purpose=sinistralite", $"siret;raison_sociale\n{sirets[0]};A\n")).IdAsync();
        // The sender tried and failed at least once: the message waits, with the reason, for the administrator to see.
        var waiting = await WaitAsync(first, n => n.Attempts >= 1);
        Assert.Equal(NotificationStates.Pending, waiting.State);
        Assert.StartsWith("Relais injoignable", waiting.LastError, StringComparison.Ordinal);

        await gateway.RestartAsync(async () =>
        {
            // While the gateway is stopped, nothing sends.
            await Task.Delay(500);
        });
        var second = await (await gateway.PostCsvAsync("prevy-agent", "type=adherents&to=carsat-lr&purpose=sinistralite", $"siret;raison_sociale\n{sirets[1]};B\n")).IdAsync();
        Assert.DoesNotContain(gateway.Smtp.Received, m => m.Text.Contains(first, StringComparison.Ordinal) || m.Text.Contains(second, StringComparison.Ordinal));

        gateway.Smtp.Start();
        await WaitAsync(first, n => n.State == NotificationStates.Sent);
        await WaitAsync(second, n => n.State == NotificationStates.Sent);
        // Several more rounds: nothing is sent again.
        await Task.Delay(TimeSpan.FromSeconds(4));
        Assert.Single(gateway.Smtp.Received, m => m.Text.Contains(first, StringComparison.Ordinal));
        Assert.Single(gateway.Smtp.Received, m => m.Text.Contains(second, StringComparison.Ordinal));
    }

    [Fact]
    public async Task AMessageAStoppedSenderWasHandingOver_IsMarkedUncertain_NeverSentAgain()
    {
        long planted;
        await using (var db = await gateway.OpenDatabaseAsync())
        {
            var row = new NotificationEntity
            {
                Event = NotificationEvents.FileReceived, OrganisationId = "carsat-lr", Recipients = "carsat-lr-agent@carsat-lr.example",
                Subject = "planted", TextBody = "planted-while-sending", HtmlBody = "<p>planted</p>", State = NotificationStates.Sending,
                SendingBy = "a-stopped-instance", Attempts = 1, CreatedAtUtc = DateTime.UtcNow, NextAttemptAtUtc = DateTime.UtcNow,
            };
            db.Notifications.Add(row);
            await db.SaveChangesAsync();
            planted = row.Id;
        }
        var id = await (await gateway.PostCsvAsync("prevy-agent", "type=adherents&to=carsat-lr&purpose=sinistralite",
            $"siret;raison_sociale\n{TestSirets.From(734_000_000).First()};A\n")).IdAsync();
        await WaitAsync(id, n => n.State == NotificationStates.Sent);
        await Task.Delay(TimeSpan.FromSeconds(3));

        Assert.DoesNotContain(gateway.Smtp.Received, m => m.Text.Contains("planted-while-sending", StringComparison.Ordinal));
        await using var check = await gateway.OpenDatabaseAsync();
        var left = await check.Notifications.AsNoTracking().SingleAsync(n => n.Id == planted);
        Assert.Equal(NotificationStates.Uncertain, left.State);

        // The administrator sees it and may send it again, once.
        using var admin = gateway.ClientFor("admin");
        Assert.Equal(HttpStatusCode.OK, (await admin.PostAsync($"api/v1/admin/notifications/{planted}/retry", null)).StatusCode);
        await gateway.Smtp.WaitForAsync(m => m.Text.Contains("planted-while-sending", StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.NotFound, (await admin.PostAsync($"api/v1/admin/notifications/{planted}/retry", null)).StatusCode);
    }

    private async Task<NotificationEntity> WaitAsync(string datasetId, Func<NotificationEntity, bool> condition)
    {
        for (var i = 0; i < 600; i++)
        {
            if ((await gateway.OutboxAsync(datasetId)).SingleOrDefault() is { } row && condition(row))
            {
                return row;
            }
            await Task.Delay(100);
        }
        throw new TimeoutException($"The notification of {datasetId} never reached the expected state.");
    }
}
