using System.Data;
using System.Text;
using CpomExchange.Infrastructure;
using CpomExchange.Infrastructure.AccessLog;
using CpomExchange.Infrastructure.Keys;
using CpomExchange.Infrastructure.Storage;
using CpomExchange.Rules.AccessLog;
using Microsoft.EntityFrameworkCore;

namespace CpomExchange.Infrastructure.Tests.AccessLog;

/// <summary>
/// <c>AccessLogReader.VerifyAsync</c> on SQLite reads the log directly (<see cref="SqliteLogVerification"/>): for any log,
/// intact or rewritten in the database, its verdict (or error) must be the one the former path through EF Core gives.
/// </summary>
public sealed class SqliteLogVerificationTests(SqliteLogVerificationTests.Template template)
    : SqliteLogCopy(template, "cpom-verify-test-"), IClassFixture<SqliteLogVerificationTests.Template>
{
    /// <summary>
    /// The log of <see cref="Size"/> entries (and its key), written once for the class: each test works on a copy of its
    /// folder, since filling it costs about twenty seconds of processor time and every test rewrites its own copy.
    /// </summary>
    public sealed class Template : IAsyncLifetime
    {
        public string Root { get; } = Directory.CreateTempSubdirectory("cpom-verify-template-").FullName;

        public async Task InitializeAsync()
        {
            var home = new CpomHome(Root);
            var writer = new AccessLogWriter(new LocalKeyProvider(home.KeyDirectory), new AccessLogOptions { CheckpointEveryEntries = 100 }, TimeProvider.System);
            var random = new Random(2026_12_02);
            await using (var db = await CpomDatabase.OpenSqliteAsync(home))
            {
                for (var done = 0; done < Size; done += 500)
                {
                    await using var transaction = await CpomDatabase.BeginWriteAsync(db);
                    for (var i = 0; i < 500; i++)
                    {
                        // Another controller's entries between this one's, now and then.
                        string[] controllers = random.Next(10) == 0 ? [Controller, "carsat-lr"] : [Controller];
                        await writer.AppendAsync(db, controllers, Draft(random));
                    }
                    await transaction.CommitAsync();
                }
            }
            // Closes the pooled connections: the database's files are complete on disk before they are copied.
            CpomDatabase.ClearPools();
        }

        public Task DisposeAsync()
        {
            Directory.Delete(Root, recursive: true);
            return Task.CompletedTask;
        }

        /// <summary>Copies the log's folder (database and key) into <paramref name="root"/>, for one test to rewrite.</summary>
        public void CopyTo(string root)
        {
            foreach (var directory in Directory.EnumerateDirectories(Root, "*", SearchOption.AllDirectories))
            {
                Directory.CreateDirectory(Path.Join(root, Path.GetRelativePath(Root, directory)));
            }
            foreach (var file in Directory.EnumerateFiles(Root, "*", SearchOption.AllDirectories))
            {
                File.Copy(file, Path.Join(root, Path.GetRelativePath(Root, file)));
            }
        }
    }

    private static readonly string[] Pieces =
    [
        "a", "Z", "0", " ", "-", ":", "\"", "\\", "<", ">", "&", "'", "+", "`", "\t", "\n", "\u0001", "\u007F", "é", "«", "—", "\u2028", "\uFEFF",
        "\uFFFD", "中", "\U0001F600", "dépôt",
    ];

    private static string Text(Random random, int max)
    {
        var builder = new StringBuilder();
        for (var i = random.Next(max + 1); i > 0; i--)
        {
            builder.Append(Pieces[random.Next(Pieces.Length)]);
        }
        return builder.ToString();
    }

    private static AccessLogDraft Draft(Random random)
    {
        string? Maybe(int max) => random.Next(4) == 0 ? null : Text(random, max);
        var time = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero).AddMilliseconds(random.NextInt64(0, 300L * 24 * 3600 * 1000))
            .AddTicks(random.Next(10) == 0 ? 0 : random.Next(10_000)); // with or without a fraction of a millisecond to drop
        return new AccessLogDraft(time, Text(random, 6), Text(random, 12), Maybe(4), new string('c', 64), Text(random, 3), Maybe(4), Maybe(6),
            random.Next(3) == 0 ? null : random.NextInt64(-5, long.MaxValue), Maybe(4), Maybe(4), Maybe(10), random.Next(20) == 0 ? Text(random, 2_000) : Maybe(20),
            random.Next(2) == 0 ? AccessLogEntry.Allowed : AccessLogEntry.Denied, Maybe(3), Maybe(3), Maybe(5))
        {
            PolicyHash = random.Next(2) == 0 ? "sha256:" + Text(random, 4) : null,
        };
    }

    public static TheoryData<string, long?> Rewrites => new()
    {
        { "intact", null },
        { "field", 1_234 },
        { "leaf", 50 },
        { "delete", 300 },
        { "truncate", 2_400 },
        { "previous-hash", 700 },
        // Rows this reader leaves to EF Core: whatever EF Core makes of them is the verdict.
        { "time-iso", 1_500 },
        { "time-integer", 1_501 },
        { "rows-text", 100 },
        { "invalid-utf8", 200 },
        { "previous-hash-text", 900 },
        // A forged checkpoint signature is the verdict, before any entry, even one rewritten earlier in the log.
        { "signature", 999 },
        { "signature-after-field", 1_999 },
    };

    [Theory]
    [MemberData(nameof(Rewrites))]
    public async Task DirectReading_GivesTheVerdictOfTheFormerPath(string rewrite, long? firstBad)
    {
        var sql = rewrite switch
        {
            "intact" => null,
            "field" => "UPDATE access_log_entries SET \"AgentName\" = 'é' || \"AgentName\" WHERE \"Controller\" = 'prevy' AND \"Seq\" = 1234",
            "leaf" => "UPDATE access_log_leaves SET \"Hash\" = zeroblob(32) WHERE \"Controller\" = 'prevy' AND \"Seq\" = 50",
            "delete" => "DELETE FROM access_log_entries WHERE \"Controller\" = 'prevy' AND \"Seq\" = 300",
            "truncate" => "DELETE FROM access_log_entries WHERE \"Controller\" = 'prevy' AND \"Seq\" >= 2400",
            "previous-hash" => "UPDATE access_log_entries SET \"PreviousLeafHash\" = zeroblob(32) WHERE \"Controller\" = 'prevy' AND \"Seq\" = 700",
            "time-iso" => "UPDATE access_log_entries SET \"TimeUtc\" = '2026-01-01T00:00:00Z' WHERE \"Controller\" = 'prevy' AND \"Seq\" = 1500",
            "time-integer" => "UPDATE access_log_entries SET \"TimeUtc\" = 1234567 WHERE \"Controller\" = 'prevy' AND \"Seq\" = 1501",
            "rows-text" => "UPDATE access_log_entries SET \"Rows\" = 'douze' WHERE \"Controller\" = 'prevy' AND \"Seq\" = 100",
            "invalid-utf8" => "UPDATE access_log_entries SET \"AgentName\" = CAST(x'41ff42' AS TEXT) WHERE \"Controller\" = 'prevy' AND \"Seq\" = 200",
            "signature" => "UPDATE access_log_checkpoints SET \"Signature\" = zeroblob(64) WHERE \"Controller\" = 'prevy' AND \"TreeSize\" = 1000",
            "signature-after-field" => "UPDATE access_log_entries SET \"AgentName\" = 'é' || \"AgentName\" WHERE \"Controller\" = 'prevy' AND \"Seq\" = 50; "
                + "UPDATE access_log_checkpoints SET \"Signature\" = zeroblob(64) WHERE \"Controller\" = 'prevy' AND \"TreeSize\" = 2000",
            _ => "UPDATE access_log_entries SET \"PreviousLeafHash\" = 'abc' WHERE \"Controller\" = 'prevy' AND \"Seq\" = 900",
        };
        if (sql is not null)
        {
            await using var db = await CpomDatabase.OpenSqliteAsync(Home);
            await db.Database.ExecuteSqlRawAsync("DROP TRIGGER IF EXISTS access_log_entries_append_only; DROP TRIGGER IF EXISTS access_log_leaves_no_update; DROP TRIGGER IF EXISTS access_log_checkpoints_no_update;");
            Assert.True(await db.Database.ExecuteSqlRawAsync(sql) > 0, rewrite);
        }

        var (former, formerError) = await TryVerifyAsync(direct: false);
        var (direct, directError) = await TryVerifyAsync(direct: true);

        Assert.Equal(formerError?.GetType(), directError?.GetType());
        Assert.Equal(formerError?.Message, directError?.Message);
        Assert.Equal(former, direct);
        Assert.Equal(former?.VerifiedStart?.Size, direct?.VerifiedStart?.Size);
        if (directError is null)
        {
            Assert.Equal(firstBad is null, direct!.Valid);
            Assert.Equal(firstBad, direct.FirstBadSeq);
        }
    }

    // Seq 0 to 2,499 in 2 parts: [0, 1250) and [1250, ...); in 3: 833 and 1666 begin a part; in 7: 357, 714, ...
    public static TheoryData<string, int, long?> SplitRewrites => new()
    {
        { "intact", 2, null },
        { "intact", 7, null },
        { "UPDATE access_log_entries SET \"AgentName\" = 'é' || \"AgentName\" WHERE \"Controller\" = 'prevy' AND \"Seq\" = 2000", 2, 2_000 },
        { "DELETE FROM access_log_entries WHERE \"Controller\" = 'prevy' AND \"Seq\" = 1250", 2, 1_250 },
        { "DELETE FROM access_log_entries WHERE \"Controller\" = 'prevy' AND \"Seq\" = 1249", 2, 1_249 },
        { "UPDATE access_log_entries SET \"PreviousLeafHash\" = zeroblob(32) WHERE \"Controller\" = 'prevy' AND \"Seq\" = 1250", 2, 1_250 },
        { "UPDATE access_log_leaves SET \"Hash\" = zeroblob(32) WHERE \"Controller\" = 'prevy' AND \"Seq\" = 1666", 3, 1_666 },
        { "UPDATE access_log_entries SET \"Seq\" = 5000 WHERE \"Controller\" = 'prevy' AND \"Seq\" = 833", 3, 833 },
        { "DELETE FROM access_log_entries WHERE \"Controller\" = 'prevy' AND \"Seq\" = 357", 7, 357 },
        { "DELETE FROM access_log_entries WHERE \"Controller\" = 'prevy' AND \"Seq\" >= 2400", 3, 2_400 },
        // A row left to EF Core in the second part: the whole verification goes through EF Core.
        { "UPDATE access_log_entries SET \"TimeUtc\" = '2026-01-01T00:00:00Z' WHERE \"Controller\" = 'prevy' AND \"Seq\" = 2100", 2, 2_100 },
        // The signatures are checked while the parts read: a forged one is still the verdict, not the entry rewritten before it.
        { "UPDATE access_log_entries SET \"AgentName\" = 'é' || \"AgentName\" WHERE \"Controller\" = 'prevy' AND \"Seq\" = 1300; "
            + "UPDATE access_log_checkpoints SET \"Signature\" = zeroblob(64) WHERE \"Controller\" = 'prevy' AND \"TreeSize\" = 2000", 2, 1_999 },
    };

    [Theory]
    [MemberData(nameof(SplitRewrites))]
    public async Task ReadingInParts_FindsTheFirstBadEntry_AsTheFormerPath(string rewrite, int parts, long? firstBad)
    {
        if (rewrite != "intact")
        {
            await using var db = await CpomDatabase.OpenSqliteAsync(Home);
            await db.Database.ExecuteSqlRawAsync("DROP TRIGGER IF EXISTS access_log_entries_append_only; DROP TRIGGER IF EXISTS access_log_leaves_no_update; DROP TRIGGER IF EXISTS access_log_checkpoints_no_update;");
            Assert.True(await db.Database.ExecuteSqlRawAsync(rewrite) > 0, rewrite);
        }
        var split = new List<(int Parts, bool Snapshot)>();
        void Opened(string file, int count, bool snapshot)
        {
            if (file.StartsWith(Root, StringComparison.Ordinal))
            {
                split.Add((count, snapshot));
            }
        }
        SqliteSnapshotReaders.Opened += Opened;
        try
        {
            var (former, formerError) = await TryVerifyAsync(direct: false);
            var (direct, directError) = await TryVerifyAsync(direct: true, parts);

            Assert.Null(formerError);
            Assert.Null(directError);
            Assert.Equal(former, direct);
            Assert.Equal(former!.VerifiedStart?.Size, direct!.VerifiedStart?.Size);
            Assert.Equal(firstBad is null, direct.Valid);
            Assert.Equal(firstBad, direct.FirstBadSeq);
            Assert.Equal(parts, Assert.Single(split).Parts);
        }
        finally
        {
            SqliteSnapshotReaders.Opened -= Opened;
        }
    }

    [Fact]
    public async Task ReadingInParts_AfterAWrite_ReadsOneSnapshot()
    {
        var split = new List<bool>();
        void Opened(string file, int count, bool snapshot)
        {
            if (file.StartsWith(Root, StringComparison.Ordinal))
            {
                split.Add(snapshot);
            }
        }
        SqliteSnapshotReaders.Opened += Opened;
        try
        {
            // A writer appended and is still open: its WAL holds a transaction, of which a snapshot can be taken.
            var writer = new AccessLogWriter(Keys, new AccessLogOptions { CheckpointEveryEntries = 100 }, TimeProvider.System);
            await using var appender = await CpomDatabase.OpenSqliteAsync(Home);
            // Held open: EF Core would return it to the pool after the transaction, where clearing the pools closes it; the
            // database's last connection closed, SQLite checkpoints and deletes the WAL, and no snapshot of it can be taken.
            await appender.Database.OpenConnectionAsync();
            await using (var transaction = await CpomDatabase.BeginWriteAsync(appender))
            {
                await writer.AppendAsync(appender, [Controller], Draft(new Random(1)));
                await transaction.CommitAsync();
            }
            var (former, _) = await TryVerifyAsync(direct: false);
            // The pools cleared between the verification's opening (its migration's write) and its reading, as another test
            // class may do at any moment: only the writer's own connection keeps the WAL and its transaction.
            LogVerification direct;
            await using (var db = await CpomDatabase.OpenSqliteAsync(Home))
            {
                CpomDatabase.ClearPools();
                direct = await new AccessLogReader(db, Keys).VerifyAsync(Controller, direct: true, CancellationToken.None, parts: 2);
            }

            Assert.Equal(former, direct);
            Assert.True(direct!.Valid, direct.Summary);
            Assert.Equal(Size + 1, direct.EntriesChecked);
            Assert.Equal([true], split);
        }
        finally
        {
            SqliteSnapshotReaders.Opened -= Opened;
        }
    }

    [Fact]
    public async Task DirectReading_LeavesTheConnectionAsItFoundIt()
    {
        await using var db = await CpomDatabase.OpenSqliteAsync(Home);
        var connection = db.Database.GetDbConnection();
        await connection.CloseAsync();
        Assert.True((await new AccessLogReader(db, Keys).VerifyAsync(Controller)).Valid);
        Assert.Equal(ConnectionState.Closed, connection.State);

        // An open connection stays open, and the context is usable at once.
        await connection.OpenAsync();
        var result = await new AccessLogReader(db, Keys).VerifyAsync(Controller);
        Assert.Equal(ConnectionState.Open, connection.State);
        Assert.Equal(Size, result.EntriesChecked);
        Assert.Equal(Size, await db.AccessLogEntries.LongCountAsync(e => e.Controller == Controller));
    }
}
