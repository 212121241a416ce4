using System.Text;
using CpomExchange.Rules.AccessLog;

namespace CpomExchange.Rules.Tests.AccessLog;

/// <summary>
/// <see cref="CanonicalEntryLine"/> hashes an export's entry line as it is, without parsing it into an entry: that is the
/// former path's leaf only if the line's bytes are what re-serialising its parsed entry gives. These tests hold every line
/// the fast path reads against the former reading of the same bytes (<see cref="ExportEntryParser"/>, the entry's
/// canonical bytes re-written by <see cref="Utf8Entry"/>): the lines the gateway writes, and lines altered as an attacker
/// would alter them (bytes flipped, members swapped, repeated or added after <c>leafHash</c>, other escapes of the same
/// character, white space, other number or time forms, truncation).
/// </summary>
public sealed class CanonicalEntryLineTests
{
    private sealed record Read(long Seq, byte[] Controller, byte[] Leaf, byte[] Previous, byte[] Stored);

    private static Read? Fast(string line) => Fast(Encoding.UTF8.GetBytes(line));

    private static Read? Fast(byte[] line)
    {
        var leaf = new byte[32];
        var previous = new byte[32];
        var stored = new byte[32];
        return CanonicalEntryLine.TryRead(line, out var seq, out var controller, leaf, previous, stored)
            ? new Read(seq, line[controller], leaf, previous, stored)
            : null;
    }

    /// <summary>The former reading of the same bytes: the parsed entry, its controller as the canonical writer writes it, its re-serialised leaf.</summary>
    private static Read? Former(byte[] line)
    {
        var entry = new Utf8Entry();
        if (!ExportEntryParser.TryParse(line, entry) || entry.IsNull(Utf8Entry.Field.Controller) || entry.StoredLeafHash is null)
        {
            return null;
        }
        var controller = new byte[(6 * entry.Get(Utf8Entry.Field.Controller).Length) + 2];
        var length = CanonicalUtf8.String(controller, 0, entry.Get(Utf8Entry.Field.Controller));
        return new Read(entry.Seq, controller[..length], entry.LeafHash(), entry.PreviousLeafHash, entry.StoredLeafHash);
    }

    private static void AssertSame(Read former, Read fast, string what)
    {
        Assert.True(former.Seq == fast.Seq, $"seq {former.Seq} / {fast.Seq}: {what}");
        Assert.True(former.Controller.AsSpan().SequenceEqual(fast.Controller), $"controller: {what}");
        Assert.True(former.Leaf.AsSpan().SequenceEqual(fast.Leaf), $"leaf: {what}");
        Assert.True(former.Previous.AsSpan().SequenceEqual(fast.Previous), $"prev: {what}");
        Assert.True(former.Stored.AsSpan().SequenceEqual(fast.Stored), $"leafHash: {what}");
    }

    /// <summary>An entry as the gateway logs an upload (the benchmark's): accents, apostrophes, a policy hash.</summary>
    internal static AccessLogEntry Realistic(long seq, byte[] previous) => new(seq, "prevy", new DateTimeOffset(2026, 12, 2, 9, 49, 19, TimeSpan.Zero).AddMilliseconds(seq),
        "prevy-agent", "Agent de dépôt PREVY", "prevy", new string('f', 64), LogActions.Upload, "adherents", "ds_" + seq.ToString("x12", System.Globalization.CultureInfo.InvariantCulture),
        1_000 + (seq % 9_000), "carsat-lr", "sinistralite", "Campagne CPOM 2026, lot n° " + (seq % 100),
        "RGPD art. 6(1)(e) (mission d'intérêt public) ; Code du travail L. 4622-10 et D. 4622-44 à D. 4622-47 (CPOM)", AccessLogEntry.Allowed, null, "192.0.2.17",
        "0HNC4M2J7QK1E:" + seq.ToString("X8", System.Globalization.CultureInfo.InvariantCulture), previous, seq % 5 == 0 ? null : "sha256:" + new string('c', 64));

    private static string Line(AccessLogEntry entry) => LogExport.EntryLine(new StoredEntry(entry, entry.LeafHash()));

    [Fact]
    public void TheLinesTheGatewayWrites_AreReadHere_WithTheFormerPathsLeafSeqAndHashes()
    {
        var random = new Random(190);
        var read = 0;
        var left = 0;
        for (var i = 0; i < 20_000; i++)
        {
            var entry = Utf8EntryTests.RandomEntry(random, large: i % 1_000 == 0);
            var line = Line(entry);
            var fast = Fast(line);
            // Only a 32-byte previous hash and a controller fit the shape (the gateway never writes anything else).
            var inShape = entry.PreviousLeafHash.Length == 32 && entry.Controller is not null;
            Assert.True(inShape == fast is not null, line.Length > 400 ? line[..400] : line);
            if (fast is null)
            {
                left++;
                continue;
            }
            read++;
            AssertSame(Former(Encoding.UTF8.GetBytes(line))!, fast, line);
            Assert.Equal(entry.LeafHash(), fast.Leaf);
            Assert.Equal(entry.Seq, fast.Seq);
        }
        Assert.Equal(20_000, read + left);
        Assert.InRange(read, 16_000, 18_500);
    }

    [Fact]
    public void TheVectors_AndTheBenchmarksEntries_AreReadHere()
    {
        foreach (var entry in new[] { AccessLogEntryTests.Full, AccessLogEntryTests.Nulls, AccessLogEntryTests.Large })
        {
            var line = Line(entry with { PreviousLeafHash = Enumerable.Range(0, 32).Select(b => (byte)(b * 7)).ToArray() });
            var fast = Fast(line);
            Assert.NotNull(fast);
            AssertSame(Former(Encoding.UTF8.GetBytes(line))!, fast, line);
        }
    }

    [Fact]
    public void EveryCharacter_IsReadInTheWritersForm_AndInNoOtherForm()
    {
        var baseEntry = AccessLogEntryTests.Full with { PreviousLeafHash = new byte[32] };
        var scalars = Enumerable.Range(0, 0x10000).Where(c => c is < 0xD800 or > 0xDFFF).Concat(Enumerable.Range(0x10000, 0x800)).Concat([0x1F600, 0x10FFFF]);
        var alternatives = 0;
        foreach (var scalar in scalars)
        {
            var text = char.ConvertFromUtf32(scalar);
            var line = Line(baseEntry with { AgentName = "x" + text + "y" });
            var fast = Fast(line);
            Assert.True(fast is not null, $"U+{scalar:X4}: {line}");
            AssertSame(Former(Encoding.UTF8.GetBytes(line))!, fast, line);
            // The same character written otherwise: raw, \u in lower and upper case, the two-character escape.
            var written = line[(line.IndexOf("\"agentName\":\"x", StringComparison.Ordinal) + 14)..line.IndexOf("y\",\"organisation\"", StringComparison.Ordinal)];
            var forms = new[] { text, $"\\u{scalar:x4}", $"\\u{scalar:X4}", scalar == '/' ? "\\/" : text, scalar == '"' ? "\\\"" : text };
            foreach (var form in forms.Where(f => scalar < 0x10000 && f != written).Distinct())
            {
                var other = line.Replace("\"agentName\":\"x" + written + "y\"", "\"agentName\":\"x" + form + "y\"", StringComparison.Ordinal);
                var otherFast = Fast(other);
                Assert.True(otherFast is null, $"U+{scalar:X4} written {form} instead of {written} was read as it is");
                alternatives++;
            }
        }
        Assert.True(alternatives > 100_000, $"{alternatives} other forms");
    }

    /// <summary>An attacker's alterations of the line's bytes, of one member or of the line's structure.</summary>
    internal static byte[] Mutate(byte[] bytes, Random random)
    {
        var kind = random.Next(16);
        string line;
        List<(int Start, int Length)> members;
        try
        {
            line = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes);
            members = Members(line);
        }
        catch (Exception e) when (e is ArgumentException or System.Text.Json.JsonException)
        {
            return Flip(bytes, random); // already altered beyond JSON: bytes only
        }
        return kind >= 11 || members.Count == 0 ? Flip(bytes, random) : Encoding.UTF8.GetBytes(Mutate(line, members, kind, random));
    }

    private static byte[] Flip(byte[] line, Random random)
    {
        // A byte flipped, deleted or inserted anywhere.
        var bytes = line.ToList();
        var at = random.Next(bytes.Count + 1);
        var interesting = new byte[] { (byte)' ', (byte)'"', (byte)'\\', (byte)',', (byte)'}', (byte)'{', (byte)':', (byte)'0', (byte)'9', (byte)'A', (byte)'u', 0x80, 0xC3, 0x00, (byte)'\r' };
        var value = random.Next(2) == 0 ? interesting[random.Next(interesting.Length)] : (byte)random.Next(256);
        switch (at == bytes.Count ? 2 : random.Next(3))
        {
            case 0: bytes[at] = value; break;
            case 1: bytes.RemoveAt(at); break;
            default: bytes.Insert(at, value); break;
        }
        return [.. bytes];
    }

    private static string Mutate(string line, List<(int Start, int Length)> members, int kind, Random random)
    {
        var m = members[random.Next(members.Count)];
        switch (kind)
        {
            case 0: // a member repeated right after itself, or just before leafHash, or after it
                {
                    var copy = line.Substring(m.Start, m.Length);
                    var other = members[random.Next(members.Count)];
                    return random.Next(3) switch
                    {
                        0 => line.Insert(m.Start + m.Length, "," + copy),
                        1 => line.LastIndexOf(",\"leafHash\"", StringComparison.Ordinal) is var leaf and >= 0 ? line.Insert(leaf, "," + copy) : line,
                        _ => line[..^1] + "," + line.Substring(other.Start, other.Length) + "}",
                    };
                }
            case 1: // two members swapped
                {
                    var n = members[random.Next(members.Count)];
                    if (n.Start == m.Start)
                    {
                        return line;
                    }
                    var (a, b) = m.Start < n.Start ? (m, n) : (n, m);
                    return line[..a.Start] + line.Substring(b.Start, b.Length) + line[(a.Start + a.Length)..b.Start] + line.Substring(a.Start, a.Length) + line[(b.Start + b.Length)..];
                }
            case 2: // a member removed
                return m.Start == 1 ? line.Remove(1, m.Length + 1) : line.Remove(m.Start - 1, m.Length + 1);
            case 3: // white space somewhere between tokens
                {
                    var at = random.Next(3) switch { 0 => m.Start, 1 => m.Start + Name(line, m).Length + 3, _ => Math.Max(0, line.Length - 1) };
                    return line.Insert(at, random.Next(2) == 0 ? " " : "\t");
                }
            case 4: // something after leafHash: another member, a second seq, garbage
                return line[..^1] + random.Next(4) switch { 0 => ",\"x\":1}", 1 => ",\"seq\":5}", 2 => "} ", _ => "}}" };
            case 5: // a character of a value written another way
                return OtherEscape(line, random);
            case 6: // a number in another form
                return random.Next(5) switch
                {
                    0 => line.Replace("\"seq\":", "\"seq\":0", StringComparison.Ordinal),
                    1 => line.Replace("\"seq\":", "\"seq\":-", StringComparison.Ordinal),
                    2 => System.Text.RegularExpressions.Regex.Replace(line, "\"seq\":(\\d+)", "\"seq\":$1.0"),
                    3 => System.Text.RegularExpressions.Regex.Replace(line, "\"rows\":(\\d+)", "\"rows\":$1e0"),
                    _ => line.Replace("\"v\":2,", "\"v\":1,", StringComparison.Ordinal).Replace("\"v\":1,", random.Next(2) == 0 ? "\"v\":2," : "\"v\":3,", StringComparison.Ordinal),
                };
            case 7: // the time in another form, or a date that does not exist
                return System.Text.RegularExpressions.Regex.Replace(line, "\"time\":\"([^\"]*)Z\"", random.Next(4) switch
                {
                    0 => "\"time\":\"$1+00:00\"",
                    1 => "\"time\":\"$10Z\"",
                    2 => "\"time\":\"2026-02-29T12:00:00.000Z\"",
                    _ => "\"time\":\"2028-02-29T24:00:00.000Z\"",
                });
            case 8: // type elsewhere, or not "entry"
                return random.Next(2) == 0
                    ? line.Replace("{\"type\":\"entry\",", "{", StringComparison.Ordinal).Replace(",\"prev\":", ",\"type\":\"entry\",\"prev\":", StringComparison.Ordinal)
                    : line.Replace("\"type\":\"entry\"", "\"type\":\"\\u0065ntry\"", StringComparison.Ordinal);
            case 9: // base64 written otherwise: + raw, a stray low bit, no padding, null
                return random.Next(4) switch
                {
                    0 => line.Replace("\\u002B", "+", StringComparison.Ordinal),
                    1 => System.Text.RegularExpressions.Regex.Replace(line, "([A-Za-z0-9/])=\"", m2 => (char)(m2.Groups[1].Value[0] ^ 1) + "=\""),
                    2 => line.Replace("=\"}", "\"}", StringComparison.Ordinal),
                    _ => System.Text.RegularExpressions.Regex.Replace(line, "\"leafHash\":\"[^\"]*\"", "\"leafHash\":null"),
                };
            default: // truncated
                return line[..random.Next(line.Length)];
        }
    }

    private static string OtherEscape(string line, Random random)
    {
        // One occurrence of a character of a string value, written another way the JSON reader decodes alike.
        var choices = new (string From, string To)[]
        {
            ("\\u00E9", "\\u00e9"), ("\\u00E9", "é"), ("\\u0027", "'"), ("\\u0027", "\\u0027"), ("a", "\\u0061"), ("p", "\\u0070"), ("/", "\\/"),
            ("\\n", "\\u000A"), ("\\u0022", "\\\""), ("\\\\", "\\u005C"), ("\\u00B0", "\\u00b0"), ("\\u002B", "\\u002b"), ("\\uD83D\\uDE00", "😀"),
        };
        var (from, to) = choices[random.Next(choices.Length)];
        var at = line.IndexOf(from, random.Next(line.Length / 2), StringComparison.Ordinal);
        return at < 0 ? line : line[..at] + to + line[(at + from.Length)..];
    }

    private static string Name(string line, (int Start, int Length) member) => line.Substring(member.Start + 1, line.IndexOf('"', member.Start + 1) - member.Start - 1);

    /// <summary>Each member of a line as the gateway writes it (name and value), by its position.</summary>
    private static List<(int Start, int Length)> Members(string line)
    {
        var members = new List<(int, int)>();
        var bytes = Encoding.UTF8.GetBytes(line);
        var reader = new System.Text.Json.Utf8JsonReader(bytes);
        reader.Read();
        while (reader.Read() && reader.TokenType == System.Text.Json.JsonTokenType.PropertyName)
        {
            var start = (int)reader.TokenStartIndex;
            reader.Read();
            reader.Skip();
            var end = (int)reader.BytesConsumed;
            members.Add((Encoding.UTF8.GetCharCount(bytes, 0, start), Encoding.UTF8.GetCharCount(bytes, start, end - start)));
        }
        return members;
    }

    [Fact]
    public void AlteredLines_AreReadHereOnlyWhenTheFormerPathReadsTheSameEntry()
    {
        var random = new Random(1719);
        var inShape = 0;
        var alteredInShape = 0;
        var left = 0;
        for (var i = 0; i < 60_000; i++)
        {
            var entry = i % 3 == 0
                ? Realistic(i, Enumerable.Range(0, 32).Select(_ => (byte)random.Next(256)).ToArray())
                : Utf8EntryTests.RandomEntry(random, large: false) with { PreviousLeafHash = Enumerable.Range(0, 32).Select(_ => (byte)random.Next(256)).ToArray(), Controller = "prevy" };
            var line = Encoding.UTF8.GetBytes(Line(entry));
            var bytes = Mutate(line, random);
            if (random.Next(4) == 0)
            {
                bytes = Mutate(bytes, random); // now and then two alterations
            }
            var fast = Fast(bytes);
            if (fast is null)
            {
                left++;
                continue;
            }
            inShape++;
            var former = Former(bytes);
            Assert.True(former is not null, $"read here, not by the former path: {Encoding.Latin1.GetString(bytes)}");
            AssertSame(former, fast, Encoding.Latin1.GetString(bytes));
            alteredInShape += bytes.AsSpan().SequenceEqual(line) ? 0 : 1;
        }
        // Enough of both for the comparison to mean something: altered lines still in shape (a byte flipped inside a plain
        // value, a member alteration that the shape allows) are compared with the former reading too.
        Assert.True(left > 35_000, $"{left} lines left to the former path");
        Assert.True(alteredInShape > 1_500, $"{alteredInShape} altered lines read here");
        Assert.Equal(60_000, inShape + left);
    }
}
