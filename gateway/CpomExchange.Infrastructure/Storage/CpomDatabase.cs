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

    /// <summary>Releases pooled SQLite connections (so that a test can delete the folder).</summary>
    public static void ClearPools() => SqliteConnection.ClearAllPools();
}
