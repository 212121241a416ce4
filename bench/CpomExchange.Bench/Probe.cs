using System.Diagnostics;

namespace CpomExchange.Bench;

/// <summary>Elapsed time, bytes allocated, collections and peak working set since it was started.</summary>
internal sealed class Probe
{
    private readonly long _start;
    private readonly long _allocated;
    private readonly int _gen2;
    private readonly TimeSpan _cpu;

    private Probe()
    {
        _allocated = GC.GetTotalAllocatedBytes(precise: true);
        _gen2 = GC.CollectionCount(2);
        _cpu = ProcessorTime;
        _start = Stopwatch.GetTimestamp();
    }

    /// <summary>
    /// Starts measuring. With <paramref name="resetPeak"/>, collects first and, on Linux, resets the
    /// process's peak resident set (VmHWM) so that <see cref="PeakWorkingSetMiB"/> is this step's.
    /// </summary>
    public static Probe Start(bool resetPeak = false)
    {
        if (resetPeak)
        {
            Collect();
            PeakResettable = TryResetPeak();
        }
        return new Probe();
    }

    /// <summary>Whether the last reset of the peak worked (else the peak is the whole process's).</summary>
    public static bool PeakResettable { get; private set; }

    public double Seconds => Stopwatch.GetElapsedTime(_start).TotalSeconds;

    /// <summary>Processor time of the whole process (every thread, the GC's included) since the start.</summary>
    public double CpuSeconds => (ProcessorTime - _cpu).TotalSeconds;

    public long AllocatedBytes => GC.GetTotalAllocatedBytes(precise: true) - _allocated;

    public int Gen2Collections => GC.CollectionCount(2) - _gen2;

    public static double PeakWorkingSetMiB
    {
        get
        {
            using var process = Process.GetCurrentProcess();
            return process.PeakWorkingSet64 / (1024.0 * 1024.0);
        }
    }

    public static double WorkingSetMiB
    {
        get
        {
            using var process = Process.GetCurrentProcess();
            return process.WorkingSet64 / (1024.0 * 1024.0);
        }
    }

    private static TimeSpan ProcessorTime
    {
        get
        {
            using var process = Process.GetCurrentProcess();
            return process.TotalProcessorTime;
        }
    }

    public static void Collect()
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
    }

    // Linux: writing 5 to /proc/self/clear_refs resets the peak RSS (VmHWM), which PeakWorkingSet64 reads.
    private static bool TryResetPeak()
    {
        if (!OperatingSystem.IsLinux())
        {
            return false;
        }
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
