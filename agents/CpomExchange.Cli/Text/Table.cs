using System.Globalization;
using CpomExchange.Cli.Commands;

namespace CpomExchange.Cli.Text;

/// <summary>
/// A table for a terminal: each column as wide as its widest cell (header included), two spaces
/// between columns, numbers aligned right. Cells are cleaned as <see cref="TerminalWriter"/> would
/// print them before they are measured, so a value from the gateway cannot break the alignment.
/// </summary>
internal sealed class Table
{
    private readonly string[] _headers;
    private readonly bool[] _right;
    private readonly List<string[]> _rows = [];

    public Table(params string[] headers)
    {
        _headers = headers;
        _right = new bool[headers.Length];
    }

    /// <summary>The rows added so far.</summary>
    public int Count => _rows.Count;

    /// <summary>Aligns <paramref name="columns"/> (0-based) to the right.</summary>
    public Table AlignRight(params int[] columns)
    {
        foreach (var c in columns)
        {
            _right[c] = true;
        }
        return this;
    }

    /// <summary>Adds a row; a missing cell prints as <c>-</c>.</summary>
    public void Add(params string?[] cells)
    {
        if (cells.Length != _headers.Length)
        {
            throw new ArgumentException($"{_headers.Length} cells expected, {cells.Length} given.", nameof(cells));
        }
        _rows.Add([.. cells.Select(c => TerminalWriter.Clean(string.IsNullOrEmpty(c) ? "-" : c))]);
    }

    /// <summary>Writes the header and the rows, each line starting with <paramref name="indent"/>.</summary>
    public void WriteTo(TextWriter writer, string indent = "")
    {
        ArgumentNullException.ThrowIfNull(writer);
        var widths = _headers.Select((h, i) => _rows.Select(r => Width(r[i])).Append(Width(h)).Max()).ToArray();
        Write(writer, indent, _headers, widths);
        foreach (var row in _rows)
        {
            Write(writer, indent, row, widths);
        }
    }

    private void Write(TextWriter writer, string indent, string[] cells, int[] widths)
    {
        var line = new System.Text.StringBuilder(indent);
        for (var i = 0; i < cells.Length; i++)
        {
            var pad = new string(' ', widths[i] - Width(cells[i]));
            var last = i == cells.Length - 1;
            line.Append(_right[i] ? pad + cells[i] : last ? cells[i] : cells[i] + pad);
            if (!last)
            {
                line.Append("  ");
            }
        }
        writer.WriteLine(line.ToString());
    }

    /// <summary>What a terminal shows of <paramref name="text"/>, in columns (one per text element).</summary>
    public static int Width(string text) => new StringInfo(text).LengthInTextElements;
}
