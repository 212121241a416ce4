using SQLitePCL;

namespace CpomExchange.Infrastructure.AccessLog;

/// <summary>
/// The connections a verification reads its parts on, all on one snapshot of the database: a read-only connection of
/// its own (no SQLite mutex: each is used by one thread at a time) opens a read transaction, finds the range of sequence
/// numbers to read, and takes its WAL snapshot (<c>sqlite3_snapshot_get</c>); every other part's connection opens that
/// same snapshot (<c>sqlite3_snapshot_open</c>). The parts together therefore read exactly the rows one statement would
/// have read at that instant, whatever is appended or changed meanwhile; the stripes are contiguous by construction
/// (each stripe's upper bound is the next one's lower bound, the first has no lower bound and the last no upper bound).
/// Whenever that cannot be had (one part asked for, a log too short to split, the caller's connection inside a
/// transaction whose changes others would not see, a database in memory or not in WAL mode, any error while opening),
/// the whole log is one part read on the caller's own connection, as before.
/// </summary>
internal sealed class SqliteSnapshotReaders : IDisposable
{
    private readonly List<sqlite3> _owned = [];

    /// <summary>
    /// The connections to read on, and the stripes of sequence numbers to read (bounds, null: none), in order: stripe
    /// <c>i</c> is read on connection <c>i % Connections.Count</c>. Stripes of <paramref name="stripeLength"/> entries
    /// (null: one stripe per connection, contiguous parts) keep the connections reading side by side, so that none has
    /// to read far ahead of what the ordered checks have reached.
    /// </summary>
    public (IReadOnlyList<sqlite3> Connections, IReadOnlyList<(long? Lo, long? Hi)> Stripes) Open(sqlite3 caller, string controller, long? fromSeq,
        int parts, long minPartLength, long? stripeLength = null)
    {
        if (parts > 1 && raw.sqlite3_get_autocommit(caller) != 0 && raw.sqlite3_db_filename(caller, "main").utf8_to_string() is { Length: > 0 } file)
        {
            try
            {
                if (TryOpen(file, controller, fromSeq, parts, minPartLength, stripeLength) is { } split)
                {
                    return split;
                }
            }
            catch (Exception e) when (e is SqliteParts or Microsoft.Data.Sqlite.SqliteException)
            {
                // One part on the caller's connection, below.
            }
            Close();
        }
        return ([caller], [(null, null)]);
    }

    private (List<sqlite3>, List<(long?, long?)>)? TryOpen(string file, string controller, long? fromSeq, int parts, long minPartLength, long? stripeLength)
    {
        var first = Connect(file);
        var (min, max) = Range(first, controller, fromSeq);
        var length = max - min + 1;
        var count = Math.Min(parts, length / minPartLength);
        if (count < 2)
        {
            return null;
        }
        // Contiguous parts (min + length * k / count), or stripes of stripeLength; the first has no lower bound, the last
        // no upper bound.
        var bounds = stripeLength is { } stripe && stripe * count < length
            ? Enumerable.Range(0, (int)((length + stripe - 1) / stripe) + 1).Select(k => Math.Min(max + 1, min + (stripe * k))).ToArray()
            : Enumerable.Range(0, (int)count + 1).Select(k => min + (length * k / count)).ToArray();
        var stripes = Enumerable.Range(0, bounds.Length - 1)
            .Select(k => ((long?)(k == 0 ? null : bounds[k]), (long?)(k == bounds.Length - 2 ? null : bounds[k + 1]))).ToList();
        // No snapshot of a WAL nothing was written to since it was created (a database just opened, only read): then each
        // part's connection must see the same range, or the log is read in one part.
        var rc = raw.sqlite3_snapshot_get(first, "main", out var snapshot);
        using (snapshot)
        {
            var connections = new List<sqlite3> { first };
            for (var k = 1; k < count; k++)
            {
                var db = Connect(file, rc == raw.SQLITE_OK ? snapshot : null);
                if (rc != raw.SQLITE_OK && Range(db, controller, fromSeq) != (min, max))
                {
                    return null;
                }
                connections.Add(db);
            }
            Opened?.Invoke(file, connections.Count, rc == raw.SQLITE_OK);
            return (connections, stripes);
        }
    }

    /// <summary>For the tests: a database file split in parts, how many, and whether on one WAL snapshot.</summary>
    internal static event Action<string, int, bool>? Opened;

    // A read-only connection in a read transaction: on the snapshot given, or (the first) at the database's current state.
    private sqlite3 Connect(string file, sqlite3_snapshot? snapshot = null)
    {
        Ok(null, raw.sqlite3_open_v2(file, out var db, raw.SQLITE_OPEN_READONLY | raw.SQLITE_OPEN_NOMUTEX, null));
        _owned.Add(db);
        Ok(db, raw.sqlite3_busy_timeout(db, 5_000));
        Ok(db, raw.sqlite3_exec(db, "BEGIN"));
        if (snapshot is not null)
        {
            // A connection opens its WAL at its first read; sqlite3_snapshot_open needs it open (it then ends that read).
            Ok(db, raw.sqlite3_exec(db, "SELECT count(*) FROM sqlite_schema"));
            Ok(db, raw.sqlite3_snapshot_open(db, "main", snapshot));
        }
        return db;
    }

    // The smallest and largest sequence numbers to verify; the first read of the transaction, which it opens.
    private static (long Min, long Max) Range(sqlite3 db, string controller, long? fromSeq)
    {
        var sql = """SELECT min("Seq"), max("Seq") FROM "access_log_entries" WHERE "Controller" = @controller AND "Seq" >= @from""";
        Ok(db, raw.sqlite3_prepare_v2(db, sql, out var statement));
        using (statement)
        {
            Ok(db, raw.sqlite3_bind_text(statement, raw.sqlite3_bind_parameter_index(statement, "@controller"), controller));
            Ok(db, raw.sqlite3_bind_int64(statement, raw.sqlite3_bind_parameter_index(statement, "@from"), fromSeq ?? long.MinValue));
            if (raw.sqlite3_step(statement) != raw.SQLITE_ROW || raw.sqlite3_column_type(statement, 0) != raw.SQLITE_INTEGER
                || raw.sqlite3_column_type(statement, 1) != raw.SQLITE_INTEGER)
            {
                return (0, -1);
            }
            return (raw.sqlite3_column_int64(statement, 0), raw.sqlite3_column_int64(statement, 1));
        }
    }

    private static void Ok(sqlite3? db, int rc)
    {
        if (rc != raw.SQLITE_OK)
        {
            throw new SqliteParts($"SQLite {rc}" + (db is null ? "" : ": " + raw.sqlite3_errmsg(db).utf8_to_string()));
        }
    }

    /// <summary>Ends the read transactions and closes the connections opened here (none is the caller's).</summary>
    public void Close()
    {
        foreach (var db in _owned)
        {
            raw.sqlite3_exec(db, "ROLLBACK");
            db.Dispose();
        }
        _owned.Clear();
    }

    public void Dispose() => Close();

    private sealed class SqliteParts(string message) : Exception(message);
}
