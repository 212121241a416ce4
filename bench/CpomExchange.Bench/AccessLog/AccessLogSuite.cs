using System.Data.Common;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using System.Threading.Channels;
using CpomExchange.Infrastructure;
using CpomExchange.Infrastructure.AccessLog;
using CpomExchange.Infrastructure.Keys;
using CpomExchange.Infrastructure.Storage;
using CpomExchange.Rules.AccessLog;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace CpomExchange.Bench.AccessLog;

/// <summary>
/// The access log on SQLite: appends per second as the gateway makes them, the time to verify a
/// large log (from the database, in memory, and from an export as <c>cpom audit verify</c> does),
/// and the size and cost of proofs.
/// </summary>
internal sealed class AccessLogSuite(BenchOptions options, Report report)
{
    private const string Controller = "prevy";
    private const string Recipient = "carsat-lr";
    private const string WarmUpController = "pst38";
    private const int Writers = 4;
    private const int WarmUpAppends = 200;
    private const int FillBatch = 5_000;
    // AppendAsync saves after every append, and EF Core's SaveChanges scans every tracked entity:
    // clearing only between batches of 5,000 makes a batch quadratic. Clearing this often keeps it
    // linear; the head is then read back in the same transaction, as the gateway does.
    private const int FillClearEvery = 100;

    /// <summary>Entries between two signed checkpoints in the logs measured here, as the gateway's default.</summary>
    internal const int CheckpointEveryEntries = 1000;

    /// <summary>Appends per second (issue #9, B5).</summary>
    internal const double AppendTarget = 5_000;

    /// <summary>A log of 1,000,000 entries verified in 5 s (issue #9, B5).</summary>
    internal const double VerifyTargetPerSecond = 1_000_000 / 5.0;

    private static readonly string[] OneController = [Controller];
    private static readonly string[] TwoControllers = [Controller, Recipient];
    private static readonly int[] ProofSizes = [1_000, 10_000, 100_000, 1_000_000];

    public async Task RunAsync(string root, CancellationToken cancellationToken)
    {
        report.BeginSuite(BenchOptions.AccessLogSuite, string.Create(CultureInfo.InvariantCulture,
            $"N={options.Entries:N0} appends per scenario, M={options.VerifyEntries:N0} entries verified"));
        await AppendsAsync(new CpomHome(Path.Combine(root, "append")), cancellationToken);
        await VerifyAndProveAsync(new CpomHome(Path.Combine(root, "verify")), cancellationToken);
        report.EndSuite();
    }

    /// <summary>
    /// B5 of the transfer suite (issue #9), with this suite's code, for the caller to report: the
    /// appends per second of one writer with one controller, one transaction each (the gateway's
    /// path for one operation), and the time <c>AccessLogReader.VerifyAsync</c> takes on a log of
    /// M entries; then (issue 17) that log exported as the audit API streams it, for the caller to
    /// verify with <c>cpom audit verify FILE</c>, and its verifications from the last verified
    /// checkpoint after it grows by each of <see cref="IncrementalSizes"/> in turn. Prints progress only.
    /// </summary>
    public async Task<LogFigures> MeasureB5Async(string root, CancellationToken cancellationToken)
    {
        var appends = await OneWriterAsync(await LogBench.OpenAsync(new CpomHome(Path.Combine(root, "append")), cancellationToken), cancellationToken);
        var grouped = await GroupCommitAsync(await LogBench.OpenAsync(new CpomHome(Path.Combine(root, "group")), cancellationToken), GroupWriters, cancellationToken);
        var verifyLog = await LogBench.OpenAsync(new CpomHome(Path.Combine(root, "verify")), cancellationToken);
        var verify = await FillAndVerifyAsync(verifyLog, cancellationToken);
        // The M-entry log exported as the gateway's audit API streams it, for `cpom audit verify FILE` (issue 17), before it grows.
        var exportPath = Path.Combine(root, "export.jsonl");
        report.Progress($"verify: exporting the {options.VerifyEntries:N0}-entry log as the audit API does (JSON Lines)");
        await using (var db = new SqliteCpomDbContext(verifyLog.DbOptions))
        await using (var writer = new StreamWriter(exportPath, append: false, new UTF8Encoding(false), 64 * 1024) { NewLine = "\n" })
        {
            await new AccessLogReader(db, verifyLog.Keys).WriteExportAsync(Controller, DateTimeOffset.UtcNow, writer, cancellationToken);
        }
        var incremental = await IncrementalAsync(verifyLog, verify.Result, cancellationToken);
        return new LogFigures(options.Entries, appends.PerSecond, appends.Percentile(0.50), appends.Percentile(0.99),
            GroupWriters, grouped.PerSecond, grouped.Percentile(0.50), grouped.Percentile(0.99),
            options.VerifyEntries, verify.Seconds, verify.Result, verify.FirstSeconds, exportPath, incremental);
    }

    /// <summary>How many entries each incremental verification of B5 follows, for a log of <paramref name="entries"/>: a thousandth, a hundredth, a tenth of it.</summary>
    internal static int[] IncrementalSizes(int entries) => [Math.Max(1, entries / 1_000), Math.Max(1, entries / 100), Math.Max(1, entries / 10)];

    // The log that B5 verified in full grows by each of IncrementalSizes in turn, and after each growth is verified from the
    // last checkpoint verified before it (AccessLogReader.VerifySinceLastAsync, as the gateway's `?incremental=true` does): the
    // time should follow the new entries, not the log's size.
    private async Task<IReadOnlyList<IncrementalRun>> IncrementalAsync(LogBench log, LogVerification full, CancellationToken cancellationToken)
    {
        var verified = new VerifiedCheckpoints();
        if (full.VerifiedStart is not { } start)
        {
            report.Note("B5: the full verification left no verified state: no incremental verification measured.");
            return [];
        }
        verified.Remember(Controller, start);
        // Warm-up on the small log: the incremental path's code compiled outside the measured runs.
        await using (var db = new SqliteCpomDbContext(log.DbOptions))
        {
            await new AccessLogReader(db, log.Keys).VerifySinceLastAsync(WarmUpController, verified, cancellationToken);
        }
        await FillAsync(log.DbOptions, log.Writer, log.Drafts, WarmUpController, CheckpointEveryEntries, cancellationToken);
        await using (var db = new SqliteCpomDbContext(log.DbOptions))
        {
            await new AccessLogReader(db, log.Keys).VerifySinceLastAsync(WarmUpController, verified, cancellationToken);
        }
        var runs = new List<IncrementalRun>();
        foreach (var added in IncrementalSizes(options.VerifyEntries))
        {
            report.Progress($"verify: {added:N0} entries appended, then verified from the last verified checkpoint");
            await FillAsync(log.DbOptions, log.Writer, log.Drafts, Controller, added, cancellationToken);
            var from = verified.Get(Controller)!.Size;
            var probe = Probe.Start();
            LogVerification result;
            await using (var db = new SqliteCpomDbContext(log.DbOptions))
            {
                result = await new AccessLogReader(db, log.Keys).VerifySinceLastAsync(Controller, verified, cancellationToken);
            }
            runs.Add(new IncrementalRun(added, from, probe.Seconds, result));
        }
        return runs;
    }

    // a. Appends, one per transaction, each in a fresh DbContext as the gateway's request scope has.
    private async Task AppendsAsync(CpomHome home, CancellationToken cancellationToken)
    {
        var log = await LogBench.OpenAsync(home, cancellationToken);
        var (_, dbOptions, keys, writer, drafts) = log;
        var n = options.Entries;

        var one = await OneWriterAsync(log, cancellationToken);
        report.AddAtLeast("append.1-controller.rate", "append, 1 controller, 1 writer", one.PerSecond, "appends/s", AppendTarget);
        report.Add("append.1-controller.p50", "  latency p50", one.Percentile(0.50), "ms");
        report.Add("append.1-controller.p99", "  latency p99", one.Percentile(0.99), "ms");
        report.Add("append.1-controller.begin", "  of which BEGIN IMMEDIATE (mean)", one.MeanMs(one.BeginTicks), "ms");
        report.Add("append.1-controller.append", "  of which AppendAsync: head, SaveChanges (mean)", one.MeanMs(one.AppendTicks), "ms");
        report.Add("append.1-controller.commit", "  of which COMMIT, WAL fsync (mean)", one.MeanMs(one.CommitTicks), "ms");
        report.Add("append.1-controller.context", "  of which DbContext dispose (mean)", one.MeanMs(one.ContextTicks), "ms");
        report.Add("append.1-controller.cpu", "  processor time per append (whole process)", one.CpuMsPerAppend, "ms");
        report.Add("append.1-controller.allocated", "  allocated per append", one.AllocatedBytes / 1024.0 / n, "KiB");

        report.Progress($"append: {n:N0} appends, 2 controllers (sender and recipient), 1 writer");
        var two = await SequentialAsync(dbOptions, writer, drafts, TwoControllers, n, cancellationToken);
        report.AddAtLeast("append.2-controllers.rate", "append, 2 controllers (2 entries each), 1 writer", two.PerSecond, "appends/s", AppendTarget);
        report.Add("append.2-controllers.entries", "  entries written", two.PerSecond * 2, "entries/s");
        report.Add("append.2-controllers.p99", "  latency p99", two.Percentile(0.99), "ms");
        report.Add("append.2-controllers.cpu", "  processor time per append", two.CpuMsPerAppend, "ms");

        report.Progress($"append: {n:N0} appends, 1 controller, {Writers} concurrent writers");
        var concurrent = await ConcurrentAsync(dbOptions, writer, drafts, OneController, n, Writers, gate: null, cancellationToken);
        report.AddAtLeast("append.4-writers.rate", $"append, 1 controller, {Writers} writers (total)", concurrent.PerSecond, "appends/s", AppendTarget);
        report.Add("append.4-writers.p50", "  latency p50 (waiting for the write lock included)", concurrent.Percentile(0.50), "ms");
        report.Add("append.4-writers.p99", "  latency p99", concurrent.Percentile(0.99), "ms");
        report.Add("append.4-writers.max", "  latency max", concurrent.Percentile(1.0), "ms");

        // What-ifs, to weigh the fixes proposed in BENCHMARKS.md; neither is the gateway's configuration.
        report.Progress($"append: what-if, {n:N0} appends with PRAGMA synchronous=NORMAL");
        var normalOptions = new DbContextOptionsBuilder<SqliteCpomDbContext>()
            // A connection string of its own, hence a pool of its own: the pragma stays on these connections.
            .UseSqlite(CpomDbContext.SqliteConnectionString(home) + ";Cache=Private")
            .AddInterceptors(new SynchronousNormalInterceptor())
            .Options;
        var normal = await SequentialAsync(normalOptions, writer, drafts, OneController, n, cancellationToken);
        report.Add("whatif.synchronous-normal.rate", "what-if: append, 1 writer, synchronous=NORMAL (no fsync per commit)", normal.PerSecond, "appends/s");
        report.Add("whatif.synchronous-normal.commit", "  of which COMMIT (mean)", normal.MeanMs(normal.CommitTicks), "ms");

        report.Progress($"append: what-if, {n:N0} appends, {Writers} writers queued on an in-process async lock");
        using var gate = new SemaphoreSlim(1, 1);
        var queued = await ConcurrentAsync(dbOptions, writer, drafts, OneController, n, Writers, gate, cancellationToken);
        report.Add("whatif.async-lock.rate", $"what-if: append, {Writers} writers queued on a SemaphoreSlim before BEGIN", queued.PerSecond, "appends/s");
        report.Add("whatif.async-lock.p99", "  latency p99", queued.Percentile(0.99), "ms");
        report.Add("whatif.async-lock.max", "  latency max", queued.Percentile(1.0), "ms");

        // Not a timing: the logs written above must still verify, concurrent writers included.
        await using var db = new SqliteCpomDbContext(dbOptions);
        var reader = new AccessLogReader(db, keys);
        foreach (var controller in TwoControllers)
        {
            var result = await reader.VerifyAsync(controller, cancellationToken);
            report.Note($"check: the log of {controller} written by the append scenarios verifies: {(result.Valid ? "yes" : "NO, " + result.Problem)} "
                + $"({result.EntriesChecked:N0} entries, {result.CheckpointsChecked} checkpoint(s))");
        }
    }

    /// <summary>How many requests append at once in the group-commit measurement (B4's clients).</summary>
    public const int GroupWriters = 32;

    // N appends to one controller by concurrent writers through the gateway's own group commit
    // (AccessLogBatcher, as a listing's entry is written): each writer waits for its entry's commit
    // before its next one, as a request does before it answers.
    private async Task<AppendRun> GroupCommitAsync(LogBench log, int writers, CancellationToken cancellationToken)
    {
        var services = new Microsoft.Extensions.DependencyInjection.ServiceCollection();
        Microsoft.Extensions.DependencyInjection.LoggingServiceCollectionExtensions.AddLogging(services);
        Microsoft.Extensions.DependencyInjection.EntityFrameworkServiceCollectionExtensions.AddDbContextPool<CpomDbContext, SqliteCpomDbContext>(
            services, o => o.UseSqlite(CpomDbContext.SqliteConnectionString(log.Home)));
        Microsoft.Extensions.DependencyInjection.ServiceCollectionServiceExtensions.AddSingleton(services, log.Writer);
        Microsoft.Extensions.DependencyInjection.ServiceCollectionServiceExtensions.AddSingleton<CpomExchange.Gateway.AccessLog.AccessLogBatcher>(services);
        await using var provider = Microsoft.Extensions.DependencyInjection.ServiceCollectionContainerBuilderExtensions.BuildServiceProvider(services);
        var batcher = Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<CpomExchange.Gateway.AccessLog.AccessLogBatcher>(provider);
        await batcher.StartAsync(cancellationToken);
        try
        {
            report.Progress($"append: warm-up, {writers} writers through the group commit");
            await RunAsync(Math.Min(WarmUpAppends, options.Entries), [WarmUpController]);
            report.Progress($"append: {options.Entries:N0} appends, 1 controller, {writers} writers through the group commit");
            return await RunAsync(options.Entries, OneController);
        }
        finally
        {
            await batcher.StopAsync(CancellationToken.None);
        }

        async Task<AppendRun> RunAsync(int count, string[] controllers)
        {
            var run = new AppendRun(count);
            var next = -1;
            var probe = Probe.Start();
            await Task.WhenAll(Enumerable.Range(0, writers).Select(_ => Task.Run(async () =>
            {
                int i;
                while ((i = Interlocked.Increment(ref next)) < count)
                {
                    var t0 = Stopwatch.GetTimestamp();
                    await batcher.AppendAsync(controllers, log.Drafts.Next(), cancellationToken);
                    run.LatencyTicks[i] = Stopwatch.GetTimestamp() - t0;
                }
            }, cancellationToken)));
            run.Seconds = probe.Seconds;
            run.CpuSeconds = probe.CpuSeconds;
            run.AllocatedBytes = probe.AllocatedBytes;
            return run;
        }
    }

    // The warm-up, then N appends with one controller and one writer, one transaction each.
    private async Task<AppendRun> OneWriterAsync(LogBench log, CancellationToken cancellationToken)
    {
        var n = options.Entries;
        report.Progress("append: warm-up");
        await SequentialAsync(log.DbOptions, log.Writer, log.Drafts, [WarmUpController], Math.Min(WarmUpAppends, n), cancellationToken);

        report.Progress($"append: {n:N0} appends, 1 controller, 1 writer");
        return await SequentialAsync(log.DbOptions, log.Writer, log.Drafts, OneController, n, cancellationToken);
    }

    private static async Task<AppendRun> SequentialAsync(DbContextOptions<SqliteCpomDbContext> dbOptions, AccessLogWriter writer, DraftFactory drafts,
        string[] controllers, int count, CancellationToken cancellationToken)
    {
        var run = new AppendRun(count);
        var probe = Probe.Start();
        for (var i = 0; i < count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var draft = drafts.Next();
            var t0 = Stopwatch.GetTimestamp();
            var db = new SqliteCpomDbContext(dbOptions);
            long t1, t2, t3;
            try
            {
                await using var transaction = await CpomDatabase.BeginWriteAsync(db, cancellationToken);
                t1 = Stopwatch.GetTimestamp();
                await writer.AppendAsync(db, controllers, draft, cancellationToken);
                t2 = Stopwatch.GetTimestamp();
                await transaction.CommitAsync(cancellationToken);
                t3 = Stopwatch.GetTimestamp();
            }
            finally
            {
                await db.DisposeAsync();
            }
            var t4 = Stopwatch.GetTimestamp();
            run.LatencyTicks[i] = t4 - t0;
            run.BeginTicks += t1 - t0;
            run.AppendTicks += t2 - t1;
            run.CommitTicks += t3 - t2;
            // Creating the context is cheap until it first touches the database (in BEGIN); the
            // measurable part is the dispose, which returns the connection to the pool.
            run.ContextTicks += t4 - t3;
        }
        run.Seconds = probe.Seconds;
        run.CpuSeconds = probe.CpuSeconds;
        run.AllocatedBytes = probe.AllocatedBytes;
        return run;
    }

    // With a gate, each writer waits its turn on an async lock before BEGIN IMMEDIATE, instead of
    // SQLite's busy retries (Microsoft.Data.Sqlite sleeps 150 ms between them, on a pool thread).
    private static async Task<AppendRun> ConcurrentAsync(DbContextOptions<SqliteCpomDbContext> dbOptions, AccessLogWriter writer, DraftFactory drafts,
        string[] controllers, int count, int writers, SemaphoreSlim? gate, CancellationToken cancellationToken)
    {
        var run = new AppendRun(count);
        var next = -1;
        var probe = Probe.Start();
        var tasks = Enumerable.Range(0, writers).Select(_ => Task.Run(async () =>
        {
            await using var db = new SqliteCpomDbContext(dbOptions);
            int i;
            while ((i = Interlocked.Increment(ref next)) < count)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var draft = drafts.Next();
                var t0 = Stopwatch.GetTimestamp();
                if (gate is not null)
                {
                    await gate.WaitAsync(cancellationToken);
                }
                try
                {
                    await using var transaction = await CpomDatabase.BeginWriteAsync(db, cancellationToken);
                    await writer.AppendAsync(db, controllers, draft, cancellationToken);
                    await transaction.CommitAsync(cancellationToken);
                }
                finally
                {
                    gate?.Release();
                }
                // A writer that keeps its context must forget the head it tracks: LockHeadAsync
                // trusts a tracked head, which another writer has moved on since.
                db.ChangeTracker.Clear();
                run.LatencyTicks[i] = Stopwatch.GetTimestamp() - t0;
            }
        }, cancellationToken)).ToArray();
        await Task.WhenAll(tasks);
        run.Seconds = probe.Seconds;
        run.CpuSeconds = probe.CpuSeconds;
        run.AllocatedBytes = probe.AllocatedBytes;
        return run;
    }

    // b. and c. A log of M entries: verification from the database, in memory, from an export; proofs.
    private async Task VerifyAndProveAsync(CpomHome home, CancellationToken cancellationToken)
    {
        var log = await LogBench.OpenAsync(home, cancellationToken);
        var (_, dbOptions, keys, _, _) = log;
        var m = options.VerifyEntries;
        var verifyTarget = m / VerifyTargetPerSecond;

        var run = await FillAndVerifyAsync(log, cancellationToken);
        report.Add("fill.rate", $"fill, {FillBatch:N0} appends per transaction", m / run.FillSeconds, "entries/s");
        report.Add("fill.database-size", "  database size (cpom.db and its WAL)", run.DatabaseMiB, "MiB");
        var seconds = run.Seconds;
        var online = run.Result;
        report.AddAtMost("verify.db.seconds", $"verify {m:N0} entries from the database (VerifyAsync)", seconds, "s", verifyTarget);
        report.AddAtLeast("verify.db.rate", "  rate", m / seconds, "entries/s", VerifyTargetPerSecond);
        report.Add("verify.db.cpu", "  processor time (whole process)", run.CpuSeconds, "s");
        report.Add("verify.db.peak-working-set", "  peak working set", run.PeakWorkingSetMiB, "MiB");
        report.Add("verify.db.allocated", "  allocated per entry", run.AllocatedBytes / (double)m, "bytes");
        report.Add("verify.db.gen2", "  gen2 collections", run.Gen2Collections, "count");
        report.Note($"check: VerifyAsync says valid: {(online.Valid ? "yes" : "NO, " + online.Problem)} ({online.EntriesChecked:N0} entries, {online.CheckpointsChecked:N0} checkpoint(s))");
        if (!Probe.PeakResettable)
        {
            report.Note("peak working sets are the whole process's (the peak could not be reset on this system)");
        }

        report.Progress("verify: what-if, reading and hashing on two threads");
        var probe = Probe.Start(resetPeak: true);
        var pipelined = await PipelinedVerifyAsync(dbOptions, keys, cancellationToken);
        var (pipelinedSeconds, pipelinedCpu, pipelinedPeak) = (probe.Seconds, probe.CpuSeconds, Probe.PeakWorkingSetMiB);

        report.Progress("verify: reading every entry (EntriesAsync, no hashing)");
        probe = Probe.Start(resetPeak: true);
        long read = 0;
        await using (var db = new SqliteCpomDbContext(dbOptions))
        {
            await foreach (var entry in new AccessLogReader(db, keys).EntriesAsync(Controller, null, cancellationToken))
            {
                read++;
            }
        }
        seconds = probe.Seconds;
        report.Add("read.db.seconds", "  apart: read and materialise, streamed (EntriesAsync, no hashing)", seconds, "s");
        report.Add("read.db.rate", "    rate", read / seconds, "entries/s");

        report.Progress("verify: loading every entry into a list (as VerifyAsync did before)");
        probe = Probe.Start(resetPeak: true);
        List<StoredEntry>? entries = new();
        IReadOnlyList<SignedCheckpoint> checkpoints;
        LogStart start;
        long headSize;
        await using (var db = new SqliteCpomDbContext(dbOptions))
        {
            var reader = new AccessLogReader(db, keys);
            checkpoints = await reader.CheckpointsAsync(Controller, cancellationToken);
            start = await reader.StartAsync(Controller, cancellationToken);
            headSize = (await reader.HeadAsync(Controller, cancellationToken))?.Size ?? 0;
            await foreach (var entry in reader.EntriesAsync(Controller, null, cancellationToken))
            {
                entries.Add(entry);
            }
        }
        seconds = probe.Seconds;
        report.Add("read.list.seconds", "  apart: the same into a list of every entry (VerifyAsync before)", seconds, "s");
        report.Add("read.list.peak-working-set", "    peak working set", Probe.PeakWorkingSetMiB, "MiB");

        report.Progress("verify: LogVerifier.Verify on the loaded entries");
        var signing = await keys.GetSigningKeyAsync(cancellationToken);
        probe = Probe.Start();
        using var offlineVerifier = new CheckpointVerifier(signing.PublicKeySpki);
        var offline = LogVerifier.Verify(Controller, entries, checkpoints, offlineVerifier.Verify, start, headSize);
        seconds = probe.Seconds;
        report.Add("verify.memory.seconds", "  apart: LogVerifier.Verify on the loaded list", seconds, "s");
        report.Add("verify.memory.rate", "    rate", m / seconds, "entries/s");
        report.Note($"check: LogVerifier.Verify in memory says valid: {(offline.Valid ? "yes" : "NO, " + offline.Problem)}");
        Breakdown(entries, checkpoints, signing.PublicKeySpki);

        report.Progress("verify: export (LogExport lines) and offline verification (ReadAsync, Verify)");
        var exportPath = Path.Combine(home.Root, "export.jsonl");
        probe = Probe.Start();
        await WriteExportAsync(exportPath, signing, start, headSize, entries, checkpoints, cancellationToken);
        seconds = probe.Seconds;
        report.Add("export.write.seconds", $"export {m:N0} entries (EntryLine, to a file)", seconds, "s");
        report.Add("export.write.rate", "  rate", m / seconds, "entries/s");
        report.Add("export.size", "  file size", new FileInfo(exportPath).Length / (1024.0 * 1024.0), "MiB");
        entries = null;

        probe = Probe.Start(resetPeak: true);
        LogExportContent content;
        using (var file = new StreamReader(exportPath, Encoding.UTF8))
        {
            content = await LogExport.ReadAsync(file, cancellationToken);
        }
        var readSeconds = probe.Seconds;
        var verifyProbe = Probe.Start();
        var exported = content.Verify();
        var verifySeconds = verifyProbe.Seconds;
        report.AddAtMost("export.verify.seconds", "offline verification of the export (ReadAsync + Verify)", readSeconds + verifySeconds, "s", verifyTarget);
        report.Add("export.read.seconds", "  of which ReadAsync (parse every line)", readSeconds, "s");
        report.Add("export.verify-only.seconds", "  of which Verify", verifySeconds, "s");
        report.Add("export.verify.peak-working-set", "  peak working set", Probe.PeakWorkingSetMiB, "MiB");
        report.Note($"check: the export verifies offline: {(exported.Valid ? "yes" : "NO, " + exported.Problem)} ({exported.EntriesChecked:N0} entries)");
        content = null!;
        File.Delete(exportPath);
        Probe.Collect();

        // Measured before the lists of every entry below fill the heap, reported after them.
        report.Add("whatif.verify-pipelined.seconds", "what-if: VerifyAsync with the reads on a second thread", pipelinedSeconds, "s");
        report.Add("whatif.verify-pipelined.rate", "  rate", m / pipelinedSeconds, "entries/s");
        report.Add("whatif.verify-pipelined.cpu", "  processor time (whole process)", pipelinedCpu, "s");
        report.Add("whatif.verify-pipelined.peak-working-set", "  peak working set", pipelinedPeak, "MiB");
        report.Note($"check: the pipelined verification says valid: {(pipelined.Valid ? "yes" : "NO, " + pipelined.Problem)}");

        await ProofsAsync(dbOptions, keys, checkpoints, m, cancellationToken);
    }

    // A log of M entries filled (and a small one for the warm-up), then AccessLogReader.VerifyAsync
    // on a fresh DbContext with the peak working set reset before it.
    private async Task<VerifyRun> FillAndVerifyAsync(LogBench log, CancellationToken cancellationToken)
    {
        var (home, dbOptions, keys, writer, drafts) = log;
        var m = options.VerifyEntries;
        report.Progress($"verify: filling a log of {m:N0} entries ({FillBatch:N0} appends per transaction)");
        var fill = Probe.Start();
        await FillAsync(dbOptions, writer, drafts, Controller, m, cancellationToken);
        var fillSeconds = fill.Seconds;
        await FillAsync(dbOptions, writer, drafts, WarmUpController, 2_000, cancellationToken);
        var databaseMiB = DatabaseMiB(home);

        // Warm-up on a small log: JIT, EF Core's model and compiled queries.
        await using (var db = new SqliteCpomDbContext(dbOptions))
        {
            await new AccessLogReader(db, keys).VerifyAsync(WarmUpController, cancellationToken);
        }
        // And one verification of the measured log: the small log (below 32,768 entries) is read in one part, so the
        // parts' code (SqliteLogPart, SqliteColumns, the snapshot's connections) would otherwise be compiled, and tiered
        // up, inside the measured run. A gateway verifies its logs many times in its life: the figure is its steady cost;
        // the first verification's time, JIT included, is noted beside it.
        report.Progress("verify: a first AccessLogReader.VerifyAsync (warm-up of the parts' code)");
        var first = Probe.Start();
        await using (var db = new SqliteCpomDbContext(dbOptions))
        {
            await new AccessLogReader(db, keys).VerifyAsync(Controller, cancellationToken);
        }
        var firstSeconds = first.Seconds;
        report.Note($"verify: the first verification of the {m:N0}-entry log (its code compiled on the way) took {first.Seconds:F2} s, {first.CpuSeconds:F2} s of processor; the figure is the next one's");

        report.Progress("verify: AccessLogReader.VerifyAsync");
        var probe = Probe.Start(resetPeak: true);
        LogVerification online;
        await using (var db = new SqliteCpomDbContext(dbOptions))
        {
            online = await new AccessLogReader(db, keys).VerifyAsync(Controller, cancellationToken);
        }
        var seconds = probe.Seconds;
        return new VerifyRun(fillSeconds, databaseMiB, seconds, probe.CpuSeconds, Probe.PeakWorkingSetMiB, probe.AllocatedBytes, probe.Gen2Collections, online, firstSeconds);
    }

    // What AccessLogReader.VerifyAsync does, but the database is read on a second thread, in
    // batches, while LogVerifier hashes: the two costs overlap instead of adding up.
    private static async Task<LogVerification> PipelinedVerifyAsync(DbContextOptions<SqliteCpomDbContext> dbOptions, IKeyProvider keys,
        CancellationToken cancellationToken)
    {
        await using var db = new SqliteCpomDbContext(dbOptions);
        var reader = new AccessLogReader(db, keys);
        var signing = await keys.GetSigningKeyAsync(cancellationToken);
        var checkpoints = await reader.CheckpointsAsync(Controller, cancellationToken);
        var start = await reader.StartAsync(Controller, cancellationToken);
        var head = await reader.HeadAsync(Controller, cancellationToken);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var channel = Channel.CreateBounded<StoredEntry[]>(new BoundedChannelOptions(8) { SingleReader = true, SingleWriter = true });
        var producer = Task.Run(async () =>
        {
            try
            {
                var batch = new List<StoredEntry>(1024);
                await foreach (var entry in reader.EntriesAsync(Controller, null, stop.Token))
                {
                    batch.Add(entry);
                    if (batch.Count == 1024)
                    {
                        await channel.Writer.WriteAsync([.. batch], stop.Token);
                        batch.Clear();
                    }
                }
                await channel.Writer.WriteAsync([.. batch], stop.Token);
                channel.Writer.TryComplete();
            }
            catch (Exception e) when (e is OperationCanceledException or DbException or InvalidOperationException)
            {
                channel.Writer.TryComplete(e);
            }
        }, CancellationToken.None);
        try
        {
            using var verifier = new CheckpointVerifier(signing.PublicKeySpki);
            return await LogVerifier.VerifyAsync(Controller, Flatten(channel.Reader, stop.Token), checkpoints, verifier.Verify,
                start, head?.Size, stop.Token);
        }
        finally
        {
            // The context must be idle again before it is disposed.
            await stop.CancelAsync();
            await producer;
        }
    }

    private static async IAsyncEnumerable<StoredEntry> Flatten(ChannelReader<StoredEntry[]> reader,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var batch in reader.ReadAllAsync(cancellationToken))
        {
            foreach (var entry in batch)
            {
                yield return entry;
            }
        }
    }

    internal static async Task FillAsync(DbContextOptions<SqliteCpomDbContext> dbOptions, AccessLogWriter writer, DraftFactory drafts, string controller,
        int count, CancellationToken cancellationToken)
    {
        string[] controllers = [controller];
        await using var db = new SqliteCpomDbContext(dbOptions);
        for (var done = 0; done < count;)
        {
            var batch = Math.Min(FillBatch, count - done);
            await using (var transaction = await CpomDatabase.BeginWriteAsync(db, cancellationToken))
            {
                for (var i = 0; i < batch; i++)
                {
                    await writer.AppendAsync(db, controllers, drafts.Next(), cancellationToken);
                    if ((i + 1) % FillClearEvery == 0)
                    {
                        db.ChangeTracker.Clear();
                    }
                }
                await transaction.CommitAsync(cancellationToken);
            }
            db.ChangeTracker.Clear();
            done += batch;
            cancellationToken.ThrowIfCancellationRequested();
        }
    }

    // Where the verification's time goes, entry by entry, on entries already in memory.
    private void Breakdown(List<StoredEntry> entries, IReadOnlyList<SignedCheckpoint> checkpoints, byte[] publicKey)
    {
        var m = entries.Count;
        var sink = 0;
        var probe = Probe.Start();
        foreach (var stored in entries)
        {
            sink += stored.Entry.CanonicalBytes().Length;
        }
        var canonical = probe.Seconds;
        var canonicalAllocated = probe.AllocatedBytes;
        probe = Probe.Start();
        foreach (var stored in entries)
        {
            sink += stored.Entry.LeafHash()[0];
        }
        var leaf = probe.Seconds;
        probe = Probe.Start();
        using (var verifier = new CheckpointVerifier(publicKey))
        {
            foreach (var c in checkpoints)
            {
                sink += verifier.Verify(c) ? 1 : 0;
            }
        }
        var signatures = probe.Seconds;
        GC.KeepAlive(sink);
        report.Add("verify.breakdown.canonical", "    CanonicalBytes per entry", canonical * 1e6 / m, "us");
        report.Add("verify.breakdown.canonical-allocated", "    CanonicalBytes allocated per entry", canonicalAllocated / (double)m, "bytes");
        report.Add("verify.breakdown.leaf-hash", "    LeafHash per entry (CanonicalBytes and SHA-256)", leaf * 1e6 / m, "us");
        report.Add("verify.breakdown.signatures", $"    {checkpoints.Count:N0} checkpoint signatures (ECDSA P-256)", signatures, "s");
    }

    private static async Task WriteExportAsync(string path, SigningKey signing, LogStart start, long headSize, List<StoredEntry> entries,
        IReadOnlyList<SignedCheckpoint> checkpoints, CancellationToken cancellationToken)
    {
        // As AuditApi's JSON Lines export writes it.
        await using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 64 * 1024, FileOptions.Asynchronous);
        await using var writer = new StreamWriter(file, new UTF8Encoding(false), 64 * 1024) { NewLine = "\n" };
        await writer.WriteLineAsync(LogExport.HeaderLine(new LogExportHeader(Controller, signing.KeyId, signing.PublicKeySpki, DateTimeOffset.UtcNow,
            start.Size, start.Range.Serialize(), start.LastLeafHash, headSize)));
        // Checkpoints first, as the gateway's export has written them since cpom verifies while reading.
        foreach (var c in checkpoints)
        {
            await writer.WriteLineAsync(LogExport.CheckpointLine(c));
        }
        foreach (var stored in entries)
        {
            await writer.WriteLineAsync(LogExport.EntryLine(stored));
        }
        cancellationToken.ThrowIfCancellationRequested();
    }

    // c. Proof sizes for the middle leaf and between n/2 and n, and their cost from the database.
    private async Task ProofsAsync(DbContextOptions<SqliteCpomDbContext> dbOptions, IKeyProvider keys, IReadOnlyList<SignedCheckpoint> checkpoints, int m,
        CancellationToken cancellationToken)
    {
        var largest = ProofSizes[^1];
        var fromDatabase = Math.Min(m, largest);
        report.Progress($"proofs: LeavesAsync({fromDatabase:N0}), InclusionProof, ConsistencyProof");
        // What the audit API does for a proof on a log of this size: every leaf up to the tree size, then the proof.
        var probe = Probe.Start();
        IReadOnlyList<byte[]> stored;
        await using (var db = new SqliteCpomDbContext(dbOptions))
        {
            stored = await new AccessLogReader(db, keys).LeavesAsync(Controller, fromDatabase, cancellationToken);
        }
        var loadSeconds = probe.Seconds;
        probe = Probe.Start();
        MerkleTree.InclusionProof(stored, fromDatabase / 2, fromDatabase);
        var inclusionSeconds = probe.Seconds;
        probe = Probe.Start();
        MerkleTree.ConsistencyProof(stored, fromDatabase / 2, fromDatabase);
        var consistencySeconds = probe.Seconds;
        report.Add("proof.from-db.leaves", $"proofs for n={fromDatabase:N0} from the database: LeavesAsync", loadSeconds, "s");
        report.Add("proof.from-db.inclusion", $"  InclusionProof of leaf {fromDatabase / 2:N0}", inclusionSeconds, "s");
        report.Add("proof.from-db.consistency", $"  ConsistencyProof {fromDatabase / 2:N0} -> {fromDatabase:N0}", consistencySeconds, "s");
        report.Add("proof.from-db.total", "  total", loadSeconds + inclusionSeconds + consistencySeconds, "s");

        byte[][] leaves = [.. stored];
        byte[][]? random = null;
        foreach (var n in ProofSizes)
        {
            var source = leaves;
            var label = "";
            if (n > leaves.Length)
            {
                // The log is smaller than n: the proofs' lengths depend only on the sizes.
                random ??= Enumerable.Range(0, largest).Select(_ => RandomNumberGenerator.GetBytes(MerkleTree.HashSize)).ToArray();
                source = random;
                label = " (random leaves, M < n)";
            }
            var index = n / 2;
            var inclusion = MerkleTree.InclusionProof(source, index, n);
            var consistency = MerkleTree.ConsistencyProof(source, n / 2, n);
            var size = n.ToString("0e0", CultureInfo.InvariantCulture);
            report.Add($"proof.{size}.inclusion.hashes", $"proofs, n={n:N0}{label}: inclusion of leaf {index:N0}", inclusion.Count, "hashes");
            report.Add($"proof.{size}.inclusion.bytes", "  inclusion proof", inclusion.Count * MerkleTree.HashSize, "bytes");
            report.Add($"proof.{size}.consistency.hashes", $"  consistency {n / 2:N0} -> {n:N0}", consistency.Count, "hashes");
            report.Add($"proof.{size}.consistency.bytes", "  consistency proof", consistency.Count * MerkleTree.HashSize, "bytes");

            // Not a timing: the proofs must check against the roots (and the signed checkpoint, when there is one).
            var root = MerkleTree.RootHash(new ArraySegment<byte[]>(source, 0, n));
            var oldRoot = MerkleTree.RootHash(new ArraySegment<byte[]>(source, 0, n / 2));
            var valid = MerkleTree.VerifyInclusion(source[index], index, n, inclusion, root)
                && MerkleTree.VerifyConsistency(n / 2, n, oldRoot, root, consistency);
            var signed = ReferenceEquals(source, leaves) ? checkpoints.FirstOrDefault(c => c.Checkpoint.TreeSize == n) : null;
            var matches = signed is null ? "" : $"; root equals the signed checkpoint's: {(root.AsSpan().SequenceEqual(signed.Checkpoint.RootHash) ? "yes" : "NO")}";
            report.Note($"check: proofs for n={n:N0} verify: {(valid ? "yes" : "NO")}{matches}");
        }
    }

    /// <summary>Sets <c>PRAGMA synchronous=NORMAL</c> on every connection opened (what-if only).</summary>
    private sealed class SynchronousNormalInterceptor : DbConnectionInterceptor
    {
        public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData)
        {
            using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA synchronous=NORMAL;";
            command.ExecuteNonQuery();
        }

        public override Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
        {
            ConnectionOpened(connection, eventData);
            return Task.CompletedTask;
        }
    }

    private static double DatabaseMiB(CpomHome home) =>
        new[] { home.DatabaseFile, home.DatabaseFile + "-wal" }.Where(File.Exists).Sum(f => new FileInfo(f).Length) / (1024.0 * 1024.0);

    /// <summary>A log database as the gateway opens it (SQLite in WAL mode, local keys) and what writes to it.</summary>
    internal sealed record LogBench(CpomHome Home, DbContextOptions<SqliteCpomDbContext> DbOptions, LocalKeyProvider Keys, AccessLogWriter Writer, DraftFactory Drafts)
    {
        public static async Task<LogBench> OpenAsync(CpomHome home, CancellationToken cancellationToken)
        {
            await (await CpomDatabase.OpenSqliteAsync(home, cancellationToken)).DisposeAsync();
            var keys = new LocalKeyProvider(home.KeyDirectory);
            return new LogBench(home, CpomDbContext.SqliteOptions(home), keys,
                new AccessLogWriter(keys, new AccessLogOptions { CheckpointEveryEntries = CheckpointEveryEntries }, TimeProvider.System), new DraftFactory());
        }
    }

    /// <summary>The fill of a log and its verification by <c>VerifyAsync</c>.</summary>
    private sealed record VerifyRun(double FillSeconds, double DatabaseMiB, double Seconds, double CpuSeconds, double PeakWorkingSetMiB,
        long AllocatedBytes, int Gen2Collections, LogVerification Result, double FirstSeconds);

    /// <summary>The measurements of one append scenario.</summary>
    private sealed class AppendRun(int count)
    {
        public long[] LatencyTicks { get; } = new long[count];
        public long BeginTicks { get; set; }
        public long AppendTicks { get; set; }
        public long CommitTicks { get; set; }
        public long ContextTicks { get; set; }
        public double Seconds { get; set; }
        public double CpuSeconds { get; set; }
        public long AllocatedBytes { get; set; }

        public double PerSecond => count / Seconds;

        public double CpuMsPerAppend => CpuSeconds * 1000 / count;

        public double MeanMs(long ticks) => ticks * 1000.0 / Stopwatch.Frequency / count;

        public double Percentile(double p)
        {
            var sorted = LatencyTicks.Order().ToArray();
            var at = Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1);
            return sorted[Math.Max(0, at)] * 1000.0 / Stopwatch.Frequency;
        }
    }
}

/// <summary>
/// B5 (issue #9) as <see cref="AccessLogSuite.MeasureB5Async"/> measures it: one-writer appends,
/// appends by concurrent writers through the gateway's group commit, and the verification of a log
/// of <see cref="VerifiedEntries"/> entries: <see cref="VerifySeconds"/> the steady cost (the log verified once
/// before), <see cref="FirstVerifySeconds"/> the first verification's, its code compiled and tiered up on the way.
/// </summary>
internal sealed record LogFigures(int Appends, double AppendsPerSecond, double AppendP50Ms, double AppendP99Ms,
    int GroupWriters, double GroupAppendsPerSecond, double GroupP50Ms, double GroupP99Ms,
    int VerifiedEntries, double VerifySeconds, LogVerification Verification, double FirstVerifySeconds,
    string ExportPath, IReadOnlyList<IncrementalRun> Incremental)
{
    /// <summary>The verification target for this log's size (5 s for 1,000,000 entries).</summary>
    public double VerifyTargetSeconds => VerifiedEntries / AccessLogSuite.VerifyTargetPerSecond;
}

/// <summary>A verification from the last verified checkpoint after <paramref name="Added"/> entries were appended to a log of <paramref name="FromSize"/> verified ones.</summary>
internal sealed record IncrementalRun(int Added, long FromSize, double Seconds, LogVerification Result);
