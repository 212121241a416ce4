using System.Runtime.ExceptionServices;
using System.Threading.Channels;
using CsvHelper;

namespace CpomExchange.Rules.Csv;

/// <summary>
/// Rows read and decoded by the first stage of the row loop (<see cref="BatchReader"/>), in file order,
/// for the second to check (<c>CsvIngestor.CheckBatchAsync</c>): each row's cells copied out of the
/// reader (whose fields are only valid until its next read), and the errors only the reader can find
/// (malformed quotes, field counts, too many rows), each placed before the row it precedes, so that
/// the second stage adds them to the result in exactly the order one thread would have.
/// Batches are reused: a few go round between the two stages.
/// </summary>
internal sealed class RowBatch
{
    public RowBatch(int capacity, int namedCount)
    {
        Lines = new long[capacity];
        Numbers = new long[capacity];
        ErrorsBefore = new int[capacity];
        Extra = new CsvRowError?[capacity];
        Cells = new string?[capacity][];
        for (var i = 0; i < capacity; i++)
        {
            Cells[i] = new string?[namedCount];
        }
    }

    /// <summary>The rows in this batch.</summary>
    public int Count { get; set; }

    public int Capacity => Lines.Length;

    /// <summary>Each row's line in the file.</summary>
    public long[] Lines { get; }

    /// <summary>Each row's number among the file's data rows (what <see cref="CsvIngestResult.Rows"/> is while it is checked).</summary>
    public long[] Numbers { get; }

    /// <summary>For each row, how many of <see cref="Errors"/> come before it.</summary>
    public int[] ErrorsBefore { get; }

    /// <summary>For each row, the error of its non-empty extra fields, added after its <see cref="ErrorsBefore"/> (it makes the row's cells invalid).</summary>
    public CsvRowError?[] Extra { get; }

    /// <summary>For each row, the raw value of each named column the schema knows (null for a column it ignores).</summary>
    public string?[][] Cells { get; }

    /// <summary>The errors the reader found, in file order; those after the last row come after it.</summary>
    public List<CsvRowError> Errors { get; } = [];

    /// <summary>The data rows read up to the end of this batch, those beyond the limit included.</summary>
    public long RowsAtEnd { get; set; }

    /// <summary>True for the batch that ends the file (its end, or <see cref="Failure"/>).</summary>
    public bool Last { get; set; }

    /// <summary>What stopped the reading (a decoding error, a record too long, the connection...), thrown once this batch's rows are checked.</summary>
    public ExceptionDispatchInfo? Failure { get; set; }

    public void Reset()
    {
        Count = 0;
        Errors.Clear();
        RowsAtEnd = 0;
        Last = false;
        Failure = null;
    }
}

/// <summary>
/// The first stage of the row loop: reads and decodes the records (CsvHelper's reader over
/// <see cref="DetectingTextReader"/>) into <see cref="RowBatch"/>es, with the checks that need the
/// reader (field count, the row limit, malformed quotes through <see cref="MalformedRecords"/>).
/// Only this stage touches the reader while the rows are read.
/// </summary>
internal sealed class BatchReader(CsvReader reader, MalformedRecords malformed, (ColumnSpec? Spec, int Index)[] columns, long maxRows)
{
    /// <summary>A batch is handed on when it holds this many reader errors, even with fewer rows: memory stays bounded on a file of bad rows.</summary>
    public const int ErrorsPerBatch = 256;

    private long _rows;

    /// <summary>Why <see cref="ProduceAsync"/> stopped without handing on a last batch (cancelled while it waited for a free one).</summary>
    public ExceptionDispatchInfo? Failure { get; private set; }

    /// <summary>Fills <paramref name="batch"/> with the next rows; never throws: what stops the reading is the batch's <see cref="RowBatch.Failure"/>.</summary>
    public async Task FillAsync(RowBatch batch, CancellationToken cancellationToken)
    {
        batch.Reset();
        malformed.Into(batch.Errors);
        var namedCount = columns.Length;
        try
        {
            while (batch.Count < batch.Capacity && batch.Errors.Count < ErrorsPerBatch)
            {
                if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    batch.Last = true;
                    break;
                }
                var rows = ++_rows;
                var line = reader.LineNumber;
                if (rows > maxRows)
                {
                    if (rows == maxRows + 1)
                    {
                        batch.Errors.Add(CsvIngestor.TooManyRows(line, maxRows));
                    }
                    continue;
                }
                var fieldCount = reader.FieldCount;
                if (fieldCount < namedCount)
                {
                    batch.Errors.Add(CsvIngestor.TooFewFields(line, fieldCount, namedCount, reader.Separator));
                    continue;
                }
                var r = batch.Count;
                CsvRowError? extra = null;
                for (var i = namedCount; i < fieldCount; i++)
                {
                    if (!reader[i].IsEmpty)
                    {
                        extra = CsvIngestor.TooManyFields(line, reader[i].ToString(), namedCount);
                        break;
                    }
                }
                var cells = batch.Cells[r];
                for (var i = 0; i < namedCount; i++)
                {
                    cells[i] = columns[i].Spec is null ? null : reader[i].ToString() ?? string.Empty;
                }
                batch.Lines[r] = line;
                batch.Numbers[r] = rows;
                batch.ErrorsBefore[r] = batch.Errors.Count;
                batch.Extra[r] = extra;
                batch.Count = r + 1;
            }
        }
#pragma warning disable CA1031 // Whatever stops the reading is handed to the second stage, which throws it after the rows before it.
        catch (Exception e)
#pragma warning restore CA1031
        {
            batch.Failure = ExceptionDispatchInfo.Capture(e);
            batch.Last = true;
        }
        finally
        {
            malformed.Into(null);
            batch.RowsAtEnd = _rows;
        }
    }

    /// <summary>
    /// The first stage on a thread of its own: takes a free batch, fills it, hands it on, until the
    /// last; stops when <paramref name="cancellationToken"/> is cancelled (the caller's, or the second
    /// stage failing). Never throws; always completes <paramref name="full"/>.
    /// </summary>
    public async Task ProduceAsync(ChannelReader<RowBatch> free, ChannelWriter<RowBatch> full, CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                RowBatch batch;
                try
                {
                    batch = await free.ReadAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException e)
                {
                    Failure = ExceptionDispatchInfo.Capture(e);
                    return;
                }
                await FillAsync(batch, cancellationToken).ConfigureAwait(false);
                full.TryWrite(batch);
                if (batch.Last)
                {
                    return;
                }
            }
        }
        finally
        {
            full.TryComplete();
        }
    }
}

/// <summary>
/// Where the reader's malformed-record callback puts its errors: into the result, or, while the rows
/// are read in stages, into the batch the first stage is filling, so that they keep their place
/// between the rows.
/// </summary>
internal sealed class MalformedRecords(CsvIngestResult result)
{
    private List<CsvRowError>? _batch;

    public void Add(CsvRowError error)
    {
        if (_batch is { } batch)
        {
            batch.Add(error);
        }
        else
        {
            result.Add(error);
        }
    }

    /// <summary>Sends the next errors to <paramref name="batch"/>, or back to the result when null.</summary>
    public void Into(List<CsvRowError>? batch) => _batch = batch;
}
