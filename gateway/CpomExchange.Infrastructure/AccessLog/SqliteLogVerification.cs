using System.Data;
using CpomExchange.Rules.AccessLog;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace CpomExchange.Infrastructure.AccessLog;

/// <summary>
/// The verification of a log on SQLite without EF Core and without a string per column: the entries and their
/// stored leaves are stepped through SQLitePCLRaw (<see cref="SqliteColumns"/>), each row's canonical bytes written from
/// SQLite's own buffers (<see cref="SqliteCanonicalRow"/>; the rows it leaves, and the entries that do not hold, read
/// into a <see cref="Utf8Entry"/> by <see cref="Read"/>). A long log is read by parts, one per processor, on connections of one
/// snapshot (<see cref="SqliteSnapshotReaders"/>), each part reading stripes of the sequence numbers in turn with the
/// others and hashing them on its own thread (<see cref="SqliteLogPart"/>, the entries and stored leaves walked side by
/// side, no seek per entry); the stripes' leaves are checked in order by <see cref="LogVerifier.Run"/> (the checks and
/// messages of <see cref="LogVerifier.VerifyAsync"/>). A row this reader does not read exactly as EF Core would (a column of
/// another storage class, a NULL where none is allowed, invalid UTF-8, a time not in the form EF Core writes)
/// makes it give up (null): the caller then verifies through EF Core, whose verdict or error is the former one.
/// </summary>
internal static class SqliteLogVerification
{
    internal const string Columns = """
        SELECT "Seq", "Controller", "TimeUtc", "AgentId", "AgentName", "Organisation", "CertificateSha256", "Action",
               "ExchangeType", "DatasetId", "Rows", "Counterpart", "Purpose", "Object", "LegalBasis", "Outcome",
               "ReasonCode", "ClientAddress", "RequestId", "PreviousLeafHash", "PolicyHash"
        FROM "access_log_entries"
        WHERE "Controller" = @controller
        """;

    // The stored leaves, read beside the entries (SqliteLogPart walks the two in order of sequence number).
    internal const string Leaves = """
        SELECT "Seq", "Hash" FROM "access_log_leaves" WHERE "Controller" = @controller
        """;

    // The text columns of the query (by ordinal) and the field each fills; whether NULL is allowed (as the entity has it).
    internal static readonly (int Ordinal, Utf8Entry.Field Field, bool Nullable)[] Texts =
    [
        (1, Utf8Entry.Field.Controller, false), (3, Utf8Entry.Field.Agent, false), (4, Utf8Entry.Field.AgentName, false),
        (5, Utf8Entry.Field.Organisation, true), (6, Utf8Entry.Field.Certificate, false), (7, Utf8Entry.Field.Action, false),
        (8, Utf8Entry.Field.Exchange, true), (9, Utf8Entry.Field.Dataset, true), (11, Utf8Entry.Field.Counterpart, true),
        (12, Utf8Entry.Field.Purpose, true), (13, Utf8Entry.Field.Object, true), (14, Utf8Entry.Field.LegalBasis, true),
        (15, Utf8Entry.Field.Outcome, false), (16, Utf8Entry.Field.Reason, true), (17, Utf8Entry.Field.ClientAddress, true),
        (18, Utf8Entry.Field.RequestId, true), (20, Utf8Entry.Field.Policy, true),
    ];

    // Below this many entries a part is not worth its connection and thread; also the length of a stripe (a part reads
    // every other stripe, so that the parts read side by side and none far ahead of the ordered checks).
    private const long MinPartLength = 16 * SqliteLogPart.ChunkSize;

    /// <summary>
    /// Verifies the entries of <paramref name="controller"/> (from <paramref name="fromSeq"/> on when given, else all) as
    /// <see cref="LogVerifier.VerifyAsync"/> would; null when a row is not one this reader reads (see the type's summary).
    /// The connection is left as it was found (opened and closed here if it was closed), no statement left open.
    /// </summary>
    /// <param name="parts">How many parts to read at once (tests); by default one per processor for a long log.</param>
    /// <param name="stripe">The length of a stripe (tests; null with <paramref name="parts"/>: one contiguous stripe per part).</param>
    public static async Task<LogVerification?> TryVerifyAsync(SqliteConnection connection, string controller, long? fromSeq,
        IReadOnlyList<SignedCheckpoint> checkpoints, Func<SignedCheckpoint, bool> verifySignature, LogStart start, long? headSize,
        CancellationToken cancellationToken, int? parts = null, long? stripe = null)
    {
        var run = new LogVerifier.Run(controller, checkpoints, start, headSize);
        var opened = connection.State != ConnectionState.Open;
        if (opened)
        {
            await connection.OpenAsync(cancellationToken);
        }
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var snapshot = new SqliteSnapshotReaders();
        var readers = new List<(SqliteLogPart Part, Task Task)>();
        try
        {
            if (!IsUtf8(connection.Handle!))
            {
                return null;
            }
            var (connections, stripes) = snapshot.Open(connection.Handle!, controller, fromSeq, parts ?? Environment.ProcessorCount,
                parts is null ? MinPartLength : 1, parts is null ? MinPartLength : stripe);
            for (var k = 0; k < connections.Count; k++)
            {
                var mine = stripes.Where((_, i) => i % connections.Count == k).ToList();
                var part = new SqliteLogPart(connections[k], Columns, Leaves, controller, fromSeq, mine);
                readers.Add((part, Task.Factory.StartNew(() => part.Run(stop.Token), stop.Token, TaskCreationOptions.LongRunning, TaskScheduler.Default)));
            }
            // The checkpoints' signatures (about 90 us each, a thousand for a million entries) are checked here while the
            // parts read their first chunks, not before they start: no entry is checked before every signature is.
            if (run.Begin(verifySignature) is { } refused)
            {
                return refused;
            }
            for (var s = 0; s < stripes.Count; s++)
            {
                var part = readers[s % readers.Count].Part;
                while (true)
                {
                    if (!await part.Chunks.WaitToReadAsync(cancellationToken))
                    {
                        throw new InvalidOperationException($"SqliteLogPart: a part ended before its stripe {s}.");
                    }
                    var chunk = await part.Chunks.ReadAsync(cancellationToken);
                    for (var k = 0; k < chunk.Count; k++)
                    {
                        // The part checked each entry's log and stored leaf, and each link but its stripe's first entry's.
                        var leaf = chunk.Leaves.AsSpan(k * MerkleTree.HashSize, MerkleTree.HashSize);
                        var first = k == 0 && chunk.FirstPrevious is not null;
                        if (run.AddLinked(first ? chunk.FirstSeq : run.Next, leaf, first ? chunk.FirstPrevious : null) is { } bad)
                        {
                            return bad;
                        }
                    }
                    if (chunk.Unreadable)
                    {
                        return null;
                    }
                    if (chunk.Bad is { } entry)
                    {
                        // Some check fails for this entry (should none, the former path decides).
                        return run.Add(entry, chunk.BadLeaf!);
                    }
                    var end = chunk.EndOfStripe;
                    part.Recycle(chunk);
                    if (end)
                    {
                        break;
                    }
                }
            }
            return run.End(headSize);
        }
        finally
        {
            await stop.CancelAsync();
            foreach (var (_, task) in readers)
            {
                try
                {
                    await task;
                }
                catch (OperationCanceledException)
                {
                    // Stopped: the verdict was found before this part's end.
                }
            }
            snapshot.Close();
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

    /// <summary>
    /// Reads the current row into <paramref name="entry"/> (its previous leaf hash into <paramref name="previous"/>, made
    /// anew for another length); false for a row this reader does not read exactly as EF Core would. Its sequence number
    /// <paramref name="seq"/> was read by the caller, who checked it is an INTEGER.
    /// </summary>
    internal static bool Read(sqlite3_stmt statement, long seq, Utf8Entry entry, ref byte[] previous)
    {
        var handle = statement.DangerousGetHandle();
        entry.Clear();
        entry.Seq = seq;
        foreach (var (ordinal, field, nullable) in Texts)
        {
            var type = SqliteColumns.Type(statement, handle, ordinal);
            if (type == raw.SQLITE_NULL && nullable)
            {
                continue;
            }
            // The blob of a TEXT value is its UTF-8 bytes, as stored (the database's encoding is UTF-8).
            if (type != raw.SQLITE_TEXT || !entry.TrySet(field, SqliteColumns.Blob(statement, handle, ordinal)))
            {
                return false;
            }
        }
        if (SqliteColumns.Type(statement, handle, 2) != raw.SQLITE_TEXT || TryParseTime(SqliteColumns.Blob(statement, handle, 2)) is not { } time)
        {
            return false;
        }
        entry.TimeUtc = time;
        switch (SqliteColumns.Type(statement, handle, 10))
        {
            case raw.SQLITE_NULL: entry.Rows = null; break;
            case raw.SQLITE_INTEGER: entry.Rows = SqliteColumns.Int64(statement, handle, 10); break;
            default: return false;
        }
        if (SqliteColumns.Type(statement, handle, 19) != raw.SQLITE_BLOB)
        {
            return false;
        }
        var hash = SqliteColumns.Blob(statement, handle, 19);
        if (previous.Length != hash.Length)
        {
            previous = new byte[hash.Length];
        }
        hash.CopyTo(previous);
        entry.PreviousLeafHash = previous;
        return true;
    }

    /// <summary>
    /// The time EF Core wrote ("yyyy-MM-dd HH:mm:ss" and up to seven digits of fraction, no offset), read as
    /// Microsoft.Data.Sqlite's GetDateTime reads it (DateTime.TryParse, invariant culture: <c>SqliteTimeTests</c> compares
    /// the two) and made UTC as AccessLogWriter.FromEntity does; null for any other form or a date that does not exist.
    /// </summary>
    internal static DateTime? TryParseTime(ReadOnlySpan<byte> text)
    {
        if (!IsStoredTime(text))
        {
            return null;
        }
        var (year, month, day) = (Digits(text, 0, 4), Digits(text, 5, 2), Digits(text, 8, 2));
        var (hour, minute, second) = (Digits(text, 11, 2), Digits(text, 14, 2), Digits(text, 17, 2));
        long fraction = 0;
        for (var i = 20; i < 27; i++)
        {
            fraction = (fraction * 10) + (i < text.Length ? text[i] - '0' : 0);
        }
        return new DateTime(year, month, day, hour, minute, second, DateTimeKind.Utc).AddTicks(fraction);
    }

    /// <summary>
    /// Whether <paramref name="text"/> is a time <see cref="TryParseTime"/> reads: "yyyy-MM-dd HH:mm:ss" and up to seven
    /// digits of fraction, a date and time that exist (<see cref="SqliteCanonicalRow.TryTime"/> checks it the same way).
    /// </summary>
    internal static bool IsStoredTime(ReadOnlySpan<byte> text)
    {
        if (text.Length < 19 || text.Length == 20 || text.Length > 27 || text[4] != '-' || text[7] != '-' || text[10] != ' '
            || text[13] != ':' || text[16] != ':' || (text.Length > 19 && text[19] != '.'))
        {
            return false;
        }
        for (var i = 0; i < text.Length; i++)
        {
            if (i is not (4 or 7 or 10 or 13 or 16 or 19) && !char.IsAsciiDigit((char)text[i]))
            {
                return false;
            }
        }
        var (year, month, day) = (Digits(text, 0, 4), Digits(text, 5, 2), Digits(text, 8, 2));
        var (hour, minute, second) = (Digits(text, 11, 2), Digits(text, 14, 2), Digits(text, 17, 2));
        return year >= 1 && month is >= 1 and <= 12 && day >= 1 && day <= DateTime.DaysInMonth(year, month) && hour <= 23 && minute <= 59 && second <= 59;
    }

    private static int Digits(ReadOnlySpan<byte> text, int at, int length)
    {
        var value = 0;
        for (var i = at; i < at + length; i++)
        {
            value = (value * 10) + (text[i] - '0');
        }
        return value;
    }

    internal static void Check(sqlite3 db, int rc)
    {
        if (rc != raw.SQLITE_OK)
        {
            throw new SqliteException(raw.sqlite3_errmsg(db).utf8_to_string(), rc, raw.sqlite3_extended_errcode(db));
        }
    }
}
