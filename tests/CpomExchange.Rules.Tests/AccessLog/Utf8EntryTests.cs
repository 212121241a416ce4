using System.Text;
using CpomExchange.Rules.AccessLog;

namespace CpomExchange.Rules.Tests.AccessLog;

/// <summary>
/// <see cref="Utf8Entry"/> computes a leaf from UTF-8 fields, without strings: it must give exactly the bytes and the
/// hash <see cref="AccessLogEntry"/> gives (the former implementation, whose vectors <see cref="AccessLogEntryTests"/>
/// pins), for any entry: escapes, non-ASCII, control characters, nulls, both format versions, large entries.
/// </summary>
public sealed class Utf8EntryTests
{
    /// <summary>The entry's fields as UTF-8, as a reader of the database or of an export fills them.</summary>
    internal static Utf8Entry From(AccessLogEntry e, Utf8Entry? into = null)
    {
        var u = into ?? new Utf8Entry();
        u.Clear();
        u.Seq = e.Seq;
        u.TimeUtc = e.Time.UtcDateTime;
        u.Rows = e.Rows;
        u.PreviousLeafHash = e.PreviousLeafHash;
        void Set(Utf8Entry.Field field, string? value)
        {
            if (value is not null)
            {
                Assert.True(u.TrySet(field, Encoding.UTF8.GetBytes(value)));
            }
        }
        Set(Utf8Entry.Field.Controller, e.Controller);
        Set(Utf8Entry.Field.Agent, e.AgentId);
        Set(Utf8Entry.Field.AgentName, e.AgentName);
        Set(Utf8Entry.Field.Organisation, e.Organisation);
        Set(Utf8Entry.Field.Certificate, e.CertificateSha256);
        Set(Utf8Entry.Field.Action, e.Action);
        Set(Utf8Entry.Field.Exchange, e.ExchangeType);
        Set(Utf8Entry.Field.Dataset, e.DatasetId);
        Set(Utf8Entry.Field.Counterpart, e.Counterpart);
        Set(Utf8Entry.Field.Purpose, e.Purpose);
        Set(Utf8Entry.Field.Object, e.Object);
        Set(Utf8Entry.Field.LegalBasis, e.LegalBasis);
        Set(Utf8Entry.Field.Outcome, e.Outcome);
        Set(Utf8Entry.Field.Reason, e.ReasonCode);
        Set(Utf8Entry.Field.ClientAddress, e.ClientAddress);
        Set(Utf8Entry.Field.RequestId, e.RequestId);
        Set(Utf8Entry.Field.Policy, e.PolicyHash);
        return u;
    }

    [Fact]
    public void TheVectors_GiveTheSameBytesAndLeaves()
    {
        foreach (var entry in new[] { AccessLogEntryTests.Full, AccessLogEntryTests.Nulls, AccessLogEntryTests.Large })
        {
            var u = From(entry);
            Assert.Equal(entry.CanonicalBytes(), u.CanonicalBytes());
            Assert.Equal(entry.LeafHash(), u.LeafHash());
            Assert.Equal(entry, u.ToEntry() with { PreviousLeafHash = entry.PreviousLeafHash });
        }
    }

    [Fact]
    public void RandomEntries_GiveExactlyTheBytesAndLeavesOfAccessLogEntry()
    {
        var random = new Random(20261202);
        var reused = new Utf8Entry();
        var compared = 0;
        var large = 0;
        var version2 = 0;
        for (var i = 0; i < 20_000; i++)
        {
            var entry = RandomEntry(random, large: i % 500 == 0);
            // A fresh entry and one reused after any other (its buffer grown, its fields cleared).
            var u = i % 2 == 0 ? From(entry) : From(entry, reused);
            var expected = entry.CanonicalBytes();
            Assert.True(expected.AsSpan().SequenceEqual(u.CanonicalBytes()), $"entry {i}: {Encoding.UTF8.GetString(expected.AsSpan(0, Math.Min(300, expected.Length)))}");
            Assert.Equal(entry.LeafHash(), u.LeafHash());
            Assert.Equal(entry.FormatVersion, u.FormatVersion);
            compared++;
            large += expected.Length > 64 * 1024 ? 1 : 0;
            version2 += entry.FormatVersion == 2 ? 1 : 0;
        }
        Assert.Equal(20_000, compared);
        Assert.Equal(40, large);
        Assert.InRange(version2, 5_000, 15_000);
    }

    [Fact]
    public void EveryCharacterOfTheBasicPlane_AndSurrogatePairs_AreEscapedAlike()
    {
        // Each scalar value of the BMP (surrogates apart) and a sample beyond it, 256 to a field.
        var scalars = Enumerable.Range(0, 0x10000).Where(c => c is < 0xD800 or > 0xDFFF)
            .Concat(Enumerable.Range(0x10000, 0x1000)).Concat([0x1F600, 0x10FFFF]).ToArray();
        for (var at = 0; at < scalars.Length; at += 256)
        {
            var text = string.Concat(scalars.Skip(at).Take(256).Select(char.ConvertFromUtf32));
            var entry = AccessLogEntryTests.Nulls with { AgentName = text, Object = text, PolicyHash = at % 512 == 0 ? null : text };
            Assert.Equal(entry.CanonicalBytes(), From(entry).CanonicalBytes());
        }
    }

    [Fact]
    public void TimesOfAnyTick_AreWrittenAsTheFormerWriterTruncatesThem()
    {
        // The database keeps up to seven digits of fraction: the canonical time keeps the milliseconds, truncated.
        var random = new Random(18);
        var times = Enumerable.Range(0, 5_000).Select(_ => new DateTime(random.NextInt64(DateTime.MinValue.Ticks, DateTime.MaxValue.Ticks), DateTimeKind.Utc))
            .Concat([DateTime.MinValue, DateTime.MaxValue, new DateTime(2026, 12, 31, 23, 59, 59, DateTimeKind.Utc).AddTicks(9_999_999)]).ToArray();
        foreach (var time in times)
        {
            var entry = AccessLogEntryTests.Full with { Time = new DateTimeOffset(time) };
            var u = From(entry);
            u.TimeUtc = time;
            Assert.Equal(Encoding.UTF8.GetString(entry.CanonicalBytes()), Encoding.UTF8.GetString(u.CanonicalBytes()));
        }
    }

    [Fact]
    public void InvalidUtf8_IsRefused_AndNothingIsSet()
    {
        var u = new Utf8Entry();
        Assert.False(u.TrySet(Utf8Entry.Field.AgentName, [0x41, 0xFF, 0x42]));
        Assert.False(u.TrySet(Utf8Entry.Field.AgentName, [0xED, 0xA0, 0x80])); // an encoded surrogate
        Assert.True(u.IsNull(Utf8Entry.Field.AgentName));
    }

    [Fact]
    public void Leaves_AreTheSameFromEveryThread()
    {
        var entries = Enumerable.Range(0, 2_000).Select(i => RandomEntry(new Random(i), large: i % 400 == 0)).ToArray();
        var leaves = new byte[entries.Length][];
        Parallel.For(0, entries.Length, i => leaves[i] = From(entries[i]).LeafHash());
        for (var i = 0; i < entries.Length; i++)
        {
            Assert.Equal(entries[i].LeafHash(), leaves[i]);
        }
    }

    private static readonly string[] Pieces =
    [
        "a", "Z", "0", " ", "-", "_", ":", ".", "/", "\"", "\\", "<", ">", "&", "'", "+", "`", "=", "\t", "\n", "\r", "\0", "\u0001", "\u001F",
        "\u007F", "\u0080", "\u00A0", "é", "«", "»", "°", "—", "\u2028", "\u2029", "\uFEFF", "\uFFFD", "\uFFFF", "中", "\U0001F600", "\U0010FFFF",
        "agent", "dépôt", "RGPD art. 6(1)(e)",
    ];

    internal static string RandomText(Random random, int maxPieces)
    {
        var builder = new StringBuilder();
        var count = random.Next(maxPieces + 1);
        for (var i = 0; i < count; i++)
        {
            builder.Append(Pieces[random.Next(Pieces.Length)]);
        }
        return builder.ToString();
    }

    internal static AccessLogEntry RandomEntry(Random random, bool large)
    {
        string? Maybe(int maxPieces) => random.Next(5) == 0 ? null : RandomText(random, maxPieces);
        string Text(int maxPieces) => random.Next(50) == 0 ? null! : RandomText(random, maxPieces); // now and then null where none is expected
        var prev = new byte[random.Next(10) == 0 ? random.Next(0, 40) : 32];
        random.NextBytes(prev);
        var time = new DateTimeOffset(2020, 1, 1, 0, 0, 0, TimeSpan.Zero).AddMilliseconds(random.NextInt64(0, 400L * 365 * 24 * 3600 * 1000));
        long? rows = random.Next(4) switch { 0 => null, 1 => random.NextInt64(long.MinValue, long.MaxValue), _ => random.Next(1_000_000) };
        return new AccessLogEntry(random.NextInt64(0, long.MaxValue), Text(6), time, Text(8), Text(20), Maybe(6), Text(4), Text(3), Maybe(4),
            Maybe(6), rows, Maybe(4), Maybe(4), large ? string.Concat(Enumerable.Repeat("é" + RandomText(random, 30), 12_000)) : Maybe(30), Maybe(60),
            Text(3), Maybe(3), Maybe(4), Maybe(6), prev, random.Next(2) == 0 ? null : RandomText(random, 10));
    }
}
