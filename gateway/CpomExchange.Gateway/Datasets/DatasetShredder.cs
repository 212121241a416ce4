using CpomExchange.Gateway.Hosting;
using CpomExchange.Infrastructure.AccessLog;
using CpomExchange.Infrastructure.Payloads;
using CpomExchange.Infrastructure.Storage;
using CpomExchange.Rules.AccessLog;
using CpomExchange.Rules.Policies;
using Microsoft.EntityFrameworkCore;

namespace CpomExchange.Gateway.Datasets;

/// <summary>
/// Crypto-shredding: a dataset whose retention period has ended (or that its sender withdrew) loses
/// the only copies of its wrapped data keys — in its database row, never in its files — and then its
/// files (content and subject index). The row is marked and its keys destroyed in one transaction,
/// which also logs the destruction under both controllers; from that commit on, every copy of the
/// files (a backup, a snapshot, a soft-deleted blob, a file a crash left behind) is noise. The files go
/// after, so that a crash in between leaves files that <see cref="DeleteLeftoversAsync"/> removes
/// (at start-up and at each retention round), never a dataset listed as available without its content.
/// The row stays, so that its recipient sees what happened.
/// </summary>
internal sealed partial class DatasetShredder(CpomDbContext db, IPayloadStore store, AccessLogWriter writer, TimeProvider time, ILogger<DatasetShredder> logger,
    CpomExchange.Gateway.Notifications.Notifier notifier)
{
    /// <summary>Shreds every available dataset whose exchange's retention period has ended; returns how many.</summary>
    public async Task<int> ExpireDueAsync(PolicySet policies, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(policies);
        var now = time.GetUtcNow().UtcDateTime;
        var count = 0;
        foreach (var exchange in policies.Exchanges.Values)
        {
            var cutoff = now.AddDays(-exchange.RetentionDays);
            var due = await db.Datasets.Where(d => d.Type == exchange.Type && d.Status == DatasetStatus.Available && d.CreatedAtUtc <= cutoff)
                .Select(d => d.Id).ToListAsync(cancellationToken);
            foreach (var id in due)
            {
                // Counted only if this round shredded it (another instance's overlapping round may have).
                var (_, shredded) = await ShredCoreAsync(id, DatasetStatus.Expired, AccessLogMaintenance.SystemAgent, "Passerelle CpomExchange (durée de conservation)",
                    "-", null, $"fin de conservation ({exchange.RetentionDays} jours)", cancellationToken);
                count += shredded ? 1 : 0;
            }
        }
        await DeleteLeftoversAsync(cancellationToken);
        return count;
    }

    /// <summary>Marks a dataset shredded, logs it under its sender and recipient, then deletes its files.</summary>
    public async Task<DatasetEntity?> ShredAsync(string id, string status, string agentId, string agentName, string certificate, string? organisation,
        string why, CancellationToken cancellationToken = default) =>
        (await ShredCoreAsync(id, status, agentId, agentName, certificate, organisation, why, cancellationToken)).Dataset;

    private async Task<(DatasetEntity? Dataset, bool Shredded)> ShredCoreAsync(string id, string status, string agentId, string agentName, string certificate,
        string? organisation, string why, CancellationToken cancellationToken)
    {
        db.ChangeTracker.Clear();
        DatasetEntity? dataset;
        await using (var transaction = await CpomDatabase.BeginWriteAsync(db, cancellationToken))
        {
            // Locked until commit: of two instances shredding the same dataset, the second sees it done.
            dataset = await CpomDatabase.LockDatasetAsync(db, id, cancellationToken);
            if (dataset is null || dataset.Status != DatasetStatus.Available)
            {
                return (dataset, false);
            }
            await MarkShreddedAsync(dataset, status, agentId, agentName, certificate, organisation, why, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }
        await DeleteFilesAsync(dataset, cancellationToken);
        LogShredded(logger, dataset.Id, status);
        return (dataset, true);
    }

    /// <summary>
    /// The shredding's database part, inside the caller's write transaction with <paramref name="dataset"/>
    /// locked and available: marked, its keys destroyed, its recipient notified, and the destruction
    /// logged under its sender and recipient. The caller commits, then calls <see cref="DeleteFilesAsync"/>.
    /// Used alone by a replacement, whose new dataset commits in the same transaction.
    /// </summary>
    public async Task MarkShreddedAsync(DatasetEntity dataset, string status, string agentId, string agentName, string certificate, string? organisation,
        string why, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentNullException.ThrowIfNull(why);
        dataset.Status = status;
        dataset.ShreddedAtUtc = time.GetUtcNow().UtcDateTime;
        // The crypto-shredding itself: the data keys' only copies.
        dataset.PayloadKeyId = null;
        dataset.PayloadWrappedKey = null;
        dataset.SubjectsKeyId = null;
        dataset.SubjectsWrappedKey = null;
        dataset.SubjectsSha256 = null;
        await db.SaveChangesAsync(cancellationToken);
        await notifier.FileShreddedAsync(db, dataset, cancellationToken);
        var action = status == DatasetStatus.Withdrawn ? LogActions.Withdraw : LogActions.Purge;
        await writer.AppendAsync(db, [dataset.FromOrganisation, dataset.ToOrganisation], new AccessLogDraft(time.GetUtcNow(), agentId, agentName, organisation,
            certificate, action, dataset.Type, dataset.Id, dataset.Rows, null, null, why.Length > 80 ? why[..80] : why, null, AccessLogEntry.Allowed, null, null, null),
            cancellationToken);
    }

    /// <summary>
    /// Deletes the files of datasets marked shredded whose deletion is not confirmed yet (a crash
    /// between marking and deleting, a store that was down); returns how many datasets' files. Run at
    /// start-up and at each retention round. (A dataset stored by an earlier version and shredded
    /// before its keys were moved to the database still has its key in its files' headers: these
    /// files are exactly the ones this removes.)
    /// </summary>
    public async Task<int> DeleteLeftoversAsync(CancellationToken cancellationToken = default)
    {
        var shredded = await db.Datasets.AsNoTracking()
            .Where(d => d.Status != DatasetStatus.Available && d.FilesDeletedAtUtc == null)
            .ToListAsync(cancellationToken);
        foreach (var dataset in shredded)
        {
            await DeleteFilesAsync(dataset, cancellationToken);
        }
        return shredded.Count;
    }

    /// <summary>Deletes a shredded dataset's files (noise since its keys went) and records that they are gone.</summary>
    public async Task DeleteFilesAsync(DatasetEntity dataset, CancellationToken cancellationToken)
    {
        // Deleting what is already gone does nothing, so that two instances may both try.
        await store.DeleteAsync(dataset.PayloadName, cancellationToken);
        await store.DeleteAsync(DatasetFiles.SubjectsNameOf(dataset.PayloadName), cancellationToken);
        var now = time.GetUtcNow().UtcDateTime;
        await db.Datasets.Where(d => d.Id == dataset.Id).ExecuteUpdateAsync(s => s.SetProperty(d => d.FilesDeletedAtUtc, now), cancellationToken);
    }

    [LoggerMessage(EventId = 3101, Level = LogLevel.Information, Message = "Jeu de données {DatasetId} détruit : sa clé est effacée ({Status}).")]
    private static partial void LogShredded(ILogger logger, string datasetId, string status);
}

/// <summary>Runs the retention of datasets every few minutes (<c>Cpom:Retention:CheckEveryMinutes</c>).</summary>
internal sealed partial class DatasetRetentionService(IServiceScopeFactory scopes, PolicySet policies, RetentionOptions retention, TimeProvider time,
    GatewayInstance instance, ILogger<DatasetRetentionService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Cpom:Retention:CheckEverySeconds (tests, operators) wins over CheckEveryMinutes; both validated at start.
        var period = retention.Period;
        await PeriodicRounds.RunAsync(period, time, async ct =>
        {
            await using var scope = scopes.CreateAsyncScope();
            // Several instances share the database: the one holding the lease runs the round.
            var db = scope.ServiceProvider.GetRequiredService<CpomDbContext>();
            if (!await Leases.TryAcquireAsync(db, Leases.DatasetRetention, instance.Id, period * 2, time.GetUtcNow().UtcDateTime, ct))
            {
                return;
            }
            var expired = await scope.ServiceProvider.GetRequiredService<DatasetShredder>().ExpireDueAsync(policies, ct);
            if (expired > 0)
            {
                LogExpired(logger, expired);
                CpomExchange.Infrastructure.Telemetry.GatewayMetrics.RetentionPurges.Add(expired);
            }
        }, e => LogFailed(logger, e), stoppingToken);
    }

    [LoggerMessage(EventId = 3102, Level = LogLevel.Information, Message = "Conservation : {Count} jeu(x) de données arrivé(s) à échéance détruit(s), leur clé effacée.")]
    private static partial void LogExpired(ILogger logger, int count);

    [LoggerMessage(EventId = 3103, Level = LogLevel.Error, Message = "Échec de la tâche de conservation des jeux de données ; nouvel essai au prochain passage.")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
