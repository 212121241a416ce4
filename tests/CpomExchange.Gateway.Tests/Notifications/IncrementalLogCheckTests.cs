using CpomExchange.Gateway.Notifications;
using CpomExchange.Infrastructure.AccessLog;
using CpomExchange.Infrastructure.Notifications;
using CpomExchange.Tests.Shared;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CpomExchange.Gateway.Tests.Notifications;

/// <summary>
/// Between nights, each instance checks every log from the last signed checkpoint it verified
/// (<see cref="LogCheckService.IncrementalRoundAsync"/>): the night's full check leaves where it stopped,
/// an hour later only the entries appended since are read, and a rewrite among them alerts the DPO as
/// the night's check does, once a night.
/// </summary>
public sealed class IncrementalLogCheckTests(ReminderGatewayFixture gateway) : IClassFixture<ReminderGatewayFixture>
{
    private Task<IReadOnlyList<string>?> IncrementalAsync() =>
        gateway.Services.GetRequiredService<LogCheckService>().IncrementalRoundAsync(CancellationToken.None);

    private async Task ListInboxAsync(int times)
    {
        using var client = gateway.ClientFor("prevy-agent");
        for (var i = 0; i < times; i++)
        {
            Assert.Equal(System.Net.HttpStatusCode.OK, (await client.GetAsync("api/v1/inbox")).StatusCode);
        }
    }

    [Fact]
    public async Task ARewriteAfterTheLastVerifiedCheckpoint_IsFoundByTheNextIncrementalRound_AndAlertsTheDpoOnce()
    {
        await ListInboxAsync(6);
        var verified = gateway.Services.GetRequiredService<VerifiedCheckpoints>();

        // 10 March 2027, 03:31 in Paris: the night's full check; it leaves the checkpoint it verified.
        gateway.Clock.Set(new DateTimeOffset(2027, 3, 10, 2, 31, 0, TimeSpan.Zero));
        Assert.Empty((await gateway.CheckLogsAsync())!);
        var night = verified.Get("prevy");
        Assert.NotNull(night);
        Assert.True(night.Size >= 4, $"a checkpoint every 4 entries: verified up to {night.Size}");

        // The first poll of the incremental rounds only starts their interval: a start re-reads no log at once.
        Assert.Null(await IncrementalAsync());

        // Entries appended, then one of them after the remembered checkpoint rewritten in the database.
        await ListInboxAsync(8);
        var from = verified.Get("prevy")!.Size;
        var target = from + 1;
        Assert.Equal(1, await LogTampering.RewriteAsync(gateway,
            "UPDATE access_log_entries SET \"AgentId\" = 'quelqu-un-d-autre' WHERE \"Controller\" = @c AND \"Seq\" = @s",
            new Dictionary<string, object> { ["c"] = "prevy", ["s"] = target }));

        // Not due before the interval (60 minutes by default); due after it: found, from that checkpoint.
        gateway.Advance(TimeSpan.FromMinutes(30));
        Assert.Null(await IncrementalAsync());
        gateway.Advance(TimeSpan.FromMinutes(31));
        Assert.Equal(["prevy"], await IncrementalAsync());
        Assert.Single(gateway.Logs.Lines, l => l.Level == LogLevel.Error
            && l.Text.Contains("journal des accès de prevy NE SE VÉRIFIE PAS (première entrée en cause : " + target + ")", StringComparison.Ordinal)
            && l.Text.Contains("vérification incrémentale depuis le point de contrôle de " + from + " entrées", StringComparison.Ordinal));
        var alert = Assert.Single(await gateway.OutboxOfAsync(NotificationEvents.LogVerificationFailed));
        Assert.Equal("log-verification-failed:prevy:2027-03-10", alert.DedupKey);
        var mail = await gateway.Smtp.WaitForAsync(m => m.Event == NotificationEvents.LogVerificationFailed);
        Assert.Equal("Alerte : le journal des accès de PREVY ne se vérifie pas", mail.Message.Subject);

        // An hour later, still altered: the operator's log says it again, the DPO is not told twice the same night.
        gateway.Advance(TimeSpan.FromMinutes(61));
        Assert.Equal(["prevy"], await IncrementalAsync());
        Assert.Single(await gateway.OutboxOfAsync(NotificationEvents.LogVerificationFailed));
    }
}
