using System.Diagnostics;

namespace CpomExchange.Bench.Transfer;

/// <summary>
/// <c>cpom audit verify FILE</c> as a DPO runs it on an export (issue 17): the tool in a process of its own
/// (<c>cpom.dll</c>, beside the benchmark's binaries since the benchmark references the CLI's project), timed from
/// its start to its exit, its peak resident set (VmHWM) read from <c>/proc</c> while it runs.
/// </summary>
internal static class OfflineAudit
{
    private const string CpomDll = "cpom.dll";
    private static readonly TimeSpan PollEvery = TimeSpan.FromMilliseconds(5);

    public static async Task<OfflineAuditRun> VerifyAsync(string export, CancellationToken cancellationToken)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, CpomDll);
        if (!File.Exists(dll))
        {
            throw new InvalidOperationException($"{dll} not found: build the benchmark (it references the CLI's project).");
        }
        var start = new ProcessStartInfo(GatewayProcess.DotnetHost())
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { dll, "audit", "verify", export })
        {
            start.ArgumentList.Add(argument);
        }
        using var process = new Process { StartInfo = start };
        var watch = Stopwatch.StartNew();
        if (!process.Start())
        {
            throw new InvalidOperationException("cpom did not start.");
        }
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        var exited = process.WaitForExitAsync(cancellationToken);
        double? peak = null;
        while (!exited.IsCompleted)
        {
            // The peak only grows: the last reading before the exit is the run's, give or take the last few milliseconds.
            if (GatewayProcess.Memory(process.Id) is { } memory)
            {
                peak = memory.PeakMiB;
            }
            await Task.WhenAny(exited, Task.Delay(PollEvery, cancellationToken));
        }
        await exited;
        var seconds = watch.Elapsed.TotalSeconds;
        var said = (await output).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return new OfflineAuditRun(seconds, peak, process.ExitCode, said.FirstOrDefault() ?? (await error).Trim());
    }
}

/// <summary>One run of <c>cpom audit verify FILE</c>: wall time, peak resident set (null off Linux), exit code and its first line.</summary>
internal sealed record OfflineAuditRun(double Seconds, double? PeakMiB, int ExitCode, string FirstLine)
{
    /// <summary>cpom's exit code for an export found intact.</summary>
    public bool Intact => ExitCode == 0;
}
