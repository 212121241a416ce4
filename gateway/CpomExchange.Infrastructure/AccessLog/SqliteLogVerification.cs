using System.Data;
using CpomExchange.Rules.AccessLog;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace CpomExchange.Infrastructure.AccessLog;

/// <summary>
/// The verification of a log on SQLite without EF Core and without a string per column: the entries and their
/// stored leaves are stepped through SQLitePCLRaw, each column's bytes copied from SQLite's own buffer into a
/// <see cref="Utf8Entry"/>; batches of entries are hashed on every processor while the next batch is read, and
/// checked one after the other, in order, by <see cref="LogVerifier.Run"/> (the checks and messages of
/// <see cref="LogVerifier.VerifyAsync"/>). A row this reader does not read exactly as EF Core would (a column of
/// another storage class, a NULL where none is allowed, invalid UTF-8, a time not in the form EF Core writes)
/// makes it give up (null): the caller then verifies through EF Core, whose verdict or error is the former one.
/// </summary>
internal static class SqliteLogVerification
{
    private const int BatchSize = 1024;

    private const string Columns = """
        SELECT e."Seq", e."Controller", e."TimeUtc", e."AgentId", e."AgentName", e."Organisation", e."CertificateSha256", e."Action",
               e."ExchangeType", e."DatasetId", e."Rows", e."Counterpart", e."Purpose", e."Object", e."LegalBasis", e."Outcome",
               e."ReasonCode", e."ClientAddress", e."RequestId", e."PreviousLeafHash", e."PolicyHash", l."Hash"
        FROM "access_log_entries" AS e
        INNER JOIN "access_log_leaves" AS l ON e."Controller" = l."Controller" AND e."Seq" = l."Seq"
        WHERE e."Controller" = @controller
        """;

    // The text columns of the query (by ordinal) and the field each fills; whether NULL is allowed (as the entity has it).
    private static readonly (int Ordinal, Utf8Entry.Field Field, bool Nullable)[] Texts =
    [
        (1, Utf8Entry.Field.Controller, false), (3, Utf8Entry.Field.Agent, false), (4, Utf8Entry.Field.AgentName, false),
        (5, Utf8Entry.Field.Organisation, true), (6, Utf8Entry.Field.Certificate, false), (7, Utf8Entry.Field.Action, false),
        (8, Utf8Entry.Field.Exchange, true), (9, Utf8Entry.Field.Dataset, true), (11, Utf8Entry.Field.Counterpart, true),
        (12, Utf8Entry.Field.Purpose, true), (13, Utf8Entry.Field.Object, true), (14, Utf8Entry.Field.LegalBasis, true),
        (15, Utf8Entry.Field.Outcome, false), (16, Utf8Entry.Field.Reason, true), (17, Utf8Entry.Field.ClientAddress, true),
        (18, Utf8Entry.Field.RequestId, true), (20, Utf8Entry.Field.Policy, true),
    ];

    /// <summary>
    /// Verifies the entries of <paramref name="controller"/> (from <paramref name="fromSeq"/> on when given, else all) as
    /// <see cref="LogVerifier.VerifyAsync"/> would; null when a row is not one this reader reads (see the type's summary).
    /// The connection is left as it was found (opened and closed here if it was closed), no statement left open.
    /// </summary>
    public static async Task<LogVerification?> TryVerifyAsync(SqliteConnection connection, string controller, long? fromSeq,
        IReadOnlyList<SignedCheckpoint> checkpoints, Func<SignedCheckpoint, bool> verifySignature, LogStart start, long? headSize,
        CancellationToken cancellationToken)
    {
        var run = new LogVerifier.Run(controller, checkpoints, start, headSize);
        if (run.Begin(verifySignature) is { } refused)
        {
            return refused;
        }
        var opened = connection.State != ConnectionState.Open;
        if (opened)
        {
            await connection.OpenAsync(cancellationToken);
        }
        sqlite3_stmt? statement = null;
        Task hashing = Task.CompletedTask;
        try
        {
            if (!IsUtf8(connection.Handle!))
            {
                return null;
            }
            var sql = Columns + (fromSeq is null ? "" : " AND e.\"Seq\" >= @from") + " ORDER BY e.\"Seq\"";
            Check(connection.Handle!, raw.sqlite3_prepare_v2(connection.Handle, sql, out statement));
            Check(connection.Handle!, raw.sqlite3_bind_text(statement, raw.sqlite3_bind_parameter_index(statement, "@controller"), controller));
            if (fromSeq is { } from)
            {
                Check(connection.Handle!, raw.sqlite3_bind_int64(statement, raw.sqlite3_bind_parameter_index(statement, "@from"), from));
            }
            Batch[] batches = [new(), new()];
            var current = 0;
            var pending = 0; // entries of the other batch being hashed, to check once hashed
            var done = false;
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var batch = batches[current];
                var count = done ? 0 : Fill(connection.Handle!, statement, batch, out done);
                if (count < 0)
                {
                    return null;
                }
                await hashing;
                hashing = Task.CompletedTask;
                var previous = batches[1 - current];
                for (var k = 0; k < pending; k++)
                {
                    if (run.Add(previous.Entries[k], previous.Leaves[k]!) is { } bad)
                    {
                        return bad;
                    }
                }
                if (count == 0)
                {
                    return run.End(headSize);
                }
                hashing = Task.Run(() => Parallel.For(0, count, k => batch.Leaves[k] = batch.Entries[k].LeafHash()), CancellationToken.None);
                pending = count;
                current = 1 - current;
            }
        }
        finally
        {
            try
            {
                await hashing;
            }
            catch (AggregateException)
            {
                // Only when the verification already failed with another exception; that one propagates.
            }
            statement?.Dispose();
            if (opened)
            {
                await connection.CloseAsync();
            }
        }
    }

    private static bool IsUtf8(sqlite3 db)
    {
        Check(db, raw.sqlite3_prepare_v2(db, "PRAGMA encoding", out var statement));
        using (statement)
        {
            return raw.sqlite3_step(statement) == raw.SQLITE_ROW && raw.sqlite3_column_blob(statement, 0).SequenceEqual("UTF-8"u8);
        }
    }

    /// <summary>Reads up to a batch of rows: their count, or -1 for a row this reader does not read.</summary>
    private static int Fill(sqlite3 db, sqlite3_stmt statement, Batch batch, out bool done)
    {
        done = false;
        for (var k = 0; k < BatchSize; k++)
        {
            var rc = raw.sqlite3_step(statement);
            if (rc == raw.SQLITE_DONE)
            {
                done = true;
                return k;
            }
            if (rc != raw.SQLITE_ROW)
            {
                Check(db, rc);
            }
            if (!Read(statement, batch.Entries[k]))
            {
                return -1;
            }
        }
        return BatchSize;
    }

    private static bool Read(sqlite3_stmt statement, Utf8Entry entry)
    {
        entry.Clear();
        if (raw.sqlite3_column_type(statement, 0) != raw.SQLITE_INTEGER)
        {
            return false;
        }
        entry.Seq = raw.sqlite3_column_int64(statement, 0);
        foreach (var (ordinal, field, nullable) in Texts)
        {
            var type = raw.sqlite3_column_type(statement, ordinal);
            if (type == raw.SQLITE_NULL && nullable)
            {
                continue;
            }
            // sqlite3_column_blob on a TEXT value is its UTF-8 bytes, as stored (the database's encoding is UTF-8).
            if (type != raw.SQLITE_TEXT || !entry.TrySet(field, raw.sqlite3_column_blob(statement, ordinal)))
            {
                return false;
            }
        }
        if (raw.sqlite3_column_type(statement, 2) != raw.SQLITE_TEXT || TryParseTime(raw.sqlite3_column_blob(statement, 2)) is not { } time)
        {
            return false;
        }
        entry.TimeUtc = time;
        switch (raw.sqlite3_column_type(statement, 10))
        {
            case raw.SQLITE_NULL: entry.Rows = null; break;
            case raw.SQLITE_INTEGER: entry.Rows = raw.sqlite3_column_int64(statement, 10); break;
            default: return false;
        }
        if (raw.sqlite3_column_type(statement, 19) != raw.SQLITE_BLOB || raw.sqlite3_column_type(statement, 21) != raw.SQLITE_BLOB)
        {
            return false;
        }
        entry.PreviousLeafHash = raw.sqlite3_column_blob(statement, 19).ToArray();
        entry.StoredLeafHash = raw.sqlite3_column_blob(statement, 21).ToArray();
        return true;
    }

    /// <summary>
    /// The time EF Core wrote ("yyyy-MM-dd HH:mm:ss" and up to seven digits of fraction, no offset), read as
    /// Microsoft.Data.Sqlite's GetDateTime reads it and made UTC as AccessLogWriter.FromEntity does; null for any other form.
    /// </summary>
    internal static DateTime? TryParseTime(ReadOnlySpan<byte> text)
    {
        if (text.Length < 19 || text.Length == 20 || text.Length > 27 || text[4] != '-' || text[7] != '-' || text[10] != ' '
            || text[13] != ':' || text[16] != ':' || (text.Length > 19 && text[19] != '.'))
        {
            return null;
        }
        Span<char> chars = stackalloc char[27];
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (i is not (4 or 7 or 10 or 13 or 16 or 19) && !char.IsAsciiDigit((char)c))
            {
                return null;
            }
            chars[i] = (char)c;
        }
        return DateTime.TryParse(chars[..text.Length], System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out var time)
            ? DateTime.SpecifyKind(time, DateTimeKind.Utc)
            : null;
    }

    private static void Check(sqlite3 db, int rc)
    {
        if (rc != raw.SQLITE_OK)
        {
            throw new SqliteException(raw.sqlite3_errmsg(db).utf8_to_string(), rc, raw.sqlite3_extended_errcode(db));
        }
    }

    private sealed class Batch
    {
        public Utf8Entry[] Entries { get; } = [.. Enumerable.Range(0, BatchSize).Select(_ => new Utf8Entry())];

        public byte[]?[] Leaves { get; } = new byte[]?[BatchSize];
    }
}
