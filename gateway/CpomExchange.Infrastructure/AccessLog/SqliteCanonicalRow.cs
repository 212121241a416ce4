using CpomExchange.Rules.AccessLog;
using SQLitePCL;

namespace CpomExchange.Infrastructure.AccessLog;

/// <summary>
/// The leaf prefix and the canonical bytes of the current row of <see cref="SqliteLogVerification.Columns"/> written in one
/// pass from SQLite's own buffers (<see cref="SqliteColumns.Blob"/>) into a buffer of the caller's, in the canonical
/// order, without first copying the values into a <see cref="Utf8Entry"/>: each text value scanned once
/// (<see cref="CanonicalUtf8.TryString"/>), the time moved byte by byte (<see cref="TryTime"/>). The same 21 columns are
/// read and the bytes are exactly <see cref="Utf8Entry"/>'s (<c>SqliteCanonicalRowTests</c> compares the two over rows of
/// every kind). Whenever the row is not one this writer takes as it is (a column of another storage class, a NULL where
/// none is allowed, invalid UTF-8, a time not in EF Core's form, or another controller), it gives up (-1) and the caller
/// reads the row the former way (<see cref="SqliteLogVerification.Read"/>), which decides.
/// </summary>
internal static class SqliteCanonicalRow
{
    private const int Policy = 20;

    // By ordinal: whether NULL is allowed, and the member's name quoted (as SqliteLogVerification and Utf8Entry have them).
    private static readonly bool[] Nullable = ByOrdinal(t => t.Nullable);
    private static readonly byte[][] Names = ByOrdinal(t => Utf8Entry.Names[(int)t.Field]);

    private static T[] ByOrdinal<T>(Func<(int Ordinal, Utf8Entry.Field Field, bool Nullable), T> select)
    {
        var values = new T[Policy + 1];
        foreach (var text in SqliteLogVerification.Texts)
        {
            values[text.Ordinal] = select(text);
        }
        return values;
    }

    /// <summary>
    /// Writes 0x00 then the canonical bytes of the current row (sequence number <paramref name="seq"/>, read by the caller)
    /// into <paramref name="buffer"/>, made larger when needed; returns their length, with the row's previous leaf hash
    /// (SQLite's buffer: valid until the statement steps), or -1 when the row is left to the former reading (see the
    /// type's summary), its controller not <paramref name="controller"/> included.
    /// </summary>
    public static int TryWrite(sqlite3_stmt statement, IntPtr handle, long seq, ReadOnlySpan<byte> controller, ref byte[] buffer,
        out ReadOnlySpan<byte> previous)
    {
        previous = default;
        var policy = SqliteColumns.TypeAndText(statement, handle, Policy, out _);
        if (policy is not (raw.SQLITE_NULL or raw.SQLITE_TEXT) || SqliteColumns.TypeAndText(statement, handle, 1, out var owner) != raw.SQLITE_TEXT
            || !owner.SequenceEqual(controller))
        {
            return -1;
        }
        var to = Room(ref buffer, 0, 128 + (CanonicalUtf8.MaxEscapedPerByte * controller.Length));
        to[0] = 0x00;
        to[1] = (byte)'{';
        var at = CanonicalUtf8.Name(to, 2, "\"v\""u8);
        at = CanonicalUtf8.Number(to, at, policy == raw.SQLITE_NULL ? 1 : 2);
        to[at++] = (byte)',';
        at = CanonicalUtf8.Name(to, at, "\"seq\""u8);
        at = CanonicalUtf8.Number(to, at, seq);
        at = Text(statement, handle, 1, ref buffer, at);
        if (at < 0 || SqliteColumns.TypeAndText(statement, handle, 2, out var time) != raw.SQLITE_TEXT)
        {
            return -1;
        }
        to = Room(ref buffer, at, 64);
        to[at++] = (byte)',';
        at = CanonicalUtf8.Name(to, at, "\"time\""u8);
        at = TryTime(to, at, time);
        for (var ordinal = 3; ordinal <= 9 && at >= 0; ordinal++)
        {
            at = Text(statement, handle, ordinal, ref buffer, at);
        }
        if (at < 0)
        {
            return -1;
        }
        to = Room(ref buffer, at, 64);
        to[at++] = (byte)',';
        at = CanonicalUtf8.Name(to, at, "\"rows\""u8);
        switch (SqliteColumns.Type(statement, handle, 10))
        {
            case raw.SQLITE_NULL: at = CanonicalUtf8.Null(to, at); break;
            case raw.SQLITE_INTEGER: at = CanonicalUtf8.Number(to, at, SqliteColumns.Int64(statement, handle, 10)); break;
            default: return -1;
        }
        for (var ordinal = 11; ordinal <= 18 && at >= 0; ordinal++)
        {
            at = Text(statement, handle, ordinal, ref buffer, at);
        }
        if (at >= 0 && policy == raw.SQLITE_TEXT)
        {
            // Format 2 only, as AccessLogEntry writes it.
            at = Text(statement, handle, Policy, ref buffer, at);
        }
        if (at < 0 || SqliteColumns.TypeAndText(statement, handle, 19, out previous) != raw.SQLITE_BLOB)
        {
            return -1;
        }
        to = Room(ref buffer, at, 16 + CanonicalUtf8.Base64Length(previous.Length));
        to[at++] = (byte)',';
        at = CanonicalUtf8.Name(to, at, "\"prev\""u8);
        at = CanonicalUtf8.Base64String(to, at, previous);
        to[at++] = (byte)'}';
        return at;
    }

    // ,"name":value of a text column; -1 when the row is left to the former reading.
    private static int Text(sqlite3_stmt statement, IntPtr handle, int ordinal, ref byte[] buffer, int at)
    {
        // The bytes of a TEXT value are as stored (the database's encoding is UTF-8): not validated yet.
        var type = SqliteColumns.TypeAndText(statement, handle, ordinal, out var value);
        if (type == raw.SQLITE_NULL && Nullable[ordinal])
        {
            var room = Room(ref buffer, at, 32);
            room[at++] = (byte)',';
            at = CanonicalUtf8.Name(room, at, Names[ordinal]);
            return CanonicalUtf8.Null(room, at);
        }
        if (type != raw.SQLITE_TEXT)
        {
            return -1;
        }
        var to = Room(ref buffer, at, 32 + (CanonicalUtf8.MaxEscapedPerByte * value.Length));
        to[at++] = (byte)',';
        at = CanonicalUtf8.Name(to, at, Names[ordinal]);
        return CanonicalUtf8.TryString(to, at, value);
    }

    /// <summary>
    /// A stored time <see cref="SqliteLogVerification.TryParseTime"/> reads (checked by the same
    /// <see cref="SqliteLogVerification.IsStoredTime"/>) written quoted as <see cref="CanonicalUtf8.Time"/> writes what it
    /// reads, <c>yyyy-MM-dd'T'HH:mm:ss.fff'Z'</c>, by moving its bytes: the fraction truncated to milliseconds and padded
    /// with zeros. -1 (nothing to rely on written) for any text it does not read.
    /// </summary>
    internal static int TryTime(Span<byte> to, int at, ReadOnlySpan<byte> text)
    {
        if (!SqliteLogVerification.IsStoredTime(text))
        {
            return -1;
        }
        var time = to.Slice(at, 26);
        time[0] = (byte)'"';
        text[..10].CopyTo(time[1..]);
        time[11] = (byte)'T';
        text.Slice(11, 8).CopyTo(time[12..]);
        time[20] = (byte)'.';
        for (var k = 0; k < 3; k++)
        {
            time[21 + k] = 20 + k < text.Length ? text[20 + k] : (byte)'0';
        }
        time[24] = (byte)'Z';
        time[25] = (byte)'"';
        return at + 26;
    }

    // The buffer from its start, with room for more bytes after at (the bytes before at kept).
    private static Span<byte> Room(ref byte[] buffer, int at, int more)
    {
        if (buffer.Length < at + more)
        {
            Array.Resize(ref buffer, Math.Max(buffer.Length * 2, at + more));
        }
        return buffer;
    }
}
