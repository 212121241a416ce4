using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using CpomExchange.Infrastructure;
using CpomExchange.Infrastructure.AccessLog;
using CpomExchange.Infrastructure.Storage;
using CpomExchange.Rules.AccessLog;

namespace CpomExchange.Bench.AccessLog;

/// <summary>
/// Issue 17's verification figures, each in a process of its own so that its peak resident set is its own:
/// <list type="bullet">
/// <item><c>export-file FILE [--entries M]</c>: writes an export of M entries (default 1,000,000) as the gateway writes it
/// (header, signed checkpoints every 1,000 entries, entries), without a database.</item>
/// <item><c>export-verify FILE [--path stream|former]</c>: verifies it as <c>cpom audit verify FILE</c> does
/// (<c>LogExport.VerifyStream</c>) or as it did (<c>VerifyStreamAsync</c> over a TextReader, a document per line).</item>
/// <item><c>verify-db DIR [--entries M]</c>: the first time, fills a SQLite log of M entries (and a small one for the warm-up) in
/// DIR and stops; the next times, verifies it in full with <c>AccessLogReader.VerifyAsync</c> after the warm-up, so that the
/// peak resident set is the verification's and the same database serves a before and an after.</item>
/// <item><c>verify-from [--entries M] [--new K]</c>: a log of M entries on SQLite verified in full, K more appended, then
/// verified from the last verified checkpoint, and in full again.</item>
/// </list>
/// Each prints wall time, processor time, peak resident set (VmHWM), allocated bytes and the load average.
/// </summary>
internal static class OfflineVerifyBench
{
    public static readonly string[] Commands = ["export-file", "export-verify", "verify-from", "verify-db"];

    public static async Task<int> RunAsync(string[] args)
    {
        string? Option(string name) => Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : null;
        var entries = int.Parse(Option("--entries") ?? "1000000", CultureInfo.InvariantCulture);
        Console.WriteLine($"{args[0]}: load average {Load()}, {Environment.ProcessorCount} processors, GC {(System.Runtime.GCSettings.IsServerGC ? "server" : "workstation")}");
        switch (args[0])
        {
            case "export-file":
                WriteExport(args[1], entries);
                return 0;
            case "export-verify":
                return await VerifyExportAsync(args[1], Option("--path") ?? "stream");
            case "verify-db":
                return await VerifyDatabaseAsync(args[1], entries);
            default:
                return await VerifyFromAsync(entries, int.Parse(Option("--new") ?? "10000", CultureInfo.InvariantCulture));
        }
    }

    private static string Load() => File.Exists("/proc/loadavg") ? string.Join(" / ", File.ReadAllText("/proc/loadavg").Split(' ')[..3]) : "?";

    private static void Print(string what, Stopwatch wall, TimeSpan cpu0, long allocated0, long count)
    {
        var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpu0;
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocated0;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{what}: {wall.Elapsed.TotalSeconds:F2} s wall, {cpu.TotalSeconds:F2} s processor ({cpu.TotalMicroseconds / Math.Max(1, count):F2} us per entry), "
            + $"{allocated / (double)Math.Max(1, count):F0} bytes allocated per entry, peak resident set {PeakMiB():F1} MiB, load average {Load()}"));
    }

    private static double PeakMiB()
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
            {
                return long.Parse(line[6..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) / 1024.0;
            }
        }
        return Process.GetCurrentProcess().PeakWorkingSet64 / (1024.0 * 1024.0);
    }

    private static void WriteExport(string path, int size)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var drafts = new DraftFactory();
        var start = DateTimeOffset.UtcNow;
        // Pass 1: the leaves and the checkpoints (the export lists them before the entries).
        var checkpoints = new List<SignedCheckpoint>();
        var range = new CompactRange();
        var previous = new byte[32];
        AccessLogEntry Entry(long seq, byte[] prev)
        {
            var d = drafts.Next();
            return new AccessLogEntry(seq, "prevy", start.AddMilliseconds(seq), d.AgentId, d.AgentName, d.Organisation, d.CertificateSha256, d.Action,
                d.ExchangeType, "ds_" + seq.ToString("x12", CultureInfo.InvariantCulture), 1_000 + seq % 9_000, d.Counterpart, d.Purpose, d.Object, d.LegalBasis,
                d.Outcome, d.ReasonCode, d.ClientAddress, "0HNC4M2J7QK1E:" + seq.ToString("X8", CultureInfo.InvariantCulture), prev, "sha256:" + new string('c', 64));
        }
        for (var seq = 0L; seq < size; seq++)
        {
            var leaf = Entry(seq, previous).LeafHash();
            range.Append(leaf);
            previous = leaf;
            if (range.Size % 1000 == 0)
            {
                var c = new Checkpoint("prevy", range.Size, range.Root(), start.AddMilliseconds(seq));
                checkpoints.Add(new SignedCheckpoint(c, "bench", key.SignHash(SignedCheckpoint.Digest(c))));
            }
        }
        using var writer = new StreamWriter(path, false, new UTF8Encoding(false), 64 * 1024) { NewLine = "\n" };
        writer.WriteLine(LogExport.HeaderLine(new LogExportHeader("prevy", "bench", key.ExportSubjectPublicKeyInfo(), start, 0, new CompactRange().Serialize(), new byte[32], size)));
        foreach (var c in checkpoints)
        {
            writer.WriteLine(LogExport.CheckpointLine(c));
        }
        previous = new byte[32];
        drafts = new DraftFactory(); // the same entries again
        for (var seq = 0L; seq < size; seq++)
        {
            var entry = Entry(seq, previous);
            var leaf = entry.LeafHash();
            writer.WriteLine(LogExport.EntryLine(new StoredEntry(entry, leaf)));
            previous = leaf;
        }
        Console.WriteLine($"written: {path}, {size:N0} entries, {checkpoints.Count:N0} checkpoints, {new FileInfo(path).Length / (1024.0 * 1024.0):F0} MiB");
    }

    private static async Task<int> VerifyExportAsync(string path, string how)
    {
        var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
        var allocated0 = GC.GetTotalAllocatedBytes(precise: true);
        var wall = Stopwatch.StartNew();
        LogVerification result;
        if (how == "former")
        {
            using var reader = File.OpenText(path);
            result = (await LogExport.VerifyStreamAsync(reader)).Result;
        }
        else
        {
            await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
            result = LogExport.VerifyStream(stream).Result;
        }
        wall.Stop();
        Print($"export-verify ({how})", wall, cpu0, allocated0, result.EntriesChecked);
        Console.WriteLine($"  {result.Summary}");
        return result.Valid ? 0 : 1;
    }

    private static async Task<int> VerifyDatabaseAsync(string directory, int size)
    {
        var log = await AccessLogSuite.LogBench.OpenAsync(new CpomHome(directory), CancellationToken.None);
        try
        {
            long? head;
            await using (var db = new SqliteCpomDbContext(log.DbOptions))
            {
                head = (await new AccessLogReader(db, log.Keys).HeadAsync("prevy"))?.Size;
            }
            if (head is null)
            {
                Console.WriteLine($"filling {size:N0} entries in {directory} (run again to verify)");
                await AccessLogSuite.FillAsync(log.DbOptions, log.Writer, log.Drafts, "prevy", size, CancellationToken.None);
                await AccessLogSuite.FillAsync(log.DbOptions, log.Writer, log.Drafts, "warm", 2_000, CancellationToken.None);
                return 0;
            }
            await using (var db = new SqliteCpomDbContext(log.DbOptions))
            {
                await new AccessLogReader(db, log.Keys).VerifyAsync("warm"); // JIT, EF Core's model, compiled queries
            }
            // Twice: the first compiles the parts' code (the warm-up's log is read in one part), the second is the steady cost.
            LogVerification result = null!;
            foreach (var which in new[] { "first", "again" })
            {
                var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
                var allocated0 = GC.GetTotalAllocatedBytes(precise: true);
                var wall = Stopwatch.StartNew();
                await using (var db = new SqliteCpomDbContext(log.DbOptions))
                {
                    result = await new AccessLogReader(db, log.Keys).VerifyAsync("prevy");
                }
                wall.Stop();
                Print($"verify-db {which} (VerifyAsync, {head:N0} entries)", wall, cpu0, allocated0, result.EntriesChecked);
            }
            Console.WriteLine($"  {result.Summary}");
            return result.Valid ? 0 : 1;
        }
        finally
        {
            CpomDatabase.ClearPools();
        }
    }

    private static async Task<int> VerifyFromAsync(int size, int added)
    {
        var root = Path.Combine(Path.GetTempPath(), "cpom-bench-" + Guid.NewGuid().ToString("N")[..12]);
        CpomHome.CreatePrivateDirectory(root);
        try
        {
            var log = await AccessLogSuite.LogBench.OpenAsync(new CpomHome(root), CancellationToken.None);
            Console.WriteLine($"filling {size:N0} entries");
            await AccessLogSuite.FillAsync(log.DbOptions, log.Writer, log.Drafts, "prevy", size, CancellationToken.None);
            var verified = new VerifiedCheckpoints();
            async Task<LogVerification> Measure(string what, Func<AccessLogReader, Task<LogVerification>> verify)
            {
                var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
                var allocated0 = GC.GetTotalAllocatedBytes(precise: true);
                var wall = Stopwatch.StartNew();
                await using var db = new SqliteCpomDbContext(log.DbOptions);
                var result = await verify(new AccessLogReader(db, log.Keys));
                wall.Stop();
                Print($"{what}, {result.EntriesChecked:N0} entries read", wall, cpu0, allocated0, result.EntriesChecked);
                Console.WriteLine($"  {result.Summary}");
                return result;
            }
            await Measure("full verification (first, remembered)", r => r.VerifySinceLastAsync("prevy", verified));
            Console.WriteLine($"appending {added:N0} entries");
            await AccessLogSuite.FillAsync(log.DbOptions, log.Writer, log.Drafts, "prevy", added, CancellationToken.None);
            await Measure($"from the last verified checkpoint ({verified.Get("prevy")?.Size:N0})", r => r.VerifySinceLastAsync("prevy", verified));
            await Measure("full verification again", r => r.VerifyAsync("prevy"));
            return 0;
        }
        finally
        {
            CpomDatabase.ClearPools();
            Directory.Delete(root, recursive: true);
        }
    }
}
