using System.Text;

namespace CpomExchange.Bench.Transfer;

/// <summary>
/// The figures of issue #9 (B1–B6), one row each: measured value, baseline, ratio, target and
/// whether it is met; rendered as Markdown and written into BENCHMARKS.md between its two markers (<see cref="BenchmarksFile"/>).
/// </summary>
internal sealed class TransferTable
{
    public const string BeginMarker = "<!-- bench:transfer:begin -->";
    public const string EndMarker = "<!-- bench:transfer:end -->";

    private const string None = "—";

    private readonly List<string[]> _rows = [];

    /// <summary>A row; <paramref name="met"/> is null when there is no target or nothing to compare with.</summary>
    public void Add(string figure, string measured, string? baseline = null, string? ratio = null, string? target = null, bool? met = null)
    {
        var result = met switch
        {
            true => "met",
            false => "**missed**",
            null => target is null ? "" : "not measured",
        };
        _rows.Add([figure, measured, baseline ?? None, ratio ?? None, target ?? None, result]);
    }

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
