using System.Buffers;
using System.Buffers.Text;
using System.Text;
using System.Text.Encodings.Web;

namespace CpomExchange.Rules.AccessLog;

/// <summary>
/// The fast path of <c>cpom audit verify FILE</c>. An entry line as <see cref="LogExport.EntryLine"/> writes it is
/// <c>{"type":"entry",</c>, then the members of the entry's canonical bytes as they are, then <c>,"leafHash":"…"}</c>; the
/// one difference is <c>prev</c>'s base64, whose <c>+</c> the line escapes as <c>\u002B</c> where the canonical writer
/// leaves it. So the leaf of such a line is SHA-256 of 0x00, <c>{</c>, the line's bytes from <c>"v"</c> to <c>"prev":</c>,
/// <c>prev</c> in base64 and <c>}</c>: no parse into fields, no re-serialising.
/// <para>
/// That is the leaf the former path computes only when re-serialising the line's parsed entry gives back the line's own
/// bytes, so a line is read here only when it is byte for byte in the one form the canonical writer gives its entry:
/// exactly the canonical members in their order (<c>policy</c> present if and only if <c>"v":2</c>), no white space, no
/// other or repeated member, <c>leafHash</c> last and followed by <c>}</c> and the line's end; every string value in the
/// writer's escaped form of its own value (an ASCII character raw or escaped as the writer escapes it alone, any other
/// character as <c>\uXXXX</c> in capitals, a surrogate pair for one beyond the basic plane: <c>\u0041</c>, <c>\u00e9</c>,
/// <c>\/</c>, a raw <c>é</c> or a lone surrogate are not); numbers as the writer writes a <see cref="long"/>; the time as
/// <c>yyyy-MM-ddTHH:mm:ss.fffZ</c>, a real date; <c>prev</c> and <c>leafHash</c> the base64 of 32 bytes, <c>+</c> as
/// <c>\u002B</c>. Any other line, valid or not, is left to the former path (<c>false</c>), which then gives the verdict
/// or error it gives today: what this path reads, the former would have read the same (<c>CanonicalEntryLineTests</c>).
/// </para>
/// </summary>
internal static class CanonicalEntryLine
{
    private const int HashBytes = 32;
    private const int Base64Chars = 44;

    // The line's start; the canonical bytes start at its "v" member (index of "\"v\":").
    private static readonly byte[] Start = "{\"type\":\"entry\",\"v\":"u8.ToArray();
    private const int CanonicalFrom = 16;

    private enum Kind { Text, Controller, Time, Rows, Policy }

    // The members after "seq", in the canonical order (Utf8Entry.Write, AccessLogEntry.WriteCanonical), each with the comma before it.
    private static readonly (byte[] Name, Kind Kind)[] Members = [.. new (string Name, Kind Kind)[]
    {
        ("controller", Kind.Controller), ("time", Kind.Time), ("agent", Kind.Text), ("agentName", Kind.Text), ("organisation", Kind.Text),
        ("certificate", Kind.Text), ("action", Kind.Text), ("exchange", Kind.Text), ("dataset", Kind.Text), ("rows", Kind.Rows),
        ("counterpart", Kind.Text), ("purpose", Kind.Text), ("object", Kind.Text), ("legalBasis", Kind.Text), ("outcome", Kind.Text),
        ("reason", Kind.Text), ("clientAddress", Kind.Text), ("requestId", Kind.Text), ("policy", Kind.Policy),
    }.Select(m => (Encoding.UTF8.GetBytes($",\"{m.Name}\":"), m.Kind))];

    // How the canonical writer writes each ASCII character alone in a string (itself, or its escape), asked of it.
    private static readonly byte[][] AsciiForms = [.. Enumerable.Range(0, 128).Select(b =>
    {
        var to = new byte[16];
        var end = CanonicalUtf8.String(to, 0, [(byte)b]);
        return to[1..(end - 1)];
    })];

    // The ASCII bytes the writer leaves as they are in a string: a run of them needs no other check.
    private static readonly SearchValues<byte> Raw = SearchValues.Create([.. Enumerable.Range(0, 128)
        .Where(b => AsciiForms[b].Length == 1 && AsciiForms[b][0] == b).Select(b => (byte)b)]);

    /// <summary>
    /// Whether the canonical writer of this runtime writes characters beyond ASCII as this path expects (<c>\uXXXX</c> in
    /// capitals, surrogate pairs beyond the basic plane): checked once on samples; if not, every line takes the former path.
    /// </summary>
    public static bool Enabled { get; } = SelfCheck();

    /// <summary>
    /// The controller's value as a line in shape holds it (quoted, escaped as the canonical writer escapes it), to compare
    /// with <see cref="TryRead"/>'s; null when the fast path is not to be used for this log (a log id that is not valid
    /// Unicode, or <see cref="Enabled"/> false).
    /// </summary>
    public static byte[]? ControllerValue(string? logId)
    {
        if (!Enabled || logId is null)
        {
            return null;
        }
        var utf8 = Encoding.UTF8.GetBytes(logId);
        if (Encoding.UTF8.GetString(utf8) != logId)
        {
            return null;
        }
        var to = new byte[(CanonicalUtf8.MaxEscapedPerByte * utf8.Length) + 2];
        return to[..CanonicalUtf8.String(to, 0, utf8)];
    }

    /// <summary>
    /// Reads an entry line in the shape <see cref="LogExport.EntryLine"/> writes (above): its sequence number, where its
    /// controller's value lies (quoted, as written), its leaf (SHA-256 of 0x00 and its canonical bytes, into
    /// <paramref name="leaf"/>), its previous leaf hash and its stored leaf hash (32 bytes each). False, with nothing to
    /// use, for any line not in that shape.
    /// </summary>
    public static bool TryRead(ReadOnlySpan<byte> line, out long seq, out Range controller, Span<byte> leaf, Span<byte> previous, Span<byte> storedLeaf)
    {
        seq = 0;
        controller = default;
        if (!line.StartsWith(Start) || line.Length < Start.Length + 1)
        {
            return false;
        }
        var at = Start.Length;
        var version = line[at++];
        if ((version != (byte)'1' && version != (byte)'2') || !Literal(line, ref at, ",\"seq\":"u8) || !Number(line, ref at, out seq))
        {
            return false;
        }
        foreach (var (name, kind) in Members)
        {
            if (kind == Kind.Policy && version == (byte)'1')
            {
                // Format 1: no policy member at all.
                continue;
            }
            if (!Literal(line, ref at, name))
            {
                return false;
            }
            var from = at;
            var read = kind switch
            {
                Kind.Controller or Kind.Policy => String(line, ref at),
                Kind.Time => Time(line, ref at),
                Kind.Rows => Literal(line, ref at, "null"u8) || Number(line, ref at, out _),
                _ => Literal(line, ref at, "null"u8) || String(line, ref at),
            };
            if (!read)
            {
                return false;
            }
            if (kind == Kind.Controller)
            {
                controller = from..at;
            }
        }
        if (!Literal(line, ref at, ",\"prev\":"u8))
        {
            return false;
        }
        var prevValue = at;
        if (!Base64Value(line, ref at, previous) || !Literal(line, ref at, ",\"leafHash\":"u8) || !Base64Value(line, ref at, storedLeaf)
            || at != line.Length - 1 || line[at] != (byte)'}')
        {
            return false;
        }
        Hash(line[CanonicalFrom..prevValue], previous, leaf);
        return true;
    }

    // 0x00 { the members up to "prev": then prev as the canonical writer writes it (unescaped base64) and }.
    private static void Hash(ReadOnlySpan<byte> members, ReadOnlySpan<byte> previous, Span<byte> leaf)
    {
        var size = 2 + members.Length + CanonicalUtf8.Base64Length(HashBytes) + 1;
        var buffer = _buffer is { } kept && kept.Length >= size ? kept : (_buffer = new byte[Math.Max(size, 2048)]);
        buffer[0] = 0x00;
        buffer[1] = (byte)'{';
        members.CopyTo(buffer.AsSpan(2));
        var at = CanonicalUtf8.Base64String(buffer, 2 + members.Length, previous);
        buffer[at++] = (byte)'}';
        Sha256Direct.HashData(buffer.AsSpan(0, at), leaf);
        if (buffer.Length > 64 * 1024)
        {
            _buffer = null; // an unusually large entry's buffer is not kept
        }
    }

    [ThreadStatic]
    private static byte[]? _buffer;

    private static bool Literal(ReadOnlySpan<byte> line, ref int at, ReadOnlySpan<byte> literal)
    {
        if (!line[at..].StartsWith(literal))
        {
            return false;
        }
        at += literal.Length;
        return true;
    }

    /// <summary>A number as the writer writes a <see cref="long"/>: a minus sign only before a non-zero value, no leading zero, no fraction or exponent.</summary>
    private static bool Number(ReadOnlySpan<byte> line, ref int at, out long value)
    {
        value = 0;
        var negative = at < line.Length && line[at] == (byte)'-';
        var digits = line[(negative ? at + 1 : at)..];
        var length = digits.IndexOfAnyExceptInRange((byte)'0', (byte)'9');
        if (length < 0)
        {
            length = digits.Length;
        }
        if (length == 0 || length > 19 || (digits[0] == (byte)'0' && (length > 1 || negative)))
        {
            return false;
        }
        ulong magnitude = 0;
        foreach (var d in digits[..length])
        {
            magnitude = (magnitude * 10) + (ulong)(d - '0'); // 19 digits fit in 64 bits
        }
        if (magnitude > (negative ? (ulong)long.MaxValue + 1 : long.MaxValue))
        {
            return false;
        }
        value = negative ? (long)(0 - magnitude) : (long)magnitude;
        at += length + (negative ? 1 : 0);
        return true;
    }

    /// <summary>
    /// A quoted string in exactly the form the canonical writer gives its value: every ASCII character as
    /// <see cref="AsciiForms"/> says, every other one escaped as <c>\uXXXX</c> in capitals (a surrogate pair beyond the
    /// basic plane), nothing raw beyond ASCII.
    /// </summary>
    private static bool String(ReadOnlySpan<byte> line, ref int at)
    {
        if (at >= line.Length || line[at] != (byte)'"')
        {
            return false;
        }
        var i = at + 1;
        while (true)
        {
            var run = line[i..].IndexOfAnyExcept(Raw);
            if (run < 0)
            {
                return false; // no closing quote
            }
            i += run;
            var b = line[i];
            if (b == (byte)'"')
            {
                at = i + 1;
                return true;
            }
            if (b != (byte)'\\' || i + 1 >= line.Length)
            {
                return false; // a byte the writer escapes, or beyond ASCII: not the canonical form
            }
            if (line[i + 1] != (byte)'u')
            {
                // A two-character escape: only where the writer writes that one for its character.
                var c = line[i + 1] switch
                {
                    (byte)'b' => 0x08, (byte)'t' => 0x09, (byte)'n' => 0x0A, (byte)'f' => 0x0C, (byte)'r' => 0x0D,
                    (byte)'\\' => 0x5C, (byte)'/' => 0x2F, (byte)'"' => 0x22, _ => -1,
                };
                if (c < 0 || !line.Slice(i, 2).SequenceEqual(AsciiForms[c]))
                {
                    return false;
                }
                i += 2;
                continue;
            }
            if (!Hex(line, i, out var unit))
            {
                return false;
            }
            if (unit < 0x80)
            {
                if (!line.Slice(i, 6).SequenceEqual(AsciiForms[unit]))
                {
                    return false;
                }
                i += 6;
                continue;
            }
            var scalar = unit;
            var length = 6;
            if (unit is >= 0xD800 and <= 0xDFFF)
            {
                // Only a high surrogate followed by a low one, escaped alike: one scalar beyond the basic plane.
                if (unit > 0xDBFF || !Hex(line, i + 6, out var low) || low is < 0xDC00 or > 0xDFFF)
                {
                    return false;
                }
                scalar = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00);
                length = 12;
            }
            if (!JavaScriptEncoder.Default.WillEncode(scalar))
            {
                return false; // a character the writer would leave raw
            }
            i += length;
        }
    }

    /// <summary><c>\uXXXX</c> at <paramref name="at"/>, its four digits in capitals (as the writer writes them).</summary>
    private static bool Hex(ReadOnlySpan<byte> line, int at, out int unit)
    {
        unit = 0;
        if (at + 6 > line.Length || line[at] != (byte)'\\' || line[at + 1] != (byte)'u')
        {
            return false;
        }
        for (var k = at + 2; k < at + 6; k++)
        {
            var d = line[k];
            int digit;
            if (d is >= (byte)'0' and <= (byte)'9')
            {
                digit = d - '0';
            }
            else if (d is >= (byte)'A' and <= (byte)'F')
            {
                digit = d - 'A' + 10;
            }
            else
            {
                return false;
            }
            unit = (unit << 4) | digit;
        }
        return true;
    }

    /// <summary>The time as the canonical writer writes it: <c>"yyyy-MM-ddTHH:mm:ss.fffZ"</c>, a date that exists.</summary>
    private static bool Time(ReadOnlySpan<byte> line, ref int at)
    {
        if (at + 26 > line.Length)
        {
            return false;
        }
        var t = line.Slice(at, 26);
        if (t[0] != (byte)'"' || t[5] != (byte)'-' || t[8] != (byte)'-' || t[11] != (byte)'T' || t[14] != (byte)':' || t[17] != (byte)':'
            || t[20] != (byte)'.' || t[24] != (byte)'Z' || t[25] != (byte)'"')
        {
            return false;
        }
        if (!Digits(t, 1, 4, out var year) || !Digits(t, 6, 2, out var month) || !Digits(t, 9, 2, out var day) || !Digits(t, 12, 2, out var hour)
            || !Digits(t, 15, 2, out var minute) || !Digits(t, 18, 2, out var second) || !Digits(t, 21, 3, out _))
        {
            return false;
        }
        if (year < 1 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month) || hour > 23 || minute > 59 || second > 59)
        {
            return false;
        }
        at += 26;
        return true;
    }

    private static bool Digits(ReadOnlySpan<byte> t, int from, int count, out int value)
    {
        value = 0;
        foreach (var d in t.Slice(from, count))
        {
            if (d is < (byte)'0' or > (byte)'9')
            {
                return false;
            }
            value = (value * 10) + (d - '0');
        }
        return true;
    }

    // What a line's base64 value may hold as it is: the alphabet without "+" (written \u002B), and the backslash of that escape.
    private static readonly SearchValues<byte> Base64Raw = SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/=\\"u8);

    /// <summary>The base64 of 32 bytes, quoted, exactly as a line holds it: <c>+</c> escaped as <c>\u002B</c>, the canonical encoding of its bytes.</summary>
    private static bool Base64Value(ReadOnlySpan<byte> line, ref int at, Span<byte> bytes)
    {
        if (at >= line.Length || line[at] != (byte)'"')
        {
            return false;
        }
        var raw = line[(at + 1)..];
        var end = raw.IndexOf((byte)'"');
        if (end < 0 || end > 6 * Base64Chars)
        {
            return false;
        }
        raw = raw[..end];
        if (raw.IndexOfAnyExcept(Base64Raw) >= 0)
        {
            return false;
        }
        Span<byte> text = stackalloc byte[Base64Chars];
        var n = 0;
        var rest = raw;
        while (true)
        {
            var escape = rest.IndexOf((byte)'\\');
            var plain = escape < 0 ? rest : rest[..escape];
            if (n + plain.Length > Base64Chars)
            {
                return false;
            }
            plain.CopyTo(text[n..]);
            n += plain.Length;
            if (escape < 0)
            {
                break;
            }
            // The one escape a line's base64 holds.
            if (!rest[escape..].StartsWith("\\u002B"u8) || n == Base64Chars)
            {
                return false;
            }
            text[n++] = (byte)'+';
            rest = rest[(escape + 6)..];
        }
        if (n != Base64Chars || Base64.DecodeFromUtf8(text, bytes, out var consumed, out var written) != OperationStatus.Done
            || consumed != Base64Chars || written != HashBytes)
        {
            return false;
        }
        // Only the one encoding of these bytes (no other padding, no stray low bits).
        Span<byte> again = stackalloc byte[Base64Chars];
        if (Base64.EncodeToUtf8(bytes[..HashBytes], again, out _, out var length) != OperationStatus.Done || !again[..length].SequenceEqual(text))
        {
            return false;
        }
        at += end + 2;
        return true;
    }

    private static bool SelfCheck()
    {
        // What this path assumes of the writer beyond ASCII, on samples (CanonicalEntryLineTests checks every scalar).
        foreach (var (text, form) in new[]
        {
            ("\u0080", "\\u0080"), ("é", "\\u00E9"), ("\u2028", "\\u2028"), ("\uFFFF", "\\uFFFF"), ("😀", "\\uD83D\\uDE00"), ("\U0010FFFF", "\\uDBFF\\uDFFF"),
        })
        {
            var to = new byte[32];
            var end = CanonicalUtf8.String(to, 0, Encoding.UTF8.GetBytes(text));
            if (!to.AsSpan(1, end - 2).SequenceEqual(Encoding.ASCII.GetBytes(form)))
            {
                return false;
            }
        }
        return true;
    }
}
