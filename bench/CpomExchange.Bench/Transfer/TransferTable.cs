using System.Text;

namespace CpomExchange.Bench.Transfer;

/// <summary>
/// The figures of issue #9 (B1–B6), one row each: measured value, baseline, ratio, target and
/// whether it is met; rendered as Markdown and written into BENCHMARKS.md between two markers.
/// </summary>
internal sealed class TransferTable
{
    public const string BeginMarker = "<!-- bench:transfer:begin -->";
    public const string EndMarker = "<!-- bench:transfer:end -->";
    public const string FileName = "BENCHMARKS.md";

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

    /// <summary>
    /// Replaces the lines between the marker lines of <paramref name="path"/> (a line holding only
    /// the marker; the markers may also be quoted in the text) with <paramref name="section"/>; the
    /// rest of the file is kept as it is. Throws <see cref="InvalidOperationException"/> when the
    /// marker lines are missing, repeated or out of order.
    /// </summary>
    public static void WriteBetweenMarkers(string path, string section)
    {
        var text = File.ReadAllText(path);
        var newline = text.Contains("\r\n", StringComparison.Ordinal) ? "\r\n" : "\n";
        var lines = text.Split(newline);
        var begins = MarkerLines(lines, BeginMarker);
        var ends = MarkerLines(lines, EndMarker);
        if (begins.Length != 1 || ends.Length != 1 || ends[0] < begins[0])
        {
            throw new InvalidOperationException($"{path} must hold a line {BeginMarker}, then a line {EndMarker}, once each.");
        }
        var body = section.Replace("\r\n", "\n", StringComparison.Ordinal).Trim('\n').Split('\n');
        string[] replaced = [.. lines[..(begins[0] + 1)], "", .. body, "", .. lines[ends[0]..]];
        // Written beside it, then renamed: an interrupted run leaves the file as it was.
        var temporary = path + ".tmp";
        File.WriteAllText(temporary, string.Join(newline, replaced), new UTF8Encoding(false));
        File.Move(temporary, path, overwrite: true);
    }

    private static int[] MarkerLines(string[] lines, string marker) =>
        [.. lines.Select((line, index) => (line, index)).Where(x => x.line.Trim() == marker).Select(x => x.index)];
}
