using System.Text;

namespace CpomExchange.Bench.Transfer;

/// <summary>
/// The figures of issues #9 (B1–B6) and #17, one row each: measured value, baseline, ratio, target(s) and
/// whether each is met; rendered as Markdown and written into BENCHMARKS.md between its two markers (<see cref="BenchmarksFile"/>).
/// </summary>
internal sealed class TransferTable
{
    public const string BeginMarker = "<!-- bench:transfer:begin -->";
    public const string EndMarker = "<!-- bench:transfer:end -->";

    private const string None = "—";

    private readonly List<string[]> _rows = [];

    /// <summary>A row; <paramref name="met"/> is null when there is no target or nothing to compare with.</summary>
    public void Add(string figure, string measured, string? baseline = null, string? ratio = null, string? target = null, bool? met = null) =>
        _rows.Add([figure, measured, baseline ?? None, ratio ?? None, target ?? None, Result(target, met)]);

    /// <summary>A row with two targets (issue 17's, then an older one or an ambition), each with its result, in that order.</summary>
    public void Add(string figure, string measured, string? baseline, string? ratio, (string Text, bool? Met) target, (string Text, bool? Met) other) =>
        _rows.Add([figure, measured, baseline ?? None, ratio ?? None, $"{target.Text}; {other.Text}", $"{Result(target.Text, target.Met)}; {Result(other.Text, other.Met)}"]);

    private static string Result(string? target, bool? met) => met switch
    {
        true => "met",
        false => "**missed**",
        null => target is null ? "" : "not measured",
    };

    /// <summary>The Markdown written between the markers: <paramref name="preamble"/> (one list item each), then the table.</summary>
    public string Markdown(IEnumerable<string> preamble)
    {
        var text = new StringBuilder();
        foreach (var line in preamble)
        {
            text.Append("- ").Append(line).Append('\n');
        }
        text.Append('\n');
        text.Append("| figure | measured | baseline (nginx) | ratio | target | result |\n");
        text.Append("|---|---:|---:|---:|---|---|\n");
        foreach (var row in _rows)
        {
            text.Append("| ").AppendJoin(" | ", row.Select(cell => cell.Replace("|", "\\|", StringComparison.Ordinal))).Append(" |\n");
        }
        return text.ToString();
    }
}
