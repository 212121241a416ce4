using CpomExchange.Infrastructure.Notifications;
using CpomExchange.Tests.Shared;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace CpomExchange.Gateway.Tests.Notifications;

/// <summary>
/// Issue 20.4: every night at 03:30 in Paris one instance verifies every organisation's access log; a
/// log that verifies alerts nobody; a log altered in the database alerts its DPO (the addresses of the
/// role and the DPO the policy names) at once, and the operator; once a night, across a restart and two
/// instances.
/// </summary>
public sealed class NightlyLogCheckTests(ReminderGatewayFixture gateway) : IClassFixture<ReminderGatewayFixture>
{
    private static readonly string[] PrevyDpo = ["dpo@prevy.example", "prevy-dpo@prevy.example"];

    [Fact]
    public async Task AlteredLog_AlertsItsDpoOnly_OnceANight_AnIntactOneAlertsNobody()
    {
        var sirets = TestSirets.From(743_000_000).Take(2).ToArray();
        await (await gateway.PostCsvAsync("prevy-agent", "type=adherents&to=carsat-lr&purpose=sinistralite", $"siret;raison_sociale\n{sirets[0]};A\n{sirets[1]};B\n")).IdAsync();

        // 10 March 2027, 03:29 in Paris: not yet; 03:31: every log verifies, nobody is told.
        gateway.Clock.Set(new DateTimeOffset(2027, 3, 10, 2, 29, 0, TimeSpan.Zero));
        Assert.Null(await gateway.CheckLogsAsync());
        gateway.Clock.Set(new DateTimeOffset(2027, 3, 10, 2, 31, 0, TimeSpan.Zero));
        var intact = await gateway.CheckLogsAsync();
        Assert.NotNull(intact);
        Assert.Empty(intact);
        Assert.Empty(await gateway.OutboxOfAsync(NotificationEvents.LogVerificationFailed));

        await TamperAsync("prevy");

        // The next night: PREVY's log does not verify; its DPO is alerted, the operator's log says so.
        gateway.Clock.Set(new DateTimeOffset(2027, 3, 11, 2, 31, 0, TimeSpan.Zero));
        Assert.Equal(["prevy"], await gateway.CheckLogsAsync());
        var alert = Assert.Single(await gateway.OutboxOfAsync(NotificationEvents.LogVerificationFailed));
        Assert.Equal(("prevy", string.Join(',', PrevyDpo)), (alert.OrganisationId, alert.Recipients));
        var mail = await gateway.Smtp.WaitForAsync(m => m.Event == NotificationEvents.LogVerificationFailed);
        Assert.Equal(PrevyDpo, mail.EnvelopeTo);
        Assert.Equal("Alerte : le journal des accès de PREVY ne se vérifie pas", mail.Message.Subject);
        Assert.Contains("La vérification automatique du 11/03/2027 du journal des accès de PREVY a échoué", mail.Text, StringComparison.Ordinal);
        MailScan.AssertNoIdentifier(mail, "ds_aucun", [.. sirets, .. sirets.Select(s => s[..9]), "quelqu-un-d-autre"]);
        Assert.Single(gateway.Logs.Lines, l => l.Level == LogLevel.Error && l.Text.Contains("journal des accès de prevy NE SE VÉRIFIE PAS", StringComparison.Ordinal));

        // Later polls of the same night, and a restart: no second check, no second alert.
        gateway.Advance(TimeSpan.FromMinutes(10));
        Assert.Null(await gateway.CheckLogsAsync());
        await gateway.RestartAsync();
        gateway.Advance(TimeSpan.FromMinutes(10));
        Assert.Null(await gateway.CheckLogsAsync());
        Assert.Single(await gateway.OutboxOfAsync(NotificationEvents.LogVerificationFailed));

        // The night after, on two instances at once: one check, one alert.
        gateway.Clock.Set(new DateTimeOffset(2027, 3, 12, 2, 31, 0, TimeSpan.Zero));
        var second = await gateway.CreateInstanceAsync();
        await second.StartAsync();
        try
        {
            var results = await Task.WhenAll(gateway.CheckLogsAsync(), gateway.CheckLogsAsync(second.Services));
            Assert.Equal(["prevy"], Assert.Single(results, r => r is not null));
        }
        finally
        {
            await second.StopAsync();
            await second.DisposeAsync();
        }
        Assert.Equal(["log-verification-failed:prevy:2027-03-11", "log-verification-failed:prevy:2027-03-12"],
            (await gateway.OutboxOfAsync(NotificationEvents.LogVerificationFailed)).Select(n => n.DedupKey));
    }

    /// <summary>Rewrites the first entry of <paramref name="organisation"/>'s log, as whoever can write to the database can (triggers off first).</summary>
    private async Task TamperAsync(string organisation)
    {
        await using var db = await gateway.OpenDatabaseAsync();
        var connection = db.Database.GetDbConnection();
        await connection.OpenAsync();
        async Task Sql(string sql)
        {
            await using var command = connection.CreateCommand();
            command.CommandText = sql;
            var parameter = command.CreateParameter();
            parameter.ParameterName = "c";
            parameter.Value = organisation;
            command.Parameters.Add(parameter);
            await command.ExecuteNonQueryAsync();
        }
        await Sql(db.Database.IsNpgsql()
            ? "ALTER TABLE access_log_entries DISABLE TRIGGER USER; ALTER TABLE access_log_leaves DISABLE TRIGGER USER;"
            : "DROP TRIGGER IF EXISTS access_log_entries_append_only; DROP TRIGGER IF EXISTS access_log_leaves_no_update; DROP TRIGGER IF EXISTS access_log_leaves_no_delete;");
        await Sql("UPDATE access_log_entries SET \"AgentId\" = 'quelqu-un-d-autre' WHERE \"Controller\" = @c AND \"Seq\" = (SELECT MIN(\"Seq\") FROM access_log_entries WHERE \"Controller\" = @c)");
    }
}
