using CpomExchange.Infrastructure;
using CpomExchange.Infrastructure.AccessLog;
using CpomExchange.Infrastructure.Keys;
using CpomExchange.Infrastructure.Storage;
using CpomExchange.Rules.AccessLog;
using Microsoft.EntityFrameworkCore;

namespace CpomExchange.Gateway.Tests;

/// <summary>The log's own retention: old entries go, the log stays verifiable from the oldest kept checkpoint.</summary>
public sealed class AccessLogRetentionTests : IAsyncLifetime
{
    private readonly string _dir = Directory.CreateTempSubdirectory("cpom-retention-").FullName;
    private CpomDbContext _db = null!;
    private LocalKeyProvider _keys = null!;

    public async Task InitializeAsync()
    {
        var home = new CpomHome(_dir);
        // SQLite in the folder, or a database of its own on the run's PostgreSQL server.
        _db = await CpomDatabase.OpenAsync(await CpomExchange.Tests.Shared.GatewayFixture.NewStorageAsync(), home);
        _keys = new LocalKeyProvider(home.KeyDirectory);
    }

    public async Task DisposeAsync()
    {
        await _db.DisposeAsync();
        CpomDatabase.ClearPools();
        Directory.Delete(_dir, recursive: true);
    }

    private sealed class ManualTime(DateTimeOffset start) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = start;

        public override DateTimeOffset GetUtcNow() => Now;
    }

    [Fact]
    public async Task Purge_DeletesOldEntriesUpToACheckpoint_AndTheLogStillVerifies()
    {
        var time = new ManualTime(new DateTimeOffset(2026, 1, 1, 8, 0, 0, TimeSpan.Zero));
        var options = new AccessLogOptions { CheckpointEveryEntries = 5, RetentionDays = 30 };
        var writer = new AccessLogWriter(_keys, options, time);
        async Task AppendAsync(int count)
        {
            for (var i = 0; i < count; i++)
            {
                await using var tx = await CpomDatabase.BeginWriteAsync(_db);
                await writer.AppendAsync(_db, ["prevy"], new AccessLogDraft(time.GetUtcNow(), "prevy-agent", "Agent PREVY", "prevy", new string('A', 64),
                    LogActions.List, null, null, 0, null, null, null, null, AccessLogEntry.Allowed, null, "127.0.0.1", $"req-{i}"));
                await tx.CommitAsync();
                time.Now = time.Now.AddHours(1);
            }
        }
        await AppendAsync(12);                  // January: entries 0..11, checkpoints at 5 and 10
        time.Now = time.Now.AddDays(60);
        await AppendAsync(8);                   // March: entries 12..19, checkpoints at 15 and 20
        var maintenance = new AccessLogMaintenance(writer, options, time);
        var deleted = await maintenance.PurgeAsync(_db, ["prevy"]);

        // Entries older than 30 days go up to the last checkpoint they end at (10): 10, 11 stay.
        Assert.Equal(10, deleted);
        Assert.Equal(10, await _db.AccessLogEntries.Where(e => e.Controller == "prevy").MinAsync(e => e.Seq));
        var purge = await _db.AccessLogEntries.Where(e => e.Controller == "prevy").OrderBy(e => e.Seq).LastAsync();
        Assert.Equal((LogActions.Purge, 10L), (purge.Action, purge.Rows!.Value));

        _db.ChangeTracker.Clear();
        var verification = await new AccessLogReader(_db, _keys).VerifyAsync("prevy");
        Assert.True(verification.Valid, verification.Problem);
        Assert.Equal(11, verification.EntriesChecked);

        // Tampering with what is kept is still detected.
        await _db.Database.ExecuteSqlRawAsync(_db.Database.IsNpgsql()
            ? "ALTER TABLE access_log_entries DISABLE TRIGGER USER; UPDATE access_log_entries SET \"AgentId\" = 'x' WHERE \"Seq\" = 12;"
            : "DROP TRIGGER access_log_entries_append_only; UPDATE access_log_entries SET AgentId = 'x' WHERE Seq = 12;");
        _db.ChangeTracker.Clear();
        var broken = await new AccessLogReader(_db, _keys).VerifyAsync("prevy");
        Assert.False(broken.Valid);
        Assert.Equal(12, broken.FirstBadSeq);
    }

    [Fact]
    public async Task AppendOnly_TheDatabaseRefusesUpdatesOfEntriesLeavesAndCheckpoints()
    {
        var writer = new AccessLogWriter(_keys, new AccessLogOptions { CheckpointEveryEntries = 1 }, TimeProvider.System);
        await using (var tx = await CpomDatabase.BeginWriteAsync(_db))
        {
            await writer.AppendAsync(_db, ["satm"], new AccessLogDraft(DateTimeOffset.UtcNow, "a", "A", "satm", "F", LogActions.List, null, null, null, null, null, null, null,
                AccessLogEntry.Allowed, null, null, null));
            await tx.CommitAsync();
        }
        foreach (var sql in new[]
        {
            "UPDATE access_log_entries SET \"AgentId\" = 'x'",
            "UPDATE access_log_leaves SET \"Seq\" = 5",
            "DELETE FROM access_log_leaves",
            "UPDATE access_log_checkpoints SET \"TreeSize\" = 9",
            "DELETE FROM access_log_checkpoints",
            // TRUNCATE exists on PostgreSQL only (and skips row triggers): refused by its own trigger.
            _db.Database.IsNpgsql() ? "TRUNCATE access_log_leaves" : "DELETE FROM access_log_leaves WHERE 1 = 1",
        })
        {
            var e = await Assert.ThrowsAnyAsync<System.Data.Common.DbException>(() => _db.Database.ExecuteSqlRawAsync(sql));
            Assert.Contains("append-only", e.Message, StringComparison.Ordinal);
        }
    }
}
