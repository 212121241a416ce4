using System.Diagnostics;
using System.Globalization;

namespace CpomExchange.Bench.Transfer;

/// <summary>
/// <c>gateway-figures [--rows N] [--uploads K] [--inbox-seconds S] [--skip-inbox] [--production] [--trace DIR]</c>: issue 17's figures of the gateway process alone,
/// without nginx and B5, so that GC settings (<c>DOTNET_*</c> variables of the shell are inherited by the gateway's
/// process) and code changes can be compared quickly: its resident set idle after start, B1's upload of N rows
/// (default 1,000,000) with the gateway's processor time, its peak resident set, and B4's listings with the
/// gateway's processor time per listing. The load average is printed at each step: the machine is shared.
/// <c>--production</c> runs the gateway in the Production environment (no developer exception page) with the same
/// development PKI and local keys (<see cref="GatewayProcess.StartAsync"/>). <c>--uploads K</c> uploads the N rows K times
/// (default 1) on the same process, one line each: the first pays the tier-up of the hot code, the later ones are a
/// gateway that has served uploads before.
/// </summary>
internal static class GatewayFigures
{
    public const string Command = "gateway-figures";

    public static async Task<int> RunAsync(string[] args)
    {
        string? Option(string name) => Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : null;
        var rows = int.Parse(Option("--rows") ?? "1000000", CultureInfo.InvariantCulture);
        var inboxSeconds = int.Parse(Option("--inbox-seconds") ?? "10", CultureInfo.InvariantCulture);
        var root = Path.Combine(Path.GetTempPath(), "cpom-bench-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(root);
        var gc = string.Join(" ", Environment.GetEnvironmentVariables().Keys.Cast<string>().Where(k => k.StartsWith("DOTNET_GC", StringComparison.OrdinalIgnoreCase)
            || k.StartsWith("DOTNET_gc", StringComparison.Ordinal)).Order().Select(k => $"{k}={Environment.GetEnvironmentVariable(k)}"));
        var production = args.Contains("--production");
        Console.WriteLine($"{Command}: rows {rows:N0}, {GatewayProcess.GarbageCollector} in the runtimeconfig, environment: {(gc.Length == 0 ? "(no DOTNET_GC*)" : gc)}, DOTNET_ReadyToRun={GatewayProcess.ReadyToRun}; "
            + $"gateway in {(production ? "Production" : "Development")}; load average {Load()}");
        try
        {
            var warmUp = await TransferSuite.WriteAdherentsAsync(Path.Combine(root, "warm-up.csv"), 1_000, CancellationToken.None);
            var file = await TransferSuite.WriteAdherentsAsync(Path.Combine(root, "rows.csv"), rows, CancellationToken.None);
            string[] limits =
            [
                "--Cpom:Limits:MaxRows", Math.Max(rows, 5_000_000).ToString(CultureInfo.InvariantCulture),
                "--Cpom:Limits:MaxBodyBytes", Math.Max(512L * 1024 * 1024, 2 * new FileInfo(file).Length).ToString(CultureInfo.InvariantCulture),
            ];
            var starting = Stopwatch.StartNew();
            await using var gateway = await GatewayProcess.StartAsync(Path.Combine(root, "gateway"), limits, production, CancellationToken.None);
            var started = starting.Elapsed.TotalSeconds;
            var startCpu = Cpu(gateway.ProcessId);
            await Task.Delay(TimeSpan.FromSeconds(5));
            var idle = gateway.Memory();
            Console.WriteLine(Invariant($"started: answering /health/live after {started:F2} s, gateway processor time {startCpu:F2} s (+5 s: {Cpu(gateway.ProcessId):F2} s)"));
            Console.WriteLine(Invariant($"idle after start (+5 s): resident {idle?.ResidentMiB:F1} MiB, peak {idle?.PeakMiB:F1} MiB; load average {Load()}"));

            using var prevy = gateway.CpomClient("prevy-agent");
            await TransferSuite.UploadAsync(prevy, warmUp, CancellationToken.None);
            var warm = gateway.Memory();
            var trace = Option("--trace");
            using (var tracing = trace is null ? null : await StartTraceAsync(gateway.ProcessId, Path.Combine(trace, "b1.nettrace"), 600))
            {
                var uploads = int.Parse(Option("--uploads") ?? "1", CultureInfo.InvariantCulture);
                for (var upload = 1; upload <= uploads; upload++)
                {
                    var cpu0 = Cpu(gateway.ProcessId);
                    var clientCpu0 = Process.GetCurrentProcess().TotalProcessorTime;
                    var watch = Stopwatch.StartNew();
                    await TransferSuite.UploadAsync(prevy, file, CancellationToken.None);
                    var seconds = watch.Elapsed.TotalSeconds;
                    var cpu = Cpu(gateway.ProcessId) - cpu0;
                    var clientCpu = (Process.GetCurrentProcess().TotalProcessorTime - clientCpu0).TotalSeconds;
                    var after = gateway.Memory();
                    Console.WriteLine(Invariant($"B1 upload {upload} of {uploads}, {rows:N0} rows: {seconds:F2} s wall ({rows / seconds:N0} rows/s), gateway processor time {cpu:F2} s ({cpu * 1e6 / rows:F2} us per row), ")
                        + Invariant($"client (this process: TLS, reading the file) {clientCpu:F2} s ({clientCpu * 1e6 / rows:F2} us per row); ")
                        + Invariant($"resident before {warm?.ResidentMiB:F1} MiB, peak {after?.PeakMiB:F1} MiB; load average {Load()}"));
                }
                await StopTraceAsync(tracing);
            }

            if (!args.Contains("--skip-inbox"))
            {
                using var tracing = trace is null ? null : await StartTraceAsync(gateway.ProcessId, Path.Combine(trace, "b4.nettrace"), inboxSeconds);
                var cpu0 = Cpu(gateway.ProcessId);
                var watch = Stopwatch.StartNew();
                var selfCpu0 = Process.GetCurrentProcess().TotalProcessorTime;
                watch.Restart();
                var inbox = await TransferSuite.HammerAsync(i => gateway.HttpClient(i % 2 == 0 ? "carsat-lr-agent" : "carsat-lr-dpo"), "api/v1/inbox", inboxSeconds, CancellationToken.None);
                var total = inbox.Rate * inboxSeconds;
                var cpu = Cpu(gateway.ProcessId) - cpu0;
                var clientsCpu = (Process.GetCurrentProcess().TotalProcessorTime - selfCpu0).TotalSeconds;
                Console.WriteLine(Invariant($"B4 inbox, 32 clients, {inboxSeconds} s: {inbox.Describe()}; gateway processor time {cpu * 1000 / total:F3} ms per listing ")
                    + Invariant($"(of the handshakes and listings, {cpu:F1} s), clients {clientsCpu * 1000 / total:F3} ms per listing; peak {gateway.Memory()?.PeakMiB:F1} MiB; load average {Load()}"));
                await StopTraceAsync(tracing);
            }
            return 0;
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    /// <summary>dotnet-trace (a global tool) sampling the gateway's threads, until <see cref="StopTraceAsync"/>.</summary>
    private static async Task<Process> StartTraceAsync(int pid, string output, int seconds)
    {
        var tool = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".dotnet", "tools", "dotnet-trace");
        var start = new ProcessStartInfo(tool) { UseShellExecute = false, RedirectStandardOutput = true };
        foreach (var a in new[] { "collect", "-p", pid.ToString(CultureInfo.InvariantCulture), "--profile", "dotnet-sampled-thread-time", "-o", output, "--duration", TimeSpan.FromSeconds(seconds).ToString("c", CultureInfo.InvariantCulture) })
        {
            start.ArgumentList.Add(a);
        }
        var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet-trace did not start");
        _ = process.StandardOutput.ReadToEndAsync();
        await Task.Delay(TimeSpan.FromSeconds(3));
        Console.WriteLine($"tracing {pid} to {output} (dotnet-trace {process.Id})");
        return process;
    }

    private static async Task StopTraceAsync(Process? tracing)
    {
        if (tracing is null)
        {
            return;
        }
        // dotnet-trace stops on Ctrl+C (its duration is only a bound), then writes the file: the trace covers
        // the measured step and nothing after it.
        if (!tracing.HasExited)
        {
            using var interrupt = Process.Start("kill", ["-INT", tracing.Id.ToString(CultureInfo.InvariantCulture)]);
            await interrupt.WaitForExitAsync();
        }
        await tracing.WaitForExitAsync();
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private static string Load() => File.Exists("/proc/loadavg") ? string.Join(" / ", File.ReadAllText("/proc/loadavg").Split(' ')[..3]) : "?";

    /// <summary>A process's processor time (user and system, seconds) from /proc/&lt;pid&gt;/stat.</summary>
    private static double Cpu(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        // Fields 14 and 15 of stat (utime, stime), counted here from field 3.
        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        return ticks / 100.0;
    }
}
