using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace CpomExchange.Infrastructure.Storage;

/// <summary>Opens, migrates and locks the gateway's database, on SQLite or PostgreSQL.</summary>
public static class CpomDatabase
{
    /// <summary>
    /// The connection string <paramref name="storage"/> names (SQLite: the state folder's file by
    /// default), with how long a statement waits for a lock another connection holds before failing
    /// (then answered 503): SQLite's busy timeout, PostgreSQL's <c>lock_timeout</c> (unless the
    /// connection string sets <c>Options</c> itself).
    /// </summary>
    public static string ConnectionString(StorageOptions storage, CpomHome home, int busyTimeoutSeconds = 30)
    {
        ArgumentNullException.ThrowIfNull(storage);
        ArgumentNullException.ThrowIfNull(home);
        return storage.Provider switch
        {
            StorageOptions.Sqlite => string.IsNullOrWhiteSpace(storage.ConnectionString)
                ? CpomDbContext.SqliteConnectionString(home, busyTimeoutSeconds)
                : storage.ConnectionString,
            StorageOptions.Postgres => string.IsNullOrWhiteSpace(storage.ConnectionString)
                ? throw new InvalidOperationException("Storage:ConnectionString (chaîne de connexion PostgreSQL) est requis avec Storage:Provider=Postgres.")
                : WithLockTimeout(storage.ConnectionString, busyTimeoutSeconds),
            _ => throw new InvalidOperationException($"Storage:Provider « {storage.Provider} » inconnu : Sqlite ou Postgres."),
        };
    }

    /// <summary>Points <paramref name="builder"/> at the database <paramref name="storage"/> names.</summary>
    public static DbContextOptionsBuilder Configure(DbContextOptionsBuilder builder, StorageOptions storage, CpomHome home, int busyTimeoutSeconds = 30)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var connectionString = ConnectionString(storage, home, busyTimeoutSeconds);
        return storage.Provider == StorageOptions.Postgres
            ? builder.UseNpgsql(connectionString)
            : builder.UseSqlite(connectionString);
    }

    private static string WithLockTimeout(string connectionString, int busyTimeoutSeconds)
    {
        var builder = new Npgsql.NpgsqlConnectionStringBuilder(connectionString);
        if (string.IsNullOrEmpty(builder.Options))
        {
            builder.Options = $"-c lock_timeout={Math.Max(busyTimeoutSeconds, 1) * 1000}";
        }
        return builder.ConnectionString;
    }

    /// <summary>
    /// Checks that the database takes writes now: a write transaction is begun and rolled back (SQLite:
    /// the database's writer lock; PostgreSQL: the locks an upload takes on its tables, within <c>lock_timeout</c>).
    /// </summary>
    public static async Task ProbeWriteAsync(CpomDbContext db, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        await using var transaction = await BeginWriteAsync(db, cancellationToken);
        if (db.Database.IsNpgsql())
        {
            await db.Database.ExecuteSqlRawAsync("LOCK TABLE datasets, access_log_heads IN ROW EXCLUSIVE MODE", cancellationToken);
        }
        await transaction.RollbackAsync(cancellationToken);
    }

    /// <summary>A new context on the database <paramref name="storage"/> names (not migrated).</summary>
    public static CpomDbContext Create(StorageOptions storage, CpomHome home)
    {
        ArgumentNullException.ThrowIfNull(storage);
        if (storage.Provider == StorageOptions.Postgres)
        {
            var options = new DbContextOptionsBuilder<PostgresCpomDbContext>();
            Configure(options, storage, home);
            return new PostgresCpomDbContext(options.Options);
        }
        var sqlite = new DbContextOptionsBuilder<SqliteCpomDbContext>();
        Configure(sqlite, storage, home);
        return new SqliteCpomDbContext(sqlite.Options);
    }

    /// <summary>Opens the database <paramref name="storage"/> names, creating and migrating it unless <paramref name="migrate"/> is false.</summary>
    public static async Task<CpomDbContext> OpenAsync(StorageOptions storage, CpomHome home, bool migrate = true, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(storage);
        ArgumentNullException.ThrowIfNull(home);
        if (storage.Provider == StorageOptions.Sqlite)
        {
            CpomHome.CreatePrivateDirectory(home.Root);
        }
        var db = Create(storage, home);
        try
        {
            if (migrate)
            {
                await MigrateAsync(db, cancellationToken);
            }
            return db;
        }
        catch
        {
            await db.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Applies the pending migrations (EF Core takes a database-wide lock meanwhile, so instances
    /// starting together migrate once); SQLite is switched to write-ahead logging.
    /// </summary>
    public static async Task<IReadOnlyList<string>> MigrateAsync(CpomDbContext db, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        var pending = (await db.Database.GetPendingMigrationsAsync(cancellationToken)).ToList();
        await db.Database.MigrateAsync(cancellationToken);
        if (db.Database.IsSqlite())
        {
            // WAL: readers do not block the writer; one writer at a time (BEGIN IMMEDIATE).
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", cancellationToken);
        }
        return pending;
    }

    /// <summary>The migrations not yet applied to the database.</summary>
    public static async Task<IReadOnlyList<string>> PendingMigrationsAsync(CpomDbContext db, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        return (await db.Database.GetPendingMigrationsAsync(cancellationToken)).ToList();
    }

    /// <summary>Opens (creating and migrating if needed) the SQLite database of <paramref name="home"/>.</summary>
    public static Task<CpomDbContext> OpenSqliteAsync(CpomHome home, CancellationToken cancellationToken = default) =>
        OpenAsync(new StorageOptions(), home, migrate: true, cancellationToken);

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

    /// <summary>
    /// Reads a controller's log head for update, inside the current write transaction. SQLite: the
    /// write transaction already excludes every other writer. PostgreSQL: a transaction-scoped
    /// advisory lock on the controller (which also covers a log whose head does not exist yet) is
    /// taken first, so that appends to one controller's log are serialised across every instance
    /// while appends to different controllers run in parallel. A head the context already tracks is
    /// reused only if it was read in this same transaction; else it is read again.
    /// </summary>
    public static async Task<AccessLog.AccessLogHeadEntity?> LockHeadAsync(CpomDbContext db, string controller, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        var current = LocksOf(db);
        var readInThisTransaction = current.Heads.Contains(controller);
        await LockLogsAsync(db, [controller], cancellationToken);
        var tracked = db.AccessLogHeads.Local.FirstOrDefault(h => h.Controller == controller);
        if (tracked is not null && !readInThisTransaction && db.Entry(tracked).State == EntityState.Unchanged)
        {
            // Tracked from an earlier transaction of this context: another writer may have appended since.
            await db.Entry(tracked).ReloadAsync(cancellationToken);
        }
        current.Heads.Add(controller);
        if (tracked is not null && db.Entry(tracked).State != EntityState.Detached)
        {
            return tracked;
        }
        return await db.AccessLogHeads.SingleOrDefaultAsync(h => h.Controller == controller, cancellationToken);
    }

    /// <summary>
    /// PostgreSQL: takes the log locks of <paramref name="controllers"/> in one stable order, for the
    /// rest of the current transaction (one already held in it is not asked for again). A transaction
    /// that will append to several logs takes them all first, so that two such transactions cannot
    /// deadlock. SQLite: nothing to take (one writer at a time).
    /// </summary>
    public static async Task LockLogsAsync(CpomDbContext db, IEnumerable<string> controllers, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(controllers);
        if (db.Database.CurrentTransaction is null)
        {
            throw new InvalidOperationException("The log locks are taken inside a write transaction.");
        }
        var current = LocksOf(db);
        foreach (var controller in controllers.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            if (!current.Locked.Add(controller) || !db.Database.IsNpgsql())
            {
                continue;
            }
            var key = "cpom-log:" + controller;
            await db.Database.ExecuteSqlInterpolatedAsync($"SELECT pg_advisory_xact_lock(hashtextextended({key}, 0))", cancellationToken);
        }
    }

    /// <summary>
    /// Takes the lock named <paramref name="name"/> for the rest of the current write transaction, so
    /// that one instance at a time does what follows (create the deployment's pseudonymisation key,
    /// request a key rotation): PostgreSQL, a transaction-scoped advisory lock; SQLite, nothing more to
    /// take (the write transaction already excludes every other writer of every process).
    /// </summary>
    public static async Task LockAsync(CpomDbContext db, string name, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (db.Database.CurrentTransaction is null)
        {
            throw new InvalidOperationException("A named lock is taken inside a write transaction.");
        }
        if (db.Database.IsNpgsql())
        {
            var key = "cpom-lock:" + name;
            await db.Database.ExecuteSqlInterpolatedAsync($"SELECT pg_advisory_xact_lock(hashtextextended({key}, 0))", cancellationToken);
        }
    }

    /// <summary>What the current transaction of a context holds: the logs locked, the heads read.</summary>
    private sealed class TransactionLocks
    {
        public Guid Transaction { get; set; }
        public HashSet<string> Locked { get; } = new(StringComparer.Ordinal);
        public HashSet<string> Heads { get; } = new(StringComparer.Ordinal);
    }

    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<CpomDbContext, TransactionLocks> Locks = new();

    private static TransactionLocks LocksOf(CpomDbContext db)
    {
        var state = Locks.GetOrCreateValue(db);
        var transaction = db.Database.CurrentTransaction?.TransactionId ?? Guid.Empty;
        if (state.Transaction != transaction)
        {
            state.Transaction = transaction;
            state.Locked.Clear();
            state.Heads.Clear();
        }
        return state;
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

    /// <summary>Releases pooled connections (so that a test can delete the folder or drop the database).</summary>
    public static void ClearPools()
    {
        SqliteConnection.ClearAllPools();
        Npgsql.NpgsqlConnection.ClearAllPools();
    }
}
