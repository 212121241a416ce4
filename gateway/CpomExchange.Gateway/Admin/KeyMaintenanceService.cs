using CpomExchange.Gateway.Hosting;
using CpomExchange.Infrastructure.AccessLog;
using CpomExchange.Infrastructure.Keys;
using CpomExchange.Infrastructure.Payloads;
using CpomExchange.Infrastructure.Storage;
using CpomExchange.Rules.AccessLog;
using CpomExchange.Rules.Policies;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace CpomExchange.Gateway.Admin;

/// <summary>
/// The key maintenance job, on every instance, in rounds (<c>Cpom:Keys:MaintenanceEverySeconds</c>,
/// and at once when this instance is asked for a rotation): when there is work, the instance holding
/// the <see cref="Leases.KeyMaintenance"/> lease moves the data keys of datasets an earlier version
/// stored out of their files (<see cref="LegacyPayloads"/>), then advances the key-encryption key
/// rotation (<see cref="KeyRotation"/>). Its state is in the database: a crash or a stop resumes at
/// the next round, on this instance or another once the lease has expired.
/// </summary>
internal sealed partial class KeyMaintenanceService(IServiceScopeFactory scopes, IKeyProvider keys, IPayloadStore store, AccessLogWriter writer,
    PolicySet policies, IOptions<GatewayOptions> options, TimeProvider time, GatewayInstance instance, ILogger<KeyMaintenanceService> logger)
    : BackgroundService
{
    private readonly SemaphoreSlim _wake = new(0, 1);

    /// <summary>Runs a round now rather than at the next tick (a rotation was just asked for).</summary>
    public void Wake()
    {
        try
        {
            _wake.Release();
        }
        catch (SemaphoreFullException)
        {
            // Already woken.
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var period = TimeSpan.FromSeconds(Math.Max(1, options.Value.Keys.MaintenanceEverySeconds));
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await RoundAsync(period, stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogFailed(logger, e);
            }
            using var tick = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            await Task.WhenAny(Task.Delay(period, time, tick.Token), _wake.WaitAsync(tick.Token));
            await tick.CancelAsync();
        }
    }

    private async Task RoundAsync(TimeSpan period, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CpomDbContext>();
        var legacy = await LegacyPayloads.Pending(db).AnyAsync(cancellationToken);
        if (!legacy && !await KeyRotation.HasWorkAsync(db, cancellationToken))
        {
            return;
        }
        // The lease, on a context of its own (the job's context tracks what it changes).
        await using var leaseScope = scopes.CreateAsyncScope();
        var leaseDb = leaseScope.ServiceProvider.GetRequiredService<CpomDbContext>();
        var duration = TimeSpan.FromSeconds(Math.Max(60, period.TotalSeconds * 2));
        var renewed = time.GetUtcNow();
        if (!await Leases.TryAcquireAsync(leaseDb, Leases.KeyMaintenance, instance.Id, duration, renewed.UtcDateTime, cancellationToken))
        {
            return;
        }
        async Task<bool> StillHolderAsync(CancellationToken ct)
        {
            // Renewed well before it expires; false once another instance has taken it over.
            if (time.GetUtcNow() - renewed < duration / 4)
            {
                return true;
            }
            renewed = time.GetUtcNow();
            return await Leases.TryAcquireAsync(leaseDb, Leases.KeyMaintenance, instance.Id, duration, renewed.UtcDateTime, ct);
        }
        if (legacy)
        {
            var moved = await LegacyPayloads.MigrateAsync(db, store, keys, StillHolderAsync, cancellationToken);
            LogLegacyMoved(logger, moved);
        }
        var (completed, rewrapped) = await KeyRotation.RunAsync(db, keys, time, StillHolderAsync, LogCompletedAsync, cancellationToken: cancellationToken);
        if (completed is not null)
        {
            LogRotated(logger, completed.Id, completed.TargetKeyId!, completed.Rewrapped);
        }
        else if (rewrapped > 0)
        {
            LogRewrapped(logger, rewrapped);
        }
    }

    /// <summary>The end of a rotation, in every organisation's log (their data keys were re-wrapped), in the transaction that marks it.</summary>
    private Task LogCompletedAsync(CpomDbContext db, KeyRotationEntity rotation, CancellationToken cancellationToken)
    {
        var what = $"rotation {rotation.Id} terminée : {rotation.TargetKeyId}";
        return writer.AppendAsync(db, policies.Organisations.Keys, new AccessLogDraft(time.GetUtcNow(), AccessLogMaintenance.SystemAgent,
            "Passerelle CpomExchange (rotation des clés)", null, "-", LogActions.AdminChange, null, null, rotation.Rewrapped, null, null,
            what.Length > 80 ? what[..80] : what, null, AccessLogEntry.Allowed, null, null, null), cancellationToken);
    }

    public override void Dispose()
    {
        _wake.Dispose();
        base.Dispose();
    }

    [LoggerMessage(EventId = 4101, Level = LogLevel.Information, Message = "Maintenance des clés : les clés de données de {Count} jeu(x) de données d'une version antérieure ont été déplacées dans la base.")]
    private static partial void LogLegacyMoved(ILogger logger, int count);

    [LoggerMessage(EventId = 4102, Level = LogLevel.Information, Message = "Rotation de clé {Id} terminée : {Count} clé(s) désormais enveloppée(s) par {KeyId}.")]
    private static partial void LogRotated(ILogger logger, long id, string keyId, long count);

    [LoggerMessage(EventId = 4103, Level = LogLevel.Information, Message = "Maintenance des clés : {Count} clé(s) ré-enveloppée(s) par la clé de chiffrement des clés actuelle.")]
    private static partial void LogRewrapped(ILogger logger, long count);

    [LoggerMessage(EventId = 4104, Level = LogLevel.Error, Message = "Échec de la maintenance des clés ; elle reprendra au prochain passage.")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
