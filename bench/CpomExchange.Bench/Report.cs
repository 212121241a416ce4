using System.Diagnostics;
using System.Globalization;
using System.Runtime;
using System.Runtime.InteropServices;

namespace CpomExchange.Bench;

/// <summary>A measured figure, with its target when the project set one.</summary>
internal sealed record Figure(string Suite, string Name, string Label, double Value, string Unit, string? Target, bool? Met);

/// <summary>
/// Prints progress while a suite runs, a table per suite (figure, value, unit, target), and at the
/// end one machine line per figure: <c>bench: name=value unit</c>.
/// </summary>
internal sealed class Report(TextWriter output)
{
    private const int ValueWidth = 14;
    private const int UnitWidth = 11;

    private readonly List<Figure> _figures = [];
    private readonly List<string> _notes = [];
    private readonly long _started = Stopwatch.GetTimestamp();
    private string _suite = "";

    public void Header(BenchOptions options, string root)
    {
        output.WriteLine($"CpomExchange benchmarks: {options.Suite}{(options.Smoke ? " (smoke sizes)" : "")}");
        output.WriteLine($"  {RuntimeInformation.FrameworkDescription}, {RuntimeInformation.OSDescription}, {RuntimeInformation.ProcessArchitecture}");
        output.WriteLine($"  {Environment.ProcessorCount} logical processor(s), {(GCSettings.IsServerGC ? "server" : "workstation")} GC, "
            + $"{(IsOptimised ? "optimised build" : "DEBUG BUILD: figures are meaningless, use -c Release")}");
        output.WriteLine($"  temporary state folder: {root}");
        output.WriteLine();
    }

    public void BeginSuite(string suite, string sizes)
    {
        _suite = suite;
        _notes.Clear();
        output.WriteLine($"== {suite} ({sizes})");
    }

    /// <summary>A line of progress, with the time since the start.</summary>
    public void Progress(string message)
    {
        output.WriteLine($"  [{Stopwatch.GetElapsedTime(_started).TotalSeconds,7:F1} s] {message}");
    }

    /// <summary>Prints text as it is (a block after a suite's table).</summary>
    public void Write(string text) => output.Write(text);

    /// <summary>A remark printed under the suite's table (a check, a caveat).</summary>
    public void Note(string note) => _notes.Add(note);

    public void Add(string name, string label, double value, string unit) =>
        _figures.Add(new Figure(_suite, name, label, value, unit, null, null));

    public void AddAtLeast(string name, string label, double value, string unit, double target) =>
        _figures.Add(new Figure(_suite, name, label, value, unit, $">= {Format(target)} {unit}", value >= target));

    public void AddAtMost(string name, string label, double value, string unit, double target) =>
        _figures.Add(new Figure(_suite, name, label, value, unit, $"<= {Format(target)} {unit}", value <= target));

    public void EndSuite()
    {
        var figures = _figures.Where(f => f.Suite == _suite).ToList();
        var labelWidth = figures.Select(f => f.Label.Length).DefaultIfEmpty(6).Max();
        output.WriteLine();
        output.WriteLine($"{"figure".PadRight(labelWidth)} {"value",ValueWidth} {"unit",-UnitWidth} target");
        output.WriteLine(new string('-', labelWidth + ValueWidth + UnitWidth + 30));
        foreach (var f in figures)
        {
            var target = f.Target is null ? "" : $"{f.Target} {(f.Met == true ? "met" : "MISSED")}";
            output.WriteLine($"{f.Label.PadRight(labelWidth)} {Format(f.Value),ValueWidth} {f.Unit,-UnitWidth} {target}".TrimEnd());
        }
        foreach (var note in _notes)
        {
            output.WriteLine($"  * {note}");
        }
        output.WriteLine();
    }

    public void PrintMachineLines()
    {
        foreach (var f in _figures)
        {
            var value = f.Value.ToString(Math.Abs(f.Value) >= 100 || f.Value == Math.Floor(f.Value) ? "F0" : "0.###", CultureInfo.InvariantCulture);
            output.WriteLine($"bench: {f.Suite}.{f.Name}={value} {f.Unit}");
        }
    }

    public static string Format(double value)
    {
        var magnitude = Math.Abs(value);
        var format = magnitude >= 100 || value == Math.Floor(value) ? "N0" : magnitude >= 10 ? "N1" : magnitude >= 1 ? "N2" : "0.###";
        return value.ToString(format, CultureInfo.InvariantCulture);
    }

#if DEBUG
    private const bool IsOptimised = false;
#else
    private const bool IsOptimised = true;
#endif
}
