using CpomExchange.Rules.Errors;

namespace CpomExchange.Rules.Csv;

/// <summary>A problem with a whole row, found by a <see cref="CsvIngestOptions.RowCheck"/>.</summary>
public sealed record RowProblem(string? Column, string Code, string Reason);

/// <summary>One problem found in a file: where, what, and why, in French.</summary>
/// <param name="Line">The line of the file (the header is line 1); 0 when the problem concerns the whole file.</param>
/// <param name="Column">The column, when known.</param>
/// <param name="Value">The offending value, shortened, when there is one.</param>
/// <param name="Code">The stable code from <see cref="ErrorCatalog"/>.</param>
/// <param name="Reason">A French sentence for people.</param>
public sealed record CsvRowError(long Line, string? Column, string? Value, string Code, string Reason);

/// <summary>What reading a file found.</summary>
public sealed class CsvIngestResult
{
    private readonly List<CsvRowError> _errors = [];

    /// <summary>The number of data rows read.</summary>
    public long Rows { get; internal set; }

    /// <summary>The errors listed (at most <see cref="CsvIngestOptions.MaxReportedErrors"/>).</summary>
    public IReadOnlyList<CsvRowError> Errors => _errors;

    /// <summary>The number of errors found, listed or not.</summary>
    public long ErrorCount { get; private set; }

    /// <summary>The encoding the file was read as.</summary>
    public string? Encoding { get; internal set; }

    /// <summary>The separator found in the file.</summary>
    public char Separator { get; internal set; }

    /// <summary>True when the file has no error.</summary>
    public bool IsValid => ErrorCount == 0;

    internal int MaxReported { get; init; } = 1000;

    internal void Add(CsvRowError error)
    {
        ErrorCount++;
        if (_errors.Count < MaxReported)
        {
            _errors.Add(error);
        }
    }

    /// <summary>Puts the listed errors in line order (errors found at the end of the file, such as duplicates, go to their line).</summary>
    internal void SortErrorsByLine()
    {
        var sorted = _errors.OrderBy(e => e.Line).ToList();
        _errors.Clear();
        _errors.AddRange(sorted);
    }
}
