using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

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
    public static Task<Microsoft.EntityFrameworkCore.Storage.IDbContextTransaction> BeginWriteAsync(CpomDbContext db, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        return db.Database.BeginTransactionAsync(cancellationToken);
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

    /// <summary>Releases pooled SQLite connections (so that a test can delete the folder).</summary>
    public static void ClearPools() => SqliteConnection.ClearAllPools();
}
