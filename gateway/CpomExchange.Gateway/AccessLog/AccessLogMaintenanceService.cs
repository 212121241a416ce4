using CpomExchange.Gateway.Hosting;
using CpomExchange.Infrastructure.AccessLog;
using CpomExchange.Infrastructure.Storage;
using CpomExchange.Rules.Policies;

namespace CpomExchange.Gateway.AccessLog;

/// <summary>Runs <see cref="AccessLogMaintenance"/>: checkpoints every few seconds, the retention purge every hour.</summary>
internal sealed partial class AccessLogMaintenanceService(IServiceScopeFactory scopes, AccessLogMaintenance maintenance, PolicySet policies,
    AccessLogOptions options, TimeProvider time, GatewayInstance instance, ILogger<AccessLogMaintenanceService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var period = TimeSpan.FromSeconds(Math.Clamp(options.CheckpointEverySeconds / 2.0, 1, 30));
        var nextPurge = DateTimeOffset.MinValue;
        // A failed round is logged and the next one tries again; appends never wait for this job.
        await PeriodicRounds.RunAsync(period, time, async ct =>
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<CpomDbContext>();
            // One instance at a time (the lease outlives a few rounds, so a stopped holder is replaced soon).
            if (!await Leases.TryAcquireAsync(db, Leases.AccessLogMaintenance, instance.Id, period * 4, time.GetUtcNow().UtcDateTime, ct))
            {
                return;
            }
            await maintenance.CheckpointDueAsync(db, ct);
            if (time.GetUtcNow() >= nextPurge)
            {
                var purged = await maintenance.PurgeAsync(db, policies.Organisations.Keys, ct);
                if (purged > 0)
                {
                    LogPurged(logger, purged);
                }
                nextPurge = time.GetUtcNow().AddHours(1);
            }
        }, e => LogFailed(logger, e), stoppingToken);
    }

    [LoggerMessage(EventId = 5001, Level = LogLevel.Information, Message = "Conservation du journal des accès : {Count} entrée(s) purgée(s).")]
    private static partial void LogPurged(ILogger logger, long count);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Error, Message = "Échec de la maintenance du journal des accès ; nouvel essai au prochain passage.")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
