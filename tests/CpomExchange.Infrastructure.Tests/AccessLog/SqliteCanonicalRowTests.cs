using System.Globalization;
using System.Text;
using CpomExchange.Infrastructure.AccessLog;
using CpomExchange.Rules.AccessLog;
using Microsoft.Data.Sqlite;

namespace CpomExchange.Infrastructure.Tests.AccessLog;

/// <summary>
/// <see cref="SqliteCanonicalRow"/> writes a row's canonical bytes straight from SQLite's buffers: for every row of a real
/// SQLite table (random values of every ASCII character, non-ASCII of 2, 3 and 4 bytes, empty and long, nulls, every time
/// form; and rows rewritten into what the former reading refuses) it must write exactly what the former reading
/// (<see cref="SqliteLogVerification.Read"/> into a <see cref="Utf8Entry"/>, then its canonical bytes) gives, and give up
/// on exactly the rows that reading refuses. Its time writer must write what <see cref="SqliteLogVerification.TryParseTime"/>
/// then <see cref="CanonicalUtf8.Time"/> write, and refuse what it refuses.
/// </summary>
public sealed class SqliteCanonicalRowTests : IDisposable
{
    private const string Controller = "prevy";
    private readonly string _root = Directory.CreateTempSubdirectory("cpom-canonical-row-test-").FullName;

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_root, recursive: true);
    }

    // Every ASCII character, and non-ASCII of two, three and four bytes (the ends of each length included).
    private static readonly string[] Pieces =
    [
        .. Enumerable.Range(0, 128).Select(c => ((char)c).ToString()),
        "é", "\u0080", "\u07FF", "«", "\u0800", "—", "\u2028", "\uFEFF", "\uFFFD", "\uFFFF", "中", "\U00010000", "\U0001F600", "\U0010FFFF", "dépôt",
    ];

    private static string Text(Random random, int max)
    {
        var builder = new StringBuilder();
        var plain = random.Next(3) == 0; // a third of the values plain: printable ASCII without what is escaped
        for (var i = random.Next(max + 1); i > 0; i--)
        {
            builder.Append(plain ? (char)random.Next('a', 'z' + 1) : Pieces[random.Next(Pieces.Length)]);
        }
        return builder.ToString();
    }

    private static string Time(Random random)
    {
        var time = new DateTime(random.NextInt64(DateTime.MinValue.Ticks, DateTime.MaxValue.Ticks));
        var text = time.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
        var digits = random.Next(8);
        return digits == 0 ? text : text + "." + time.ToString("fffffff", CultureInfo.InvariantCulture)[..digits];
    }

    // Each turns a row into one the former reading refuses (or that it reads otherwise: then the writer must follow it).
    private static readonly string[] Refused =
    [
        "\"AgentName\" = CAST(x'41ff42' AS TEXT)", "\"Purpose\" = CAST(x'616263c3' AS TEXT)", "\"Object\" = CAST(x'c0af' AS TEXT)",
        "\"RequestId\" = CAST(x'6564eda080' AS TEXT)", "\"ReasonCode\" = CAST(x'f4908080' AS TEXT)", "\"Action\" = CAST(\"Action\" AS BLOB)",
        "\"Organisation\" = 42", "\"Counterpart\" = 1.5", "\"AgentId\" = NULL", "\"Outcome\" = NULL", "\"CertificateSha256\" = zeroblob(3)",
        "\"TimeUtc\" = '2026-02-31 10:00:00'", "\"TimeUtc\" = '2025-02-29 00:00:00'", "\"TimeUtc\" = '2026-01-01 10:00:00+01:00'",
        "\"TimeUtc\" = '2026-01-01T10:00:00'", "\"TimeUtc\" = '2026-01-01 10:00:00.12345678'", "\"TimeUtc\" = '2026-01-01 10:00:00.'",
        "\"TimeUtc\" = 1234567", "\"TimeUtc\" = NULL", "\"Rows\" = 'douze'", "\"Rows\" = 2.5", "\"PreviousLeafHash\" = 'abc'",
        "\"PreviousLeafHash\" = NULL", "\"PolicyHash\" = 7", "\"ClientAddress\" = x'00'",
    ];

    [Fact]
    public void EveryRow_IsWrittenAsTheFormerReadingWritesIt_OrLeftToIt()
    {
        const int good = 3_000;
        const int each = 8;
        var random = new Random(21_02);
        using var connection = new SqliteConnection($"Data Source={Path.Join(_root, "rows.db")}");
        connection.Open();
        using (var create = connection.CreateCommand())
        {
            // No declared types: every value keeps the storage class it is given.
            create.CommandText = "CREATE TABLE access_log_entries (\"Seq\", \"Controller\", \"TimeUtc\", \"AgentId\", \"AgentName\", \"Organisation\", "
                + "\"CertificateSha256\", \"Action\", \"ExchangeType\", \"DatasetId\", \"Rows\", \"Counterpart\", \"Purpose\", \"Object\", \"LegalBasis\", "
                + "\"Outcome\", \"ReasonCode\", \"ClientAddress\", \"RequestId\", \"PreviousLeafHash\", \"PolicyHash\")";
            create.ExecuteNonQuery();
        }
        var total = good + (each * Refused.Length);
        using (var transaction = connection.BeginTransaction())
        {
            for (var seq = 0; seq < total; seq++)
            {
                using var insert = connection.CreateCommand();
                insert.CommandText = "INSERT INTO access_log_entries VALUES (@seq, @controller, @time, @p3, @p4, @p5, @p6, @p7, @p8, @p9, @rows, "
                    + "@p11, @p12, @p13, @p14, @p15, @p16, @p17, @p18, @previous, @p20)";
                insert.Parameters.AddWithValue("@seq", (long)seq);
                insert.Parameters.AddWithValue("@controller", Controller);
                insert.Parameters.AddWithValue("@time", random.Next(50) == 0 ? (random.Next(2) == 0 ? "0001-01-01 00:00:00" : "9999-12-31 23:59:59.9999999") : Time(random));
                foreach (var ordinal in (int[])[3, 4, 5, 6, 7, 8, 9, 11, 12, 13, 14, 15, 16, 17, 18, 20])
                {
                    var nullable = SqliteLogVerification.Texts.Single(t => t.Ordinal == ordinal).Nullable;
                    object value = nullable && random.Next(4) == 0 ? DBNull.Value : Text(random, random.Next(40) == 0 ? 3_000 : 12);
                    insert.Parameters.AddWithValue($"@p{ordinal}", value);
                }
                insert.Parameters.AddWithValue("@rows", random.Next(3) == 0 ? DBNull.Value : random.NextInt64(long.MinValue, long.MaxValue));
                insert.Parameters.AddWithValue("@previous", random.GetItems<byte>([.. Enumerable.Range(0, 256).Select(b => (byte)b)], 32));
                insert.ExecuteNonQuery();
            }
            for (var k = 0; k < each * Refused.Length; k++)
            {
                using var rewrite = connection.CreateCommand();
                rewrite.CommandText = $"UPDATE access_log_entries SET {Refused[k % Refused.Length]} WHERE \"Seq\" = {good + k}";
                Assert.Equal(1, rewrite.ExecuteNonQuery());
            }
            transaction.Commit();
        }

        SqliteLogVerification.Check(connection.Handle!, SQLitePCL.raw.sqlite3_prepare_v2(connection.Handle!, SqliteLogVerification.Columns + " ORDER BY \"Seq\"", out var statement));
        var handle = statement.DangerousGetHandle();
        SqliteLogVerification.Check(connection.Handle!, SQLitePCL.raw.sqlite3_bind_text(statement, 1, Controller));
        var buffer = new byte[16];
        var previousBuffer = new byte[32];
        var entry = new Utf8Entry();
        var (written, refused, rows) = (0, 0, 0);
        using (statement)
        {
            while (SQLitePCL.raw.sqlite3_step(statement) == SQLitePCL.raw.SQLITE_ROW)
            {
                var seq = SqliteColumns.Int64(statement, handle, 0);
                var length = SqliteCanonicalRow.TryWrite(statement, handle, seq, Encoding.UTF8.GetBytes(Controller), ref buffer, out var previous);
                var previousCopy = previous.ToArray();
                Assert.Equal(-1, SqliteCanonicalRow.TryWrite(statement, handle, seq, "prevz"u8, ref buffer, out _));
                var fused = length < 0 ? null : buffer[..length];
                if (length >= 0)
                {
                    Assert.Equal(length, SqliteCanonicalRow.TryWrite(statement, handle, seq, Encoding.UTF8.GetBytes(Controller), ref buffer, out _));
                }
                var read = SqliteLogVerification.Read(statement, seq, entry, ref previousBuffer);
                Assert.True(read == fused is not null, $"seq {seq}: read {read}, written {fused is not null}");
                if (read)
                {
                    Assert.Equal(0, fused![0]);
                    Assert.True(entry.CanonicalBytes().AsSpan().SequenceEqual(fused.AsSpan(1)),
                        $"seq {seq}:\n{Encoding.UTF8.GetString(entry.CanonicalBytes())}\n{Encoding.UTF8.GetString(fused, 1, fused.Length - 1)}");
                    Assert.Equal(entry.PreviousLeafHash, previousCopy);
                    written++;
                }
                else
                {
                    Assert.True(seq >= good, $"seq {seq} refused");
                    refused++;
                }
                rows++;
            }
        }
        Assert.Equal(total, rows);
        Assert.Equal(good, written);
        Assert.Equal(each * Refused.Length, refused);
    }

    [Fact]
    public void TheTime_IsWrittenAsTryParseTimeThenTimeWriteIt_OrRefused()
    {
        var random = new Random(1602);
        var texts = new List<string>();
        for (var i = 0; i < 50_000; i++)
        {
            texts.Add(Time(random));
        }
        texts.AddRange([
            "2026-02-29 00:00:00", "2024-02-29 23:59:59.9999999", "2026-02-30 12:00:00", "2026-04-31 12:00:00", "2026-13-01 00:00:00",
            "2026-00-10 00:00:00", "2026-01-01 24:00:00", "2026-01-01 23:60:00", "2026-01-01 23:59:60", "0000-01-01 00:00:00",
            "0001-01-01 00:00:00", "9999-12-31 23:59:59.9999999", "1900-02-29 00:00:00", "2026-01-01 10:00:00.1", "2026-01-01 10:00:00.12",
            "2026-01-01 10:00:00.123", "2026-01-01 10:00:00.1239", "2026-01-01 10:00:00+01:00", "2026-01-01T10:00:00", "2026-01-01 10:00:00.",
            "2026-01-01 10:00:00.12345678", "2026-01-01 10:00:00Z", "2026-01-01 10:00", "2026-1-01 10:00:00", "2026-01-01 10:00:0a",
            "+026-01-01 10:00:00", "2026-01-01 10:00:00.1a", "", "2026-01-01 10:00:00 ",
        ]);
        var fixedForms = texts.Count;
        // Random bytes in the time's shape: mostly refused, each as TryParseTime refuses it.
        for (var i = 0; i < 20_000; i++)
        {
            var chars = Time(random).ToCharArray();
            chars[random.Next(chars.Length)] = "0123456789 -:.T+Z/"[random.Next(18)];
            texts.Add(new string(chars));
        }
        var accepted = 0;
        foreach (var (text, index) in texts.Select((t, i) => (t, i)))
        {
            var to = new byte[64];
            var end = SqliteCanonicalRow.TryTime(to, 3, Encoding.ASCII.GetBytes(text));
            if (SqliteLogVerification.TryParseTime(Encoding.ASCII.GetBytes(text)) is { } time)
            {
                var expected = new byte[64];
                var expectedEnd = CanonicalUtf8.Time(expected, 3, time);
                Assert.True(end == expectedEnd && expected.AsSpan(0, end).SequenceEqual(to.AsSpan(0, end)),
                    $"{text}: {Encoding.ASCII.GetString(expected, 3, expectedEnd - 3)} / {(end < 0 ? "refused" : Encoding.ASCII.GetString(to, 3, end - 3))}");
                accepted += index < fixedForms ? 1 : 0;
            }
            else
            {
                Assert.True(end == -1, $"{text}: written as {(end < 0 ? "" : Encoding.ASCII.GetString(to, 3, end - 3))}");
            }
        }
        // The random times, and of the forms above: 2024-02-29, the two ends, and the four fractions.
        Assert.Equal(50_000 + 7, accepted);
    }
}
