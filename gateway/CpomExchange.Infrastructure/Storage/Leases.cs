using Microsoft.EntityFrameworkCore;

namespace CpomExchange.Infrastructure.Storage;

/// <summary>
/// Leases in the database, so that a periodic job (retention purges, log maintenance) runs on one
/// instance at a time when several share the database: the holder renews its lease at each round;
/// another instance takes it over only once it has expired (its holder stopped or hung).
/// </summary>
public static class Leases
{
    /// <summary>The job that crypto-shreds expired datasets.</summary>
    public const string DatasetRetention = "dataset-retention";

    /// <summary>The job that signs due checkpoints and purges old log entries.</summary>
    public const string AccessLogMaintenance = "access-log-maintenance";

    /// <summary>The job that rotates the key-encryption key and moves earlier versions' data keys into the database.</summary>
    public const string KeyMaintenance = "key-maintenance";

    /// <summary>A holder name for this process: host, process id and a random part (two starts never share one).</summary>
    public static string NewHolder() =>
        $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid().ToString("N")[..8]}";

    /// <summary>
    /// Takes or renews the lease <paramref name="name"/> for <paramref name="holder"/> until
    /// <paramref name="nowUtc"/> + <paramref name="duration"/>; true when held. One statement decides
    /// (an UPDATE whose condition is re-checked under the row lock, or the INSERT of a new lease that
    /// the primary key lets only one instance make), so two instances never both get it.
    /// </summary>
    public static async Task<bool> TryAcquireAsync(CpomDbContext db, string name, string holder, TimeSpan duration, DateTime nowUtc,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentException.ThrowIfNullOrEmpty(holder);
        var until = nowUtc + duration;
        db.ChangeTracker.Clear();
        await using var transaction = await CpomDatabase.BeginWriteAsync(db, cancellationToken);
        var updated = await db.Leases
            .Where(l => l.Name == name && (l.Holder == holder || l.ExpiresAtUtc <= nowUtc))
            .ExecuteUpdateAsync(s => s.SetProperty(l => l.Holder, holder).SetProperty(l => l.ExpiresAtUtc, until), cancellationToken);
        if (updated == 1)
        {
            await transaction.CommitAsync(cancellationToken);
            return true;
        }
        if (await db.Leases.AnyAsync(l => l.Name == name, cancellationToken))
        {
            return false;
        }
        db.Leases.Add(new LeaseEntity { Name = name, Holder = holder, ExpiresAtUtc = until });
        try
        {
            await db.SaveChangesAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            return true;
        }
        catch (DbUpdateException)
        {
            // Another instance created it first.
            db.ChangeTracker.Clear();
            return false;
        }
    }
}
