using System.Globalization;
using System.Runtime.InteropServices;

namespace CpomExchange.Bench;

/// <summary>What the figures were measured on, as written beside them in BENCHMARKS.md.</summary>
internal sealed record Machine(string Cpu, int LogicalProcessors, string Memory, string OperatingSystem, string Runtime, string LoadAverage)
{
    /// <summary>Reads the description from /proc and /etc/os-release (Linux); "unknown" where they are missing.</summary>
    public static Machine Describe()
    {
        var cpu = FirstValue("/proc/cpuinfo", "model name", ':') ?? RuntimeInformation.ProcessArchitecture.ToString();
        var memory = "unknown";
        var total = FirstValue("/proc/meminfo", "MemTotal", ':');
        if (total is not null && long.TryParse(total.Split(' ')[0], NumberStyles.None, CultureInfo.InvariantCulture, out var kib))
        {
            memory = string.Create(CultureInfo.InvariantCulture, $"{kib / (1024.0 * 1024.0):F1} GiB");
        }
        var os = FirstValue("/etc/os-release", "PRETTY_NAME", '=')?.Trim('"') ?? RuntimeInformation.OSDescription;
        var kernel = ReadFirstLine("/proc/sys/kernel/osrelease");
        if (kernel is not null)
        {
            os += $", Linux {kernel}";
        }
        var load = ReadFirstLine("/proc/loadavg") is { } line ? string.Join(" / ", line.Split(' ').Take(3)) : "unknown";
        var runtime = $"{RuntimeInformation.FrameworkDescription} ({RuntimeInformation.ProcessArchitecture})";
        return new Machine(cpu, Environment.ProcessorCount, memory, os, runtime, load);
    }

    private static string? ReadFirstLine(string path)
    {
        try
        {
            return File.ReadLines(path).FirstOrDefault()?.Trim();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Not Linux.
            return null;
        }
    }

    // The value of the first line "key<separator>value" of a text file, or null.
    private static string? FirstValue(string path, string key, char separator)
    {
        try
        {
            foreach (var line in File.ReadLines(path))
            {
                var at = line.IndexOf(separator, StringComparison.Ordinal);
                if (at > 0 && line[..at].Trim() == key)
                {
                    var value = line[(at + 1)..].Trim();
                    return value.Length == 0 ? null : value;
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Not Linux, or hidden: described as unknown.
        }
        return null;
    }
}
