using CpomExchange.Infrastructure.AccessLog;
using CpomExchange.Infrastructure.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace CpomExchange.Infrastructure.Tests.AccessLog;

/// <summary>
/// The direct verification reads each part's entries and stored leaves by two statements walked side by side, in stripes
/// taken in turn by the parts, through a bounded channel (<see cref="SqliteLogPart"/>): whatever is rewritten in either
/// table, at a stripe's first or last entry or inside it, the verdict must be the former path's through EF Core; and a
/// part must not read ahead of a slow reader beyond its channel's bound.
/// </summary>
public sealed class SqliteLogStripeTests(SqliteLogVerificationTests.Template template)
    : SqliteLogCopy(template, "cpom-stripe-test-"), IClassFixture<SqliteLogVerificationTests.Template>
{
    private const string Leaf = "UPDATE access_log_leaves SET \"Hash\" = zeroblob(32) WHERE \"Controller\" = 'prevy' AND \"Seq\" = ";
    private const string NoLeaf = "DELETE FROM access_log_leaves WHERE \"Controller\" = 'prevy' AND \"Seq\" = ";
    private const string NoEntry = "DELETE FROM access_log_entries WHERE \"Controller\" = 'prevy' AND \"Seq\" = ";

    // Seq 0 to 2,499 in stripes of 100 on 2 parts: [..., 100) on the first, [100, 200) on the second, [200, 300) on the
    // first, ...; in stripes of 7 on 3 parts: 7, 14, 21, ... begin a stripe, the last [2,499, ...) has one entry.
    public static TheoryData<string, int, long, long?> StripeRewrites => new()
    {
        { "intact", 2, 100, null },
        { "intact", 3, 7, null },
        { Leaf + "150", 2, 100, 150 },
        { Leaf + "100", 2, 100, 100 },
        { Leaf + "199", 2, 100, 199 },
        { Leaf + "2499", 3, 7, 2_499 },
        // A leaf missing: the entry is not read (as the former inner join did not read it), so it is missing.
        { NoLeaf + "200", 2, 100, 200 },
        { NoLeaf + "199", 2, 100, 199 },
        { NoLeaf + "1001", 3, 7, 1_001 },
        { NoLeaf + "0", 2, 100, 0 },
        { NoLeaf + "2499", 2, 100, 2_499 },
        // An entry missing, its leaf left: the leaf is skipped by the walk.
        { NoEntry + "1300", 2, 100, 1_300 },
        { NoEntry + "1299", 2, 100, 1_299 },
        { NoEntry + "700", 3, 7, 700 },
        { "UPDATE access_log_entries SET \"PreviousLeafHash\" = zeroblob(32) WHERE \"Controller\" = 'prevy' AND \"Seq\" = 300", 2, 100, 300 },
        { "UPDATE access_log_entries SET \"PreviousLeafHash\" = zeroblob(32) WHERE \"Controller\" = 'prevy' AND \"Seq\" = 301", 2, 100, 301 },
        { "UPDATE access_log_entries SET \"AgentName\" = 'é' || \"AgentName\" WHERE \"Controller\" = 'prevy' AND \"Seq\" = 1777", 3, 7, 1_777 },
        // A leaf's sequence number of another storage class: left to EF Core, whose verdict it is.
        { "UPDATE access_log_leaves SET \"Seq\" = 150.5 WHERE \"Controller\" = 'prevy' AND \"Seq\" = 150", 2, 100, 150 },
        { "UPDATE access_log_leaves SET \"Hash\" = 'abc' WHERE \"Controller\" = 'prevy' AND \"Seq\" = 1200", 2, 100, 1_200 },
        // A row left to EF Core in a later stripe: the whole verification goes through EF Core.
        { "UPDATE access_log_entries SET \"TimeUtc\" = '2026-01-01T00:00:00Z' WHERE \"Controller\" = 'prevy' AND \"Seq\" = 2100", 2, 100, 2_100 },
    };

    [Theory]
    [MemberData(nameof(StripeRewrites))]
    public async Task ReadingInStripes_FindsTheFirstBadEntry_AsTheFormerPath(string rewrite, int parts, long stripe, long? firstBad)
    {
        if (rewrite != "intact")
        {
            await using var db = await CpomDatabase.OpenSqliteAsync(Home);
            await db.Database.ExecuteSqlRawAsync("DROP TRIGGER IF EXISTS access_log_entries_append_only; DROP TRIGGER IF EXISTS access_log_leaves_no_update; "
                + "DROP TRIGGER IF EXISTS access_log_leaves_no_delete;");
            Assert.True(await db.Database.ExecuteSqlRawAsync(rewrite) > 0, rewrite);
        }
        var split = new List<int>();
        void Opened(string file, int count, bool snapshot)
        {
            if (file.StartsWith(Root, StringComparison.Ordinal))
            {
                split.Add(count);
            }
        }
        SqliteSnapshotReaders.Opened += Opened;
        try
        {
            var former = await VerifyAsync(direct: false);
            var direct = await VerifyAsync(direct: true, parts, stripe);

            Assert.Equal(former, direct);
            Assert.Equal(former.VerifiedStart?.Size, direct.VerifiedStart?.Size);
            Assert.Equal(firstBad is null, direct.Valid);
            Assert.Equal(firstBad, direct.FirstBadSeq);
            Assert.Equal(firstBad is null ? Size : (long?)null, direct.Valid ? direct.EntriesChecked : null);
            Assert.Equal(parts, Assert.Single(split));
        }
        finally
        {
            SqliteSnapshotReaders.Opened -= Opened;
        }
    }

    [Fact]
    public async Task APart_DoesNotReadAheadOfASlowReader_BeyondItsBound()
    {
        const int chunkSize = 10;
        const int bound = 4;
        await using var connection = new SqliteConnection($"Data Source={Home.DatabaseFile};Mode=ReadOnly");
        await connection.OpenAsync();
        var part = new SqliteLogPart(connection.Handle!, SqliteLogVerification.Columns, SqliteLogVerification.Leaves, Controller, null, [(null, null)],
            chunkSize, bound);
        using var stop = new CancellationTokenSource();
        var reading = Task.Factory.StartNew(() => part.Run(stop.Token), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        try
        {
            // Nothing is taken until the channel is full; then the part must be waiting, with its bound and one chunk in hand.
            while (part.Chunks.Count < bound)
            {
                await Task.Delay(10);
            }
            await Task.Delay(300);
            Assert.Equal(bound, part.Chunks.Count);
            Assert.Equal(bound + 1, part.ChunksMade);
            Assert.False(reading.IsCompleted);

            // Then every entry arrives, in order, each chunk recycled: the part never made more than that.
            var seen = 0;
            var ended = false;
            while (await part.Chunks.WaitToReadAsync())
            {
                var chunk = await part.Chunks.ReadAsync();
                Assert.False(ended);
                Assert.Null(chunk.Bad);
                Assert.False(chunk.Unreadable);
                seen += chunk.Count;
                ended = chunk.EndOfStripe;
                part.Recycle(chunk);
            }
            Assert.True(ended);
            Assert.Equal(Size, seen);
            Assert.InRange(part.ChunksMade, bound + 1, bound + 2); // the bound, the one the part fills, the one being read
        }
        finally
        {
            // The part's thread is done with the connection before it is closed (Run hands any error to the channel).
            await stop.CancelAsync();
            await reading;
        }
    }
}
