using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace CpomExchange.Infrastructure.Storage;

/// <summary>Brings the database of a state folder up to date.</summary>
public static class CpomDatabase
{
    /// <summary>Applies the migrations and switches SQLite to write-ahead logging.</summary>
    public static async Task MigrateAsync(CpomDbContext db, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        await db.Database.MigrateAsync(cancellationToken);
        if (db.Database.IsSqlite())
        {
            // WAL: readers do not block the writer; one writer at a time (BEGIN IMMEDIATE).
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", cancellationToken);
        }
    }

    /// <summary>Opens (creating and migrating if needed) the SQLite database of <paramref name="home"/>.</summary>
    public static async Task<CpomDbContext> OpenSqliteAsync(CpomHome home, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(home);
        CpomHome.CreatePrivateDirectory(home.Root);
        var db = new CpomDbContext(CpomDbContext.SqliteOptions(home));
        await MigrateAsync(db, cancellationToken);
        return db;
    }

    /// <summary>
    /// Begins a write transaction. On SQLite it is BEGIN IMMEDIATE: the database's one writer lock is
    /// taken at once, which serialises the access-log appends of every process.
    /// </summary>
    public static async Task<IDbContextTransaction> BeginWriteAsync(CpomDbContext db, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        if (!db.Database.IsSqlite())
        {
            return await db.Database.BeginTransactionAsync(cancellationToken);
        }
        // SQLite has one writer. Microsoft.Data.Sqlite answers a busy database by sleeping and
        // retrying on the calling thread, so under load a writer can lose for seconds; writers of
        // this process queue here instead, first come first served. Other processes still meet
        // SQLite's own lock (BEGIN IMMEDIATE) and its busy timeout.
        var gate = WriteGates.GetOrAdd(db.Database.GetConnectionString() ?? string.Empty, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken);
        try
        {
            return new GatedTransaction(await db.Database.BeginTransactionAsync(cancellationToken), gate);
        }
        catch
        {
            gate.Release();
            throw;
        }
    }

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, SemaphoreSlim> WriteGates = new(StringComparer.Ordinal);

    /// <summary>A write transaction that lets the next writer of this process in when it ends.</summary>
    private sealed class GatedTransaction(IDbContextTransaction inner, SemaphoreSlim gate) : IDbContextTransaction
    {
        private int _released;

        public Guid TransactionId => inner.TransactionId;

        public void Commit() => inner.Commit();

        public Task CommitAsync(CancellationToken cancellationToken = default) => inner.CommitAsync(cancellationToken);

        public void Rollback() => inner.Rollback();

        public Task RollbackAsync(CancellationToken cancellationToken = default) => inner.RollbackAsync(cancellationToken);

        public void Dispose()
        {
            try
            {
                inner.Dispose();
            }
            finally
            {
                Release();
            }
        }

        public async ValueTask DisposeAsync()
        {
            try
            {
                await inner.DisposeAsync();
            }
            finally
            {
                Release();
            }
        }

        private void Release()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                gate.Release();
            }
        }
    }

    /// <summary>Reads a controller's log head for update, inside the current write transaction.</summary>
    public static async Task<AccessLog.AccessLogHeadEntity?> LockHeadAsync(CpomDbContext db, string controller, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        var tracked = db.AccessLogHeads.Local.FirstOrDefault(h => h.Controller == controller);
        if (tracked is not null)
        {
            return tracked;
        }
        // SQLite: the write transaction already excludes every other writer.
        return await db.AccessLogHeads.SingleOrDefaultAsync(h => h.Controller == controller, cancellationToken);
    }

    /// <summary>
    /// Reads a dataset's row for update, inside the current write transaction: on PostgreSQL the row
    /// stays locked until commit, so that of two instances changing the same dataset the second waits
    /// and then sees the first one's change. (SQLite: the write transaction already excludes every other writer.)
    /// </summary>
    public static async Task<DatasetEntity?> LockDatasetAsync(CpomDbContext db, string id, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        if (db.Database.IsNpgsql())
        {
            return await db.Datasets.FromSqlInterpolated($"SELECT * FROM datasets WHERE \"Id\" = {id} FOR UPDATE").SingleOrDefaultAsync(cancellationToken);
        }
        return await db.Datasets.SingleOrDefaultAsync(d => d.Id == id, cancellationToken);
    }

    /// <summary>Releases pooled SQLite connections (so that a test can delete the folder).</summary>
    public static void ClearPools() => SqliteConnection.ClearAllPools();
}
