using CpomExchange.Infrastructure.Storage;
using CpomExchange.Rules.AccessLog;
using Microsoft.EntityFrameworkCore;

namespace CpomExchange.Infrastructure.AccessLog;

/// <summary>
/// The periodic work on the logs: a signed checkpoint for every log with entries unsigned for
/// longer than <see cref="AccessLogOptions.CheckpointEverySeconds"/>, and the retention purge, which
/// deletes entries older than the organisation's retention up to a signed checkpoint and keeps their
/// leaf hashes, so that the log stays verifiable from that checkpoint on.
/// </summary>
public sealed class AccessLogMaintenance(AccessLogWriter writer, AccessLogOptions options, TimeProvider time)
{
    /// <summary>The agent named in entries the gateway writes on its own (purges).</summary>
    public const string SystemAgent = "passerelle";

    /// <summary>Signs a checkpoint for every log whose newest entries have waited long enough; returns how many.</summary>
    public async Task<int> CheckpointDueAsync(CpomDbContext db, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        var due = time.GetUtcNow().UtcDateTime.AddSeconds(-options.CheckpointEverySeconds);
        var controllers = await db.AccessLogHeads.AsNoTracking()
            .Where(h => h.Size > h.LastCheckpointSize && h.LastCheckpointAtUtc <= due)
            .Select(h => h.Controller).ToListAsync(cancellationToken);
        var count = 0;
        foreach (var controller in controllers)
        {
            db.ChangeTracker.Clear();
            await using var transaction = await CpomDatabase.BeginWriteAsync(db, cancellationToken);
            var head = await CpomDatabase.LockHeadAsync(db, controller, cancellationToken);
            if (head is null || head.Size == head.LastCheckpointSize)
            {
                continue;
            }
            await writer.AddCheckpointAsync(db, head, CompactRange.Deserialize(head.Size, head.Range), cancellationToken);
            await db.SaveChangesAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            count++;
        }
        return count;
    }

    /// <summary>Applies each organisation's retention; returns the number of entries deleted.</summary>
    public async Task<long> PurgeAsync(CpomDbContext db, IEnumerable<string> controllers, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(controllers);
        long total = 0;
        foreach (var controller in controllers)
        {
            var days = options.RetentionDaysByOrganisation.TryGetValue(controller, out var specific) ? specific : options.RetentionDays;
            total += await PurgeAsync(db, controller, time.GetUtcNow().UtcDateTime.AddDays(-days), cancellationToken);
        }
        return total;
    }

    /// <summary>
    /// Deletes the entries of <paramref name="controller"/> older than <paramref name="cutoffUtc"/>, up
    /// to the largest signed checkpoint they end at; logs the purge in that log.
    /// </summary>
    public async Task<long> PurgeAsync(CpomDbContext db, string controller, DateTime cutoffUtc, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        db.ChangeTracker.Clear();
        await using var transaction = await CpomDatabase.BeginWriteAsync(db, cancellationToken);
        var head = await CpomDatabase.LockHeadAsync(db, controller, cancellationToken);
        if (head is null)
        {
            return 0;
        }
        // The first entry to keep: the oldest one not older than the cutoff.
        var firstKept = await db.AccessLogEntries.Where(e => e.Controller == controller && e.TimeUtc >= cutoffUtc)
            .OrderBy(e => e.Seq).Select(e => (long?)e.Seq).FirstOrDefaultAsync(cancellationToken) ?? head.Size;
        // Purge only up to a signed checkpoint, from which verification starts again.
        var purgeTo = await db.AccessLogCheckpoints.Where(c => c.Controller == controller && c.TreeSize <= firstKept && c.TreeSize > head.PurgedBelow)
            .OrderByDescending(c => c.TreeSize).Select(c => (long?)c.TreeSize).FirstOrDefaultAsync(cancellationToken);
        if (purgeTo is not { } upTo)
        {
            return 0;
        }
        var deleted = await db.AccessLogEntries.Where(e => e.Controller == controller && e.Seq < upTo).ExecuteDeleteAsync(cancellationToken);
        head.PurgedBelow = upTo;
        await writer.AppendAsync(db, [controller], new AccessLogDraft(time.GetUtcNow(), SystemAgent, "Passerelle CpomExchange (conservation du journal)", null, "-",
            LogActions.Purge, null, null, deleted, null, null, $"entrées n° 0 à {upTo - 1}", null, AccessLogEntry.Allowed, null, null, null), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return deleted;
    }
}
