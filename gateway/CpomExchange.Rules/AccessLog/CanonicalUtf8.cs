using System.Buffers;
using System.Buffers.Binary;
using System.Buffers.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace CpomExchange.Rules.AccessLog;

/// <summary>
/// The pieces of the canonical form written straight into a span, byte for byte as <see cref="Utf8JsonWriter"/> (default
/// options, no encoder: what <see cref="AccessLogEntry.CanonicalBytes"/> uses) writes them, without its per-value checks
/// and state: a string value is escaped as <c>JsonWriterHelper.EscapeString</c> does with no encoder (the bytes before
/// <see cref="JavaScriptEncoder.Default"/>'s first character to encode copied, the following ASCII bytes escaped one by
/// one as the writer escapes each alone, from the first non-ASCII byte on the rest through
/// <see cref="JavaScriptEncoder.Default"/>); numbers as <see cref="Utf8Formatter"/> writes them; the time in the form
/// <c>yyyy-MM-dd'T'HH:mm:ss.fff'Z'</c>; base64 unescaped. <c>Utf8EntryTests</c> compares the result with the former
/// writer over many random entries and every character of the basic plane.
/// </summary>
internal static class CanonicalUtf8
{
    /// <summary>The most bytes a value of <c>n</c> UTF-8 bytes takes once escaped: <c>\uXXXX</c> per byte at worst.</summary>
    public const int MaxEscapedPerByte = 6;

    // How Utf8JsonWriter writes each ASCII byte alone in a string value (itself, or its escape), asked of it once.
    private static readonly byte[][] AsciiEscapes = [.. Enumerable.Range(0, 128)
        .Select(b => JsonEncodedText.Encode([(byte)b]).EncodedUtf8Bytes.ToArray())];

    // How JavaScriptEncoder.Default writes each ASCII byte of a value's rest (from its first non-ASCII byte on), asked of it once.
    private static readonly byte[][] EncoderAscii = [.. Enumerable.Range(0, 128).Select(b => EncodeWithDefault([(byte)b]))];

    /// <summary>Writes <c>"name":</c> (the name already encoded, quotes included) and returns the position after it.</summary>
    public static int Name(Span<byte> to, int at, ReadOnlySpan<byte> quotedName)
    {
        quotedName.CopyTo(to[at..]);
        at += quotedName.Length;
        to[at++] = (byte)':';
        return at;
    }

    /// <summary>Writes a string value (valid UTF-8), quoted and escaped; returns the position after it.</summary>
    public static int String(Span<byte> to, int at, ReadOnlySpan<byte> utf8)
    {
        var first = utf8.IsEmpty ? -1 : JavaScriptEncoder.Default.FindFirstCharacterToEncodeUtf8(utf8);
        return Quoted(to, at, utf8, first);
    }

    /// <summary>
    /// The bytes <see cref="String"/> writes as they are (and the writer's no-encoder default leaves unescaped): the
    /// ASCII bytes that <see cref="JavaScriptEncoder.Default"/> does not encode and that the writer writes alone as
    /// themselves (<see cref="AsciiEscapes"/>), derived from both, never typed out.
    /// </summary>
    internal static readonly SearchValues<byte> Plain = SearchValues.Create([.. Enumerable.Range(0, 128)
        .Where(b => AsciiEscapes[b].Length == 1 && AsciiEscapes[b][0] == b && JavaScriptEncoder.Default.FindFirstCharacterToEncodeUtf8([(byte)b]) < 0)
        .Select(b => (byte)b)]);

    /// <summary>
    /// <see cref="String"/> in one pass over bytes not yet validated: a vectorised scan for the first byte that is not
    /// <see cref="Plain"/> (none: the value is copied, ASCII and so valid UTF-8); from that byte on the value must be
    /// valid UTF-8 (else -1, nothing to rely on written) and is escaped as <see cref="String"/> escapes it.
    /// </summary>
    public static int TryString(Span<byte> to, int at, ReadOnlySpan<byte> bytes)
    {
        var first = bytes.IndexOfAnyExcept(Plain);
        if (first >= 0 && !System.Text.Unicode.Utf8.IsValid(bytes[first..]))
        {
            return -1;
        }
        return Quoted(to, at, bytes, first);
    }

    // The value quoted: the bytes before the first to encode (-1: none) copied, the rest escaped.
    private static int Quoted(Span<byte> to, int at, ReadOnlySpan<byte> utf8, int first)
    {
        to[at++] = (byte)'"';
        if (first < 0)
        {
            utf8.CopyTo(to[at..]);
            at += utf8.Length;
        }
        else
        {
            utf8[..first].CopyTo(to[at..]);
            at += first;
            var i = first;
            for (; i < utf8.Length && utf8[i] < 0x80; i++)
            {
                var escaped = AsciiEscapes[utf8[i]];
                escaped.CopyTo(to[at..]);
                at += escaped.Length;
            }
            if (i < utf8.Length)
            {
                at = EncodeTail(to, at, utf8[i..]);
            }
        }
        to[at++] = (byte)'"';
        return at;
    }

    /// <summary>
    /// A value's rest (valid UTF-8, from its first non-ASCII byte) as <see cref="JavaScriptEncoder.Default"/>'s
    /// <c>EncodeUtf8</c> writes it, without calling it per value: each ASCII byte as the encoder writes it alone
    /// (<see cref="EncoderAscii"/>; a byte it leaves as it is, copied), each other scalar value as <c>\uXXXX</c>
    /// (upper-case hexadecimal; a pair of them, its UTF-16 surrogates, above the basic plane): the default encoder allows
    /// only Basic Latin. Two- and three-byte sequences are decoded here (checked as <see cref="System.Text.Rune"/> checks
    /// them), four-byte ones and anything else by <see cref="System.Text.Rune.DecodeFromUtf8"/>.
    /// <c>CanonicalUtf8Tests</c> compares the two over random and every scalar value.
    /// </summary>
    internal static int EncodeTail(Span<byte> to, int at, ReadOnlySpan<byte> utf8)
    {
        var i = 0;
        while (i < utf8.Length)
        {
            var b = utf8[i];
            if (Plain.Contains(b))
            {
                // A run of bytes the encoder leaves as they are, copied at once.
                var run = utf8[i..].IndexOfAnyExcept(Plain);
                run = run < 0 ? utf8.Length - i : run;
                utf8.Slice(i, run).CopyTo(to[at..]);
                at += run;
                i += run;
                continue;
            }
            if (b < 0x80)
            {
                var escaped = EncoderAscii[b];
                if (escaped.Length == 1)
                {
                    to[at++] = b;
                }
                else
                {
                    escaped.CopyTo(to[at..]);
                    at += escaped.Length;
                }
                i++;
                continue;
            }
            if (b is >= 0xC2 and <= 0xDF && i + 1 < utf8.Length && (utf8[i + 1] & 0xC0) == 0x80)
            {
                at = Escape(to, at, ((b & 0x1F) << 6) | (utf8[i + 1] & 0x3F));
                i += 2;
                continue;
            }
            if (b is >= 0xE0 and <= 0xEF && i + 2 < utf8.Length && (utf8[i + 1] & 0xC0) == 0x80 && (utf8[i + 2] & 0xC0) == 0x80)
            {
                var value = ((b & 0x0F) << 12) | ((utf8[i + 1] & 0x3F) << 6) | (utf8[i + 2] & 0x3F);
                // Not overlong (below U+0800) and not a surrogate: else Rune decides (and refuses).
                if (value >= 0x800 && value is < 0xD800 or > 0xDFFF)
                {
                    at = Escape(to, at, value);
                    i += 3;
                    continue;
                }
            }
            if (System.Text.Rune.DecodeFromUtf8(utf8[i..], out var rune, out var consumed) != OperationStatus.Done)
            {
                throw new InvalidOperationException("A value of an entry could not be escaped (invalid UTF-8).");
            }
            i += consumed;
            if (rune.IsBmp)
            {
                at = Escape(to, at, rune.Value);
            }
            else
            {
                var plane = rune.Value - 0x10000;
                at = Escape(to, at, 0xD800 + (plane >> 10));
                at = Escape(to, at, 0xDC00 + (plane & 0x3FF));
            }
        }
        return at;
    }

    /// <summary>The former way: <see cref="JavaScriptEncoder.Default"/>'s <c>EncodeUtf8</c> (for the table and the tests).</summary>
    internal static byte[] EncodeWithDefault(ReadOnlySpan<byte> utf8)
    {
        var to = new byte[(utf8.Length * MaxEscapedPerByte) + 16];
        var status = JavaScriptEncoder.Default.EncodeUtf8(utf8, to, out _, out var written);
        if (status != OperationStatus.Done)
        {
            throw new InvalidOperationException($"A value of an entry could not be escaped ({status}).");
        }
        return to[..written];
    }

    // Each byte's two upper-case hexadecimal digits, the first in the low byte (as they are stored, little-endian).
    private static readonly ushort[] HexPairs = [.. Enumerable.Range(0, 256)
        .Select(b => (ushort)("0123456789ABCDEF"[b >> 4] | ("0123456789ABCDEF"[b & 0xF] << 8)))];

    // \uXXXX: one lookup per byte of the UTF-16 code unit.
    private static int Escape(Span<byte> to, int at, int utf16)
    {
        var escape = to.Slice(at, 6);
        escape[0] = (byte)'\\';
        escape[1] = (byte)'u';
        BinaryPrimitives.WriteUInt16LittleEndian(escape[2..], HexPairs[(utf16 >> 8) & 0xFF]);
        BinaryPrimitives.WriteUInt16LittleEndian(escape[4..], HexPairs[utf16 & 0xFF]);
        return at + 6;
    }

    /// <summary>Writes <c>null</c>.</summary>
    public static int Null(Span<byte> to, int at)
    {
        "null"u8.CopyTo(to[at..]);
        return at + 4;
    }

    /// <summary>Writes a number as <see cref="Utf8JsonWriter.WriteNumberValue(long)"/> does.</summary>
    public static int Number(Span<byte> to, int at, long value)
    {
        if (!Utf8Formatter.TryFormat(value, to[at..], out var written))
        {
            throw new InvalidOperationException("A number of an entry could not be written.");
        }
        return at + written;
    }

    /// <summary>Writes the time quoted, as <c>yyyy-MM-dd'T'HH:mm:ss.fff'Z'</c> (the milliseconds truncated).</summary>
    public static int Time(Span<byte> to, int at, DateTime time)
    {
        var (year, month, day) = time;
        var ticks = time.Ticks % TimeSpan.TicksPerDay;
        to[at++] = (byte)'"';
        at = Digits(to, at, year, 4);
        to[at++] = (byte)'-';
        at = Digits(to, at, month, 2);
        to[at++] = (byte)'-';
        at = Digits(to, at, day, 2);
        to[at++] = (byte)'T';
        at = Digits(to, at, (int)(ticks / TimeSpan.TicksPerHour), 2);
        to[at++] = (byte)':';
        at = Digits(to, at, (int)(ticks / TimeSpan.TicksPerMinute % 60), 2);
        to[at++] = (byte)':';
        at = Digits(to, at, (int)(ticks / TimeSpan.TicksPerSecond % 60), 2);
        to[at++] = (byte)'.';
        at = Digits(to, at, (int)(ticks % TimeSpan.TicksPerSecond / TimeSpan.TicksPerMillisecond), 3);
        to[at++] = (byte)'Z';
        to[at++] = (byte)'"';
        return at;
    }

    /// <summary>Writes the bytes in base64, quoted, as <see cref="Utf8JsonWriter.WriteBase64StringValue"/> does.</summary>
    public static int Base64String(Span<byte> to, int at, ReadOnlySpan<byte> bytes)
    {
        to[at++] = (byte)'"';
        if (Base64.EncodeToUtf8(bytes, to[at..], out _, out var written) != OperationStatus.Done)
        {
            throw new InvalidOperationException("A hash of an entry could not be written.");
        }
        at += written;
        to[at++] = (byte)'"';
        return at;
    }

    /// <summary>The most bytes <see cref="Base64String"/> writes for <paramref name="length"/> bytes.</summary>
    public static int Base64Length(int length) => (length + 2) / 3 * 4 + 2;

    private static int Digits(Span<byte> to, int at, int value, int width)
    {
        for (var k = width - 1; k >= 0; k--)
        {
            to[at + k] = (byte)('0' + value % 10);
            value /= 10;
        }
        return at + width;
    }
}
