using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using CpomExchange.Bench.AccessLog;
using CpomExchange.Bench.Crypto;
using CpomExchange.Cli.Client;

namespace CpomExchange.Bench.Transfer;

/// <summary>
/// Issue #9 in one run: the gateway, in a process of its own, against a bare mutual-TLS transfer of
/// the same bytes (nginx) side by side: B1 upload of an adherents file through <c>cpom</c>'s client,
/// B2 the gateway's peak resident memory at three sizes (a fresh gateway process each), B3 download,
/// B4 inbox listing under 32 keep-alive clients, B5 access-log appends and verification (the
/// access-log suite's code), B6 a 100-row signalements-pdp upload; and issue 17's figures in the same run:
/// the gateway's resident set idle after its start, the verification from the last verified checkpoint
/// after the log grows, and <c>cpom audit verify FILE</c> of the B5 log's export in a process of its own.
/// Each figure is held to issue 17's target where that issue sets one, beside issue 9's. Prints the
/// figures and writes the table into BENCHMARKS.md, between its markers.
/// </summary>
internal sealed class TransferSuite(BenchOptions options, Report report)
{
    // As `cpom upload FILE --type adherents --to carsat-lr --purpose sinistralite`.
    private const string AdherentsType = "adherents";
    private const string AdherentsRecipient = "carsat-lr";
    private const string AdherentsPurpose = "sinistralite";
    private const int InboxClients = 32;
    private const int WarmUpRows = 1_000;
    private const double UploadTarget = 5;
    private const double FlatTarget = 1.2;
    private const double PeakTargetBytes = 300e6;
    private const double DownloadTarget = 3;
    private const double InboxTarget = 0.3;
    private const double MiB = 1024 * 1024;

    // Issue 17's targets: a million rows uploaded in 1 s, 5,000 listings per second, a million entries verified in 2 s in
    // the gateway and in 3 s offline within 100 MiB, the gateway at 100 MiB idle and 150 MiB at its peak.
    private const double UploadSecondsPerMillion = 1;
    private const double InboxRateTarget = 5_000;
    private const double VerifySecondsPerMillion = 2;
    private const double OfflineSecondsPerMillion = 3;
    private const double OfflinePeakTargetMiB = 100;
    private const double IdleTargetMiB = 100;
    private const double PeakTargetMiB = 150;

    // How long the N-row gateway idles after it answers /health/live before its resident set is read: the start's
    // compilations and the first collections are over by then.
    private static readonly TimeSpan IdleSettle = TimeSpan.FromSeconds(10);

    /// <summary>Runs B1–B6; false when the table should have been written into BENCHMARKS.md and could not be.</summary>
    public async Task<bool> RunAsync(string root, CancellationToken cancellationToken)
    {
        var machine = Machine.Describe();
        var started = DateTimeOffset.UtcNow;
        var rows = options.Rows;
        var small = rows / 10;
        var large = checked(rows * 5);
        int[] sizes = [small, rows, large];
        var inboxSeconds = options.Smoke ? 2 : 10;
        var pdpUploads = options.Smoke ? 20 : 200;
        report.BeginSuite(BenchOptions.TransferSuite,
            Invariant($"{rows:N0} rows; gateway memory at {small:N0}, {rows:N0}, {large:N0} rows; inbox {InboxClients} clients × {inboxSeconds} s; ")
            + Invariant($"access log {options.Entries:N0} appends, {options.VerifyEntries:N0} entries verified; {pdpUploads} signalements-pdp uploads"));

        var data = Path.Combine(root, "data");
        Directory.CreateDirectory(data);
        var warmUp = await WriteAdherentsAsync(Path.Combine(data, "adherents-warm-up.csv"), Math.Min(WarmUpRows, small), cancellationToken);
        var files = new Dictionary<int, string>();
        foreach (var size in sizes)
        {
            files[size] = await WriteAdherentsAsync(Path.Combine(data, Invariant($"adherents-{size}.csv")), size, cancellationToken);
        }
        var fileBytes = new FileInfo(files[rows]).Length;
        report.Progress(Invariant($"generated {files.Count} adherents files; {rows:N0} rows = {fileBytes / 1e6:F1} MB"));

        var nginxBinary = NginxBaseline.FindBinary();
        var nginxVersion = nginxBinary is null ? null : await NginxBaseline.VersionAsync(nginxBinary, cancellationToken);
        if (nginxBinary is null)
        {
            report.Note($"nginx not found (/usr/sbin, /usr/local/sbin, /usr/bin): no baseline, no ratios. Install it: {NginxBaseline.InstallCommand}");
        }
        string[] limits =
        [
            "--Cpom:Limits:MaxRows", Math.Max(large, 5_000_000).ToString(CultureInfo.InvariantCulture),
            "--Cpom:Limits:MaxBodyBytes", Math.Max(512L * 1024 * 1024, 2 * new FileInfo(files[large]).Length).ToString(CultureInfo.InvariantCulture),
        ];

        // B1, B2 at N rows, B3, B4 and B6 on one gateway process, beside nginx.
        var uploads = new Dictionary<int, UploadRun>();
        double? bareUpload = null, bareDownload = null;
        double uploadAgain;
        double download;
        Hammered inbox;
        Hammered? bareInbox = null;
        int inboxBytes;
        double[] pdp;
        double? idleMiB;
        report.Progress(Invariant($"gateway process for {rows:N0} rows: starting"));
        await using (var gateway = await GatewayProcess.StartAsync(Path.Combine(root, Invariant($"gateway-{rows}")), limits, cancellationToken))
        {
            using var nginx = nginxBinary is null ? null : await NginxBaseline.StartAsync(nginxBinary, Path.Combine(root, "nginx"), gateway.DevDirectory, cancellationToken);
            using var bare = nginx is null ? null : BenchGateway.Client(nginx.Address, gateway.DevDirectory, "prevy-agent", 1);

            // Issue 17: the resident set of a gateway started and left idle (no request but the liveness probe's).
            await Task.Delay(IdleSettle, cancellationToken);
            idleMiB = gateway.Memory()?.ResidentMiB;
            report.Progress(Invariant($"gateway idle {IdleSettle.TotalSeconds:F0} s after its start: {idleMiB:F0} MiB resident"));

            // B1 (and B2 at N rows).
            var main = uploads[rows] = await UploadOnGatewayAsync(gateway, warmUp, files[rows], cancellationToken);
            report.Progress(Invariant($"uploaded {rows:N0} rows in {main.Seconds:F2} s, gateway peak {main.PeakMiB:F0} MiB"));
            if (bare is not null)
            {
                await PutAsync(bare, warmUp, "warm-up.csv", cancellationToken);
                var watch = Stopwatch.StartNew();
                await PutAsync(bare, files[rows], "adherents.csv", cancellationToken);
                bareUpload = watch.Elapsed.TotalSeconds;
            }

            // B3: the dataset downloaded as `cpom download` does (decrypted as it streams, SHA-256 checked).
            using (var carsat = gateway.CpomClient("carsat-lr-agent"))
            {
                await carsat.DownloadAsync(main.WarmUpId, AdherentsPurpose, null, Stream.Null, cancellationToken);
                var watch = Stopwatch.StartNew();
                var (_, sha) = await carsat.DownloadAsync(main.Id, AdherentsPurpose, null, Stream.Null, cancellationToken);
                download = watch.Elapsed.TotalSeconds;
                if (sha != main.Sha)
                {
                    report.Note("B3: the download's SHA-256 differs from the one the upload acknowledged.");
                }
            }
            if (bare is not null && nginx is not null)
            {
                File.Copy(warmUp, Path.Combine(nginx.WebRoot, "warm-up.csv"), overwrite: true);
                File.Copy(files[rows], Path.Combine(nginx.WebRoot, "adherents.csv"), overwrite: true);
                await BareDownloadAsync(bare, "warm-up.csv", cancellationToken);
                bareDownload = await BareDownloadAsync(bare, "adherents.csv", cancellationToken);
            }

            // B4: the inbox under 32 keep-alive clients, against nginx serving a JSON document of the same size.
            byte[] listing;
            using (var carsat = gateway.HttpClient("carsat-lr-agent"))
            {
                listing = await carsat.GetByteArrayAsync("api/v1/inbox", cancellationToken);
            }
            inboxBytes = listing.Length;
            report.Progress(Invariant($"inbox: {InboxClients} clients for {inboxSeconds} s"));
            inbox = await HammerAsync(i => gateway.HttpClient(i % 2 == 0 ? "carsat-lr-agent" : "carsat-lr-dpo"), "api/v1/inbox", inboxSeconds, cancellationToken);
            if (nginx is not null)
            {
                await File.WriteAllBytesAsync(Path.Combine(nginx.WebRoot, "inbox.json"), listing, cancellationToken);
                bareInbox = await HammerAsync(_ => BenchGateway.Client(nginx.Address, gateway.DevDirectory, "carsat-lr-agent", 1), "inbox.json", inboxSeconds, cancellationToken);
            }

            // B6: a 100-row signalements-pdp upload (validation, pseudonymised NIR column, subject index).
            report.Progress($"signalements-pdp: {pdpUploads} uploads of 100 rows");
            pdp = await SignalementsAsync(gateway, pdpUploads, cancellationToken);

            // B1 again: the same file on the same process, after B3, B4 and B6 (which it leaves as they were): a gateway that has
            // served uploads. The first one pays the tier-up of the hot code: the 1,000-row warm-up calls it too few times.
            using (var prevy = gateway.CpomClient("prevy-agent"))
            {
                var watch = Stopwatch.StartNew();
                await UploadAsync(prevy, files[rows], cancellationToken);
                uploadAgain = watch.Elapsed.TotalSeconds;
            }
            report.Progress(Invariant($"uploaded {rows:N0} rows again in {uploadAgain:F2} s"));
        }

        // B2 at N/10 and 5N rows: a fresh gateway process each, so that each peak is its own.
        foreach (var size in new[] { small, large })
        {
            report.Progress(Invariant($"gateway process for {size:N0} rows: starting"));
            await using var gateway = await GatewayProcess.StartAsync(Path.Combine(root, Invariant($"gateway-{size}")), limits, cancellationToken);
            var run = uploads[size] = await UploadOnGatewayAsync(gateway, warmUp, files[size], cancellationToken);
            report.Progress(Invariant($"uploaded {size:N0} rows in {run.Seconds:F2} s, gateway peak {run.PeakMiB:F0} MiB"));
        }

        // B5: the access-log suite's measurement, in this process.
        var log = await new AccessLogSuite(options, report).MeasureB5Async(Path.Combine(root, "access-log"), cancellationToken);

        // Issue 17: the B5 log's export verified by `cpom audit verify FILE`, the tool in a process of its own.
        report.Progress(Invariant($"cpom audit verify of the {log.VerifiedEntries:N0}-entry export ({new FileInfo(log.ExportPath).Length / MiB:F0} MiB)"));
        var offline = await OfflineAudit.VerifyAsync(log.ExportPath, cancellationToken);

        var table = new TransferTable();
        var upload = uploads[rows];
        var mb = Invariant($"{fileBytes / 1e6:F1} MB");

        report.Add("b1.upload", Invariant($"B1 upload {rows:N0} rows ({mb}), cpom's GatewayClient"), upload.Seconds, "s");
        report.Add("b1.rows", "B1 rows per second", rows / upload.Seconds, "rows/s");
        var b1Ratio = upload.Seconds / bareUpload;
        if (bareUpload is not null)
        {
            report.Add("b1.nginx", "B1 nginx: same file PUT", bareUpload.Value, "s");
            report.AddAtMost("b1.ratio", "B1 ratio gateway / nginx", b1Ratio!.Value, "x", UploadTarget);
        }
        var uploadTarget = SecondsPerMillion(rows, UploadSecondsPerMillion);
        var ratioTarget = $"≤ {Report.Format(UploadTarget)}× nginx (#9; #17's ambition)";
        table.Add(Invariant($"B1 upload, {rows:N0} rows ({mb}), through cpom's GatewayClient, the first after the gateway's start"),
            $"{Report.Format(upload.Seconds)} s ({Report.Format(rows / upload.Seconds)} rows/s)",
            bareUpload is null ? null : $"{Report.Format(bareUpload.Value)} s (PUT)", Times(b1Ratio),
            (uploadTarget.Text, upload.Seconds <= uploadTarget.Value), (ratioTarget, AtMost(b1Ratio, UploadTarget)));
        report.Add("b1.upload-again", "B1 the same upload again, same gateway process", uploadAgain, "s");
        var againRatio = uploadAgain / bareUpload;
        table.Add(Invariant($"B1 the same upload again on the same gateway process (its hot code tiered up)"),
            $"{Report.Format(uploadAgain)} s ({Report.Format(rows / uploadAgain)} rows/s)",
            bareUpload is null ? null : $"{Report.Format(bareUpload.Value)} s (PUT)", Times(againRatio),
            (uploadTarget.Text, uploadAgain <= uploadTarget.Value), (ratioTarget, AtMost(againRatio, UploadTarget)));

        if (idleMiB is { } idle)
        {
            report.AddAtMost("b2.idle", Invariant($"gateway resident set, idle {IdleSettle.TotalSeconds:F0} s after its start"), idle, "MiB", IdleTargetMiB);
            table.Add(Invariant($"Gateway resident set idle, {IdleSettle.TotalSeconds:F0} s after its start, before any upload"), Invariant($"{Report.Format(idle)} MiB"),
                target: Invariant($"≤ {IdleTargetMiB:F0} MiB (#17)"), met: idle <= IdleTargetMiB);
        }

        foreach (var size in sizes)
        {
            var run = uploads[size];
            if (run.PeakMiB is { } peak)
            {
                report.Add(Invariant($"b2.peak-{size}"), Invariant($"B2 gateway peak resident set (VmHWM), {size:N0} rows"), peak, "MiB");
                report.Add(Invariant($"b2.before-{size}"), "  resident before the upload (started, warmed up)", run.ResidentBeforeMiB ?? double.NaN, "MiB");
                report.Add(Invariant($"b2.upload-{size}"), "  upload time", run.Seconds, "s");
                table.Add(Invariant($"B2 gateway peak resident set, {size:N0} rows"),
                    Invariant($"{Report.Format(peak)} MiB ({Report.Format(peak * MiB / 1e6)} MB; {Report.Format(run.ResidentBeforeMiB ?? double.NaN)} MiB before the upload)"),
                    null, null, (Invariant($"≤ {PeakTargetMiB:F0} MiB (#17)"), peak <= PeakTargetMiB), ($"< {PeakTargetBytes / 1e6:F0} MB (#9)", peak * MiB < PeakTargetBytes));
            }
        }
        if (uploads[large].PeakMiB is { } largePeak && upload.PeakMiB is { } nPeak)
        {
            var flat = largePeak / nPeak;
            report.AddAtMost("b2.flat", Invariant($"B2 peak {large:N0} ÷ peak {rows:N0}"), flat, "x", FlatTarget);
            report.AddAtMost("b2.max", "B2 largest peak", sizes.Max(s => uploads[s].PeakMiB!.Value) * MiB / 1e6, "MB", PeakTargetBytes / 1e6);
            table.Add(Invariant($"B2 flatness: peak at {large:N0} ÷ peak at {rows:N0} rows"), Times(flat)!, target: $"≤ {Report.Format(FlatTarget)}×", met: flat <= FlatTarget);
        }
        else
        {
            report.Note("B2: /proc/<pid>/status could not be read (not Linux?): no memory figures.");
        }

        report.Add("b3.download", Invariant($"B3 download {rows:N0} rows, cpom's GatewayClient"), download, "s");
        var b3Ratio = download / bareDownload;
        if (bareDownload is not null)
        {
            report.Add("b3.nginx", "B3 nginx: same file GET", bareDownload.Value, "s");
            report.AddAtMost("b3.ratio", "B3 ratio gateway / nginx", b3Ratio!.Value, "x", DownloadTarget);
        }
        table.Add(Invariant($"B3 download, {rows:N0} rows, through cpom's GatewayClient"), $"{Report.Format(download)} s",
            bareDownload is null ? null : $"{Report.Format(bareDownload.Value)} s (GET)", Times(b3Ratio), $"≤ {Report.Format(DownloadTarget)}×", AtMost(b3Ratio, DownloadTarget));

        report.Add("b4.rate", Invariant($"B4 inbox ({inboxBytes:N0} bytes), {InboxClients} clients"), inbox.Rate, "req/s");
        report.Add("b4.p50", "B4 inbox p50", inbox.P50, "ms");
        report.Add("b4.p99", "B4 inbox p99", inbox.P99, "ms");
        var b4Ratio = inbox.Rate / bareInbox?.Rate;
        if (bareInbox is { } b)
        {
            report.Add("b4.nginx", "B4 nginx: static JSON, same size", b.Rate, "req/s");
            report.Add("b4.nginx-p50", "B4 nginx p50", b.P50, "ms");
            report.Add("b4.nginx-p99", "B4 nginx p99", b.P99, "ms");
            report.AddAtLeast("b4.ratio", "B4 ratio gateway / nginx", b4Ratio!.Value, "x", InboxTarget);
        }
        table.Add(Invariant($"B4 GET /api/v1/inbox ({inboxBytes:N0} bytes), {InboxClients} keep-alive clients with certificates"), inbox.Describe(),
            bareInbox is null ? null : "static JSON of that size: " + bareInbox.Describe(), Times(b4Ratio),
            (Invariant($"≥ {InboxRateTarget:N0} /s (#17)"), inbox.Rate >= InboxRateTarget), ($"≥ {Report.Format(InboxTarget)}× nginx (#9)", AtLeast(b4Ratio, InboxTarget)));

        report.AddAtLeast("b5.group-appends", Invariant($"B5 access-log appends, 1 controller, {log.GroupWriters} writers, group commit"), log.GroupAppendsPerSecond,
            "appends/s", AccessLogSuite.AppendTarget);
        report.Add("b5.group-appends-p99", "  latency p99", log.GroupP99Ms, "ms");
        report.Add("b5.appends", "B5 access-log appends, 1 controller, 1 writer (a commit each)", log.AppendsPerSecond, "appends/s");
        report.Add("b5.appends-p99", "  latency p99", log.AppendP99Ms, "ms");
        report.AddAtMost("b5.verify", Invariant($"B5 verify a log of {log.VerifiedEntries:N0} entries (VerifyAsync)"), log.VerifySeconds, "s", log.VerifyTargetSeconds);
        report.Note($"B5: the verified log says valid: {(log.Verification.Valid ? "yes" : "NO, " + log.Verification.Problem)}");
        table.Add(Invariant($"B5 access-log appends ({log.Appends:N0}, 1 controller, {log.GroupWriters} concurrent writers through the gateway's group commit, each waiting for its commit)"),
            $"{Report.Format(log.GroupAppendsPerSecond)} /s (p50 {Report.Format(log.GroupP50Ms)} ms, p99 {Report.Format(log.GroupP99Ms)} ms)",
            target: $"≥ {Report.Format(AccessLogSuite.AppendTarget)} /s", met: log.GroupAppendsPerSecond >= AccessLogSuite.AppendTarget);
        table.Add(Invariant($"B5 access-log appends ({log.Appends:N0}, 1 controller, 1 writer, a transaction and a commit each)"),
            $"{Report.Format(log.AppendsPerSecond)} /s (p50 {Report.Format(log.AppendP50Ms)} ms, p99 {Report.Format(log.AppendP99Ms)} ms)");
        report.Add("b5.verify-first", "  the first verification of that log, its code compiled on the way", log.FirstVerifySeconds, "s");
        var verifyTarget = SecondsPerMillion(log.VerifiedEntries, VerifySecondsPerMillion);
        table.Add(Invariant($"B5 verification of a log of {log.VerifiedEntries:N0} entries (VerifyAsync), in full, the log verified once before"),
            $"{Report.Format(log.VerifySeconds)} s{(log.Verification.Valid ? "" : " (INVALID)")} (the first: {Report.Format(log.FirstVerifySeconds)} s)", null, null,
            (verifyTarget.Text + " (#17)", log.Verification.Valid && log.VerifySeconds <= verifyTarget.Value),
            (log.VerifiedEntries == 1_000_000 ? "≤ 5 s (#9)" : $"≤ {Report.Format(log.VerifyTargetSeconds)} s (#9: 5 s per 1,000,000)",
                log.Verification.Valid && log.VerifySeconds <= log.VerifyTargetSeconds));
        // Proportional to the new entries: read no more than them and the checkpoint interval before them, in a time that follows them.
        foreach (var run in log.Incremental)
        {
            var proportional = run.Result.Valid && run.Result.EntriesChecked <= run.Added + AccessLogSuite.CheckpointEveryEntries;
            report.Add(Invariant($"b5.incremental-{run.Added}"), Invariant($"B5 verification from the last verified checkpoint, {run.Added:N0} new entries"), run.Seconds, "s");
            table.Add(Invariant($"B5 verification from the last verified checkpoint ({run.FromSize:N0} entries), after {run.Added:N0} new entries (VerifySinceLastAsync)"),
                Invariant($"{Report.Format(run.Seconds)} s, {run.Result.EntriesChecked:N0} entries read{(run.Result.Valid ? "" : " (INVALID)")}"),
                target: Invariant($"the new entries only (≤ {run.Added + AccessLogSuite.CheckpointEveryEntries:N0} read) (#17)"), met: proportional);
        }

        var offlineTarget = SecondsPerMillion(log.VerifiedEntries, OfflineSecondsPerMillion);
        report.AddAtMost("b5.offline", Invariant($"cpom audit verify FILE, {log.VerifiedEntries:N0}-entry export"), offline.Seconds, "s", offlineTarget.Value);
        report.AddAtMost("b5.offline-peak", "  its peak resident set", offline.PeakMiB ?? double.NaN, "MiB", OfflinePeakTargetMiB);
        report.Note($"B5 offline: cpom said (exit {offline.ExitCode}): {offline.FirstLine}");
        table.Add(Invariant($"Offline `cpom audit verify FILE` of that log's export ({log.VerifiedEntries:N0} entries, {new FileInfo(log.ExportPath).Length / MiB:F0} MiB of JSON Lines), the tool in a process of its own"),
            Invariant($"{Report.Format(offline.Seconds)} s, peak resident set {(offline.PeakMiB is { } p ? Report.Format(p) + " MiB" : "not read")}{(offline.Intact ? "" : $" (exit {offline.ExitCode}: {offline.FirstLine})")}"),
            target: Invariant($"{offlineTarget.Text} and ≤ {OfflinePeakTargetMiB:F0} MiB (#17)"),
            met: offline.Intact && offline.Seconds <= offlineTarget.Value && offline.PeakMiB is { } offlinePeak && offlinePeak <= OfflinePeakTargetMiB);

        var sorted = pdp.Order().ToArray();
        var (p50, p99) = (BenchGateway.Percentile(sorted, 0.5), BenchGateway.Percentile(sorted, 0.99));
        report.Add("b6.p50", $"B6 signalements-pdp 100 rows p50 ({pdpUploads} uploads)", p50, "ms");
        report.Add("b6.p99", "B6 signalements-pdp 100 rows p99", p99, "ms");
        table.Add($"B6 signalements-pdp upload, 100 rows ({pdpUploads} uploads), through cpom's GatewayClient",
            $"p50 {Report.Format(p50)} ms, p99 {Report.Format(p99)} ms");

        report.Note("The gateway runs in a process of its own (dotnet CpomExchange.Gateway.dll); B2 is that process's peak resident set (VmHWM in /proc/<pid>/status), a fresh process per size.");
        report.Note("Uploads and downloads go through cpom's GatewayClient, as `cpom upload` and `cpom download` do; nginx stores its copy with WebDAV PUT.");
        report.Note("B5 is the access-log suite's measurement (SQLite as the gateway writes its log), in the benchmark's process.");
        report.EndSuite();

        string[] preamble =
        [
            .. options.Smoke ? new[] { "**Smoke sizes**: this run checks that the command works; its figures are not those issues #9 and #17 ask for." } : [],
            Invariant($"Written by the benchmark on {started:yyyy-MM-dd HH:mm} UTC; its next run replaces everything between the markers."),
            $"Command: `{BenchmarksFile.Command(options)}`",
            Invariant($"Machine: {machine.Cpu}, {machine.LogicalProcessors} logical processors, {machine.Memory} of memory; {machine.OperatingSystem}; load average at the start {machine.LoadAverage}."),
            $"Software: {machine.Runtime}; {(nginxVersion is null ? $"nginx not installed ({NginxBaseline.InstallCommand}): no baseline" : nginxVersion)}.",
            Invariant($"Gateway: a process of its own (`DOTNET_ReadyToRun={GatewayProcess.ReadyToRun} dotnet CpomExchange.Gateway.dll --environment Development`: Kestrel with mutual TLS, SQLite, local keys, {GatewayProcess.GarbageCollector}), ")
                + Invariant($"a fresh one for each B2 size; B1, B3, B4 and B6 ran on the {rows:N0}-row one. The clients run in the benchmark's process, on the same processors."),
            "Baseline: nginx with mutual TLS against the same CA and server certificate, storing uploads with WebDAV `PUT` and serving the same files from a folder.",
            Invariant($"B5: in the benchmark's process, no HTTP, SQLite in WAL mode with an fsync per commit: {log.Appends:N0} appends by {log.GroupWriters} concurrent writers through the gateway's group commit ")
                + Invariant($"(`AccessLogBatcher`, as the gateway writes the entries of listings, reads, downloads and refusals: the entries waiting together share a transaction), ")
                + Invariant($"{log.Appends:N0} appends by one writer with a transaction each (as an upload's entry rides in its own transaction), then a log of {log.VerifiedEntries:N0} entries filled and verified, ")
                + Invariant($"exported as the audit API streams it, and grown by {string.Join(", then ", AccessLogSuite.IncrementalSizes(log.VerifiedEntries).Select(n => n.ToString("N0", CultureInfo.InvariantCulture)))} entries, each time verified from the last checkpoint verified before."),
            Invariant($"Targets: issue 17's (#17) where it sets one, beside issue 9's (#9); a target given per 1,000,000 rows or entries is scaled to the size measured. `cpom audit verify FILE` runs as `dotnet cpom.dll` from the benchmark's binaries."),
        ];
        var markdown = table.Markdown(preamble);
        report.Write(Environment.NewLine + "Table for BENCHMARKS.md:" + Environment.NewLine + Environment.NewLine + markdown + Environment.NewLine);
        return BenchmarksFile.Write(options, report, markdown, TransferTable.BeginMarker, TransferTable.EndMarker);
    }

    /// <summary>One gateway process: a warm-up upload, then the file's, timed, with the process's memory before and its peak after.</summary>
    private static async Task<UploadRun> UploadOnGatewayAsync(GatewayProcess gateway, string warmUp, string file, CancellationToken cancellationToken)
    {
        using var prevy = gateway.CpomClient("prevy-agent");
        // Warm-up: JIT, TLS session, SQLite pages.
        var (warmUpId, _) = await UploadAsync(prevy, warmUp, cancellationToken);
        var before = gateway.Memory();
        var watch = Stopwatch.StartNew();
        var (id, sha) = await UploadAsync(prevy, file, cancellationToken);
        var seconds = watch.Elapsed.TotalSeconds;
        var after = gateway.Memory();
        return new UploadRun(warmUpId, id, sha, seconds, before?.ResidentMiB, after?.PeakMiB);
    }

    // What `cpom upload FILE --type adherents --to carsat-lr --purpose sinistralite` does
    // (CpomCli.UploadCommand without a terminal, hence without a progress bar).
    internal static async Task<(string Id, string Sha)> UploadAsync(GatewayClient client, string file, CancellationToken cancellationToken)
    {
        await using var stream = new FileInfo(file).OpenRead();
        var answer = await client.UploadAsync(stream, AdherentsType, AdherentsRecipient, AdherentsPurpose, null, null, null, cancellationToken);
        var info = GatewayClient.ToDataset(answer);
        return (info.Id, info.Sha256);
    }

    private static async Task<double[]> SignalementsAsync(GatewayProcess gateway, int count, CancellationToken cancellationToken)
    {
        using var pdp = gateway.CpomClient("cist971-pdp");
        var signalements = Encoding.UTF8.GetBytes(SignalementsCsv(100));
        var latencies = new double[count];
        for (var i = -1; i < count; i++)
        {
            var watch = Stopwatch.StartNew();
            using var content = new MemoryStream(signalements, writable: false);
            await pdp.UploadAsync(content, "signalements-pdp", "cgss-guadeloupe", "pdp", null, null, null, cancellationToken);
            if (i >= 0)
            {
                // The first upload (i = -1) is a warm-up.
                latencies[i] = watch.Elapsed.TotalMilliseconds;
            }
        }
        return latencies;
    }

    internal static async Task<string> WriteAdherentsAsync(string path, int rows, CancellationToken cancellationToken)
    {
        await using var writer = new StreamWriter(path, append: false, new UTF8Encoding(false), 1 << 16);
        await writer.WriteAsync("siret;raison_sociale\r\n");
        var n = 0;
        foreach (var siret in SiretGenerator.Enumerate(rows))
        {
            await writer.WriteAsync(siret);
            await writer.WriteAsync(n++ % 2 == 0 ? ";ENTREPRISE\r\n" : ";SOCIETE\r\n");
            cancellationToken.ThrowIfCancellationRequested();
        }
        return path;
    }

    private static async Task PutAsync(HttpClient client, string file, string name, CancellationToken cancellationToken)
    {
        await using var stream = File.OpenRead(file);
        using var content = new StreamContent(stream, 1 << 16);
        using var response = await client.PutAsync("upload/" + name, content, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"nginx PUT answered {(int)response.StatusCode}.");
        }
    }

    // nginx's side of B3: the file read and hashed as GatewayClient.DownloadAsync does.
    private static async Task<double> BareDownloadAsync(HttpClient client, string path, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        using var response = await client.GetAsync(path, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        await ExpectAsync(response, HttpStatusCode.OK, cancellationToken);
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[81920];
        int read;
        while ((read = await body.ReadAsync(buffer, cancellationToken)) > 0)
        {
            hash.AppendData(buffer, 0, read);
        }
        _ = hash.GetHashAndReset();
        return watch.Elapsed.TotalSeconds;
    }

    /// <summary>32 clients, each with one keep-alive connection, GET the path in a loop for the given time.</summary>
    internal static async Task<Hammered> HammerAsync(Func<int, HttpClient> clientFactory, string path, int seconds, CancellationToken cancellationToken)
    {
        var clients = Enumerable.Range(0, InboxClients).Select(clientFactory).ToArray();
        try
        {
            // Handshakes first, outside the measured time.
            await Task.WhenAll(clients.Select(c => c.GetByteArrayAsync(path, cancellationToken)));
            var all = new List<double>[clients.Length];
            var stop = Stopwatch.StartNew();
            await Task.WhenAll(clients.Select(async (client, index) =>
            {
                var mine = all[index] = [];
                while (stop.Elapsed.TotalSeconds < seconds)
                {
                    var watch = Stopwatch.StartNew();
                    using var response = await client.GetAsync(path, cancellationToken);
                    await ExpectAsync(response, HttpStatusCode.OK, cancellationToken);
                    _ = await response.Content.ReadAsByteArrayAsync(cancellationToken);
                    mine.Add(watch.Elapsed.TotalMilliseconds);
                }
            }));
            var elapsed = stop.Elapsed.TotalSeconds;
            var sorted = all.SelectMany(l => l).Order().ToArray();
            return new Hammered(sorted.Length / elapsed, BenchGateway.Percentile(sorted, 0.5), BenchGateway.Percentile(sorted, 0.99));
        }
        finally
        {
            foreach (var client in clients)
            {
                client.Dispose();
            }
        }
    }

    private static async Task ExpectAsync(HttpResponseMessage response, HttpStatusCode expected, CancellationToken cancellationToken)
    {
        if (response.StatusCode != expected)
        {
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            throw new InvalidOperationException($"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri?.AbsolutePath} answered {(int)response.StatusCode}: {body[..Math.Min(body.Length, 400)]}");
        }
    }

    /// <summary>The sample signalement's columns with <paramref name="rows"/> distinct valid NIRs.</summary>
    private static string SignalementsCsv(int rows)
    {
        var text = new StringBuilder("nir;nom;prenom;date_naissance;telephone;email;siret_employeur;en_arret;date_debut_arret;motif;niveau_complexite;consentement;date_consentement;emetteur_nom;emetteur_contact\r\n");
        for (var i = 1; i <= rows; i++)
        {
            var body = 2_931_165_624_000L + i;
            var key = 97 - (body % 97);
            text.Append(CultureInfo.InvariantCulture, $"{body}{key:00};EXEMPLE;Camille;14/06/1971;06 00 00 00 01;camille.exemple@example.org;79402654223514;oui;02/01/2026;Restrictions d'aptitude, risque d'inaptitude au poste;T3A;oui;09/01/2026;Dr Anne Lefèvre;cellule-pdp@spsti.example\r\n");
        }
        return text.ToString();
    }

    // Null (nothing to compare with) when there is no ratio, not "missed".
    private static bool? AtMost(double? ratio, double target) => ratio is { } value ? value <= target : null;

    private static bool? AtLeast(double? ratio, double target) => ratio is { } value ? value >= target : null;

    private static string? Times(double? ratio) => ratio is null ? null : $"{Report.Format(ratio.Value)}×";

    // A time issue 17 gives for 1,000,000 rows or entries, scaled to the size measured.
    private static (double Value, string Text) SecondsPerMillion(long count, double seconds)
    {
        var value = count / 1e6 * seconds;
        return (value, count == 1_000_000 ? $"≤ {Report.Format(value)} s" : Invariant($"≤ {Report.Format(value)} s (scaled to {count:N0})"));
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    /// <summary>An upload on one gateway process: the warm-up's dataset, the measured one, its time and the process's memory.</summary>
    private sealed record UploadRun(string WarmUpId, string Id, string Sha, double Seconds, double? ResidentBeforeMiB, double? PeakMiB);

    /// <summary>Requests per second and latencies of 32 clients.</summary>
    internal sealed record Hammered(double Rate, double P50, double P99)
    {
        public string Describe() => $"{Report.Format(Rate)} req/s (p50 {Report.Format(P50)} ms, p99 {Report.Format(P99)} ms)";
    }
}
