using System.Net;
using CpomExchange.Infrastructure.Notifications;
using CpomExchange.Infrastructure.Storage;
using CpomExchange.Tests.Shared;
using Microsoft.EntityFrameworkCore;

namespace CpomExchange.Gateway.Tests.Notifications;

/// <summary>
/// Issue 20, the transactional outbox: a notification commits with its event or not at all. An
/// acknowledgement whose transaction fails at its last step (the access-log append, made to fail by a
/// trigger of the test) leaves neither the acknowledgement nor its notification.
/// </summary>
public sealed class NotificationOutboxTests(NotifyGatewayFixture gateway) : IClassFixture<NotifyGatewayFixture>
{
    [Fact]
    public async Task AnEventRolledBack_LeavesNoNotification_AndOneThatCommits_HasExactlyOne()
    {
        var id = await (await gateway.PostCsvAsync("prevy-agent", "type=adherents&to=carsat-lr&purpose=sinistralite",
            $"siret;raison_sociale\n{TestSirets.From(735_000_000).First()};A\n")).IdAsync();
        Assert.Equal([NotificationEvents.FileReceived], (await gateway.OutboxAsync(id)).Select(n => n.Event));

        await using (var db = await gateway.OpenDatabaseAsync())
        {
            await FailAcknowledgementLogAsync(db, on: true);
        }
        try
        {
            using var carsat = gateway.ClientFor("carsat-lr-agent");
            var failed = await carsat.PostAsync($"api/v1/datasets/{id}/ack?purpose=sinistralite", null);
            Assert.True(failed.StatusCode is HttpStatusCode.InternalServerError or HttpStatusCode.ServiceUnavailable, failed.StatusCode.ToString());
        }
        finally
        {
            await using var db = await gateway.OpenDatabaseAsync();
            await FailAcknowledgementLogAsync(db, on: false);
        }
        await using (var db = await gateway.OpenDatabaseAsync())
        {
            Assert.Null((await db.Datasets.AsNoTracking().SingleAsync(d => d.Id == id)).AcknowledgedAtUtc);
        }
        Assert.Equal([NotificationEvents.FileReceived], (await gateway.OutboxAsync(id)).Select(n => n.Event));

        // The same acknowledgement, committed: its notification with it.
        using (var carsat = gateway.ClientFor("carsat-lr-agent"))
        {
            Assert.Equal(HttpStatusCode.OK, (await carsat.PostAsync($"api/v1/datasets/{id}/ack?purpose=sinistralite", null)).StatusCode);
        }
        Assert.Equal([NotificationEvents.FileReceived, NotificationEvents.FileAcknowledged], (await gateway.OutboxAsync(id)).Select(n => n.Event));
    }

    private static async Task FailAcknowledgementLogAsync(CpomDbContext db, bool on)
    {
        if (db.Database.IsNpgsql())
        {
            await db.Database.ExecuteSqlRawAsync(on
                ? """
                  CREATE FUNCTION test_fail_ack() RETURNS trigger AS $$ BEGIN IF NEW."Action" = 'acknowledge' THEN RAISE EXCEPTION 'test: log append fails'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql;
                  CREATE TRIGGER test_fail_ack BEFORE INSERT ON access_log_entries FOR EACH ROW EXECUTE FUNCTION test_fail_ack();
                  """
                : "DROP TRIGGER test_fail_ack ON access_log_entries; DROP FUNCTION test_fail_ack();");
        }
        else
        {
            await db.Database.ExecuteSqlRawAsync(on
                ? "CREATE TRIGGER test_fail_ack BEFORE INSERT ON access_log_entries WHEN NEW.Action = 'acknowledge' BEGIN SELECT RAISE(ABORT, 'test: log append fails'); END;"
                : "DROP TRIGGER test_fail_ack;");
        }
    }
}
