using CpomExchange.Rules.Pseudonymisation;
using CsvHelper;

namespace CpomExchange.Rules.Csv;

/// <summary>
/// The rows whose cells are checked and whose end (pseudonyms, row check, output, <see cref="CsvIngestOptions.OnRow"/>)
/// is still to run, in file order: the row loop hands the identifiers of several rows to the
/// pseudonymiser at once, which hashes eight together (<see cref="Pseudonymiser.ShortsOfNormalised"/>).
/// A file with a row check keeps one row at a time, so that its errors are added in the order they
/// always were; a file without one keeps up to <see cref="Batch"/>, which changes nothing a caller
/// sees: a row is written when no error was found up to its own line, as before.
/// </summary>
internal sealed class PendingRows
{
    /// <summary>Rows kept at most when there is no row check.</summary>
    public const int Batch = 32;

    private readonly CsvRow[] _rows;
    private readonly bool[] _cellsValid;
    private readonly long[] _errorsAfterCells;
    private readonly List<IdentifierKind> _kinds = [];
    private readonly List<string> _values = [];
    private readonly List<(int Row, int Column)> _targets = [];
    private UInt128[] _subjects = new UInt128[Batch];
    private int _count;

    public PendingRows(int columns, bool oneAtATime)
    {
        var capacity = oneAtATime ? 1 : Batch;
        _rows = new CsvRow[capacity];
        for (var i = 0; i < capacity; i++)
        {
            _rows[i] = new CsvRow(columns);
        }
        _cellsValid = new bool[capacity];
        _errorsAfterCells = new long[capacity];
    }

    /// <summary>The row to fill next, begun at <paramref name="line"/>.</summary>
    public CsvRow Begin(long line)
    {
        var row = _rows[_count];
        row.Begin(line);
        return row;
    }

    /// <summary>Notes that column <paramref name="column"/> of the row being filled holds an identifier to pseudonymise.</summary>
    public void AddIdentifier(int column, IdentifierKind kind, string normalised)
    {
        _kinds.Add(kind);
        _values.Add(normalised);
        _targets.Add((_count, column));
    }

    /// <summary>Ends the row being filled; true when the batch is full and must be flushed.</summary>
    public bool End(bool cellsValid, long errorCount)
    {
        _cellsValid[_count] = cellsValid;
        _errorsAfterCells[_count] = errorCount;
        return ++_count == _rows.Length;
    }

    /// <summary>Pseudonymises the pending identifiers, then runs each pending row's end, in order.</summary>
    public async Task FlushAsync(Pseudonymiser? pseudonymiser, CsvIngestOptions options, CsvWriter? output, CsvIngestResult result, CancellationToken cancellationToken)
    {
        if (_count == 0)
        {
            return;
        }
        if (pseudonymiser is not null && _kinds.Count > 0)
        {
            Pseudonymise(pseudonymiser);
        }
        var errorsAtFlush = result.ErrorCount;
        for (var i = 0; i < _count; i++)
        {
            var row = _rows[i];
            if (_cellsValid[i] && options.RowCheck is not null && await options.RowCheck(row).ConfigureAwait(false) is { } problem)
            {
                result.Add(new CsvRowError(row.Line, problem.Column, null, problem.Code, problem.Reason));
            }
            // The errors up to this row's cells, and those its row check (or an earlier one of this flush) added.
            if (_errorsAfterCells[i] + (result.ErrorCount - errorsAtFlush) == 0)
            {
                if (output is not null)
                {
                    await output.WriteRecordAsync(row.Cells, cancellationToken).ConfigureAwait(false);
                }
                if (options.OnRow is not null)
                {
                    await options.OnRow(row).ConfigureAwait(false);
                }
            }
        }
        _count = 0;
    }

    private void Pseudonymise(Pseudonymiser pseudonymiser)
    {
        var count = _kinds.Count;
        if (count == 1)
        {
            _rows[_targets[0].Row].SetSubject(_targets[0].Column, pseudonymiser.ShortOfNormalised(_kinds[0], _values[0]));
        }
        else
        {
            if (_subjects.Length < count)
            {
                _subjects = new UInt128[Math.Max(count, 2 * _subjects.Length)];
            }
            pseudonymiser.ShortsOfNormalised(
                System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_kinds),
                System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_values),
                _subjects);
            for (var i = 0; i < count; i++)
            {
                _rows[_targets[i].Row].SetSubject(_targets[i].Column, _subjects[i]);
            }
            Array.Clear(_subjects, 0, count);
        }
        _kinds.Clear();
        _values.Clear();
        _targets.Clear();
    }
}
