using System.Threading.Channels;
using CsvHelper;

namespace CpomExchange.Rules.Csv;

/// <summary>
/// The row loop in two stages on two threads: the first reads and decodes (<see cref="BatchReader"/>),
/// the second checks the cells, the unique columns, pseudonymises, runs the row check and each row's end
/// (<see cref="CheckBatchAsync"/>), batch after batch in file order. A file that ends within the first
/// batch is read and checked on the caller's thread alone: a small file pays no hand-off.
/// </summary>
public static partial class CsvIngestor
{
    /// <summary>The rows a batch holds.</summary>
    internal const int RowsPerBatch = 256;

    /// <summary>The batches going round between the stages: one filled, one waiting, one checked.</summary>
    private const int BatchesInFlight = 3;

    private static async Task ReadRowsInStagesAsync(
        CsvReader reader, MalformedRecords malformed, (ColumnSpec? Spec, int Index)[] columns, int width, CsvWriter? output,
        CsvIngestOptions options, CsvIngestResult result, UniqueValues seen, CancellationToken cancellationToken)
    {
        var pending = new PendingRows(width, oneAtATime: options.RowCheck is not null || options.Pseudonymiser is null);
        var stageA = new BatchReader(reader, malformed, columns, options.MaxRows);
        var batch = new RowBatch(RowsPerBatch, columns.Length);
        await stageA.FillAsync(batch, cancellationToken).ConfigureAwait(false);
        if (!batch.Last)
        {
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var free = Channel.CreateUnbounded<RowBatch>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
            var full = Channel.CreateUnbounded<RowBatch>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
            for (var i = 1; i < BatchesInFlight; i++)
            {
                free.Writer.TryWrite(new RowBatch(RowsPerBatch, columns.Length));
            }
            var producer = Task.Run(() => stageA.ProduceAsync(free.Reader, full.Writer, stop.Token), CancellationToken.None);
            try
            {
                while (true)
                {
                    await CheckBatchAsync(batch, columns, pending, output, options, result, seen, cancellationToken).ConfigureAwait(false);
                    if (batch.Last)
                    {
                        break;
                    }
                    free.Writer.TryWrite(batch);
                    batch = await NextAsync(full.Reader).ConfigureAwait(false) ?? ThrowStopped(stageA);
                }
            }
            finally
            {
                // A failure of this stage stops the first (no read of the connection left running), which never throws.
                await stop.CancelAsync().ConfigureAwait(false);
                await producer.ConfigureAwait(false);
            }
        }
        else
        {
            await CheckBatchAsync(batch, columns, pending, output, options, result, seen, cancellationToken).ConfigureAwait(false);
        }
        // As on one thread: what stopped the reading surfaces after the rows before it, without the last flush.
        batch.Failure?.Throw();
        await pending.FlushAsync(options.Pseudonymiser, options, output, result, cancellationToken).ConfigureAwait(false);
    }

    private static async ValueTask<RowBatch?> NextAsync(ChannelReader<RowBatch> full)
    {
        while (await full.WaitToReadAsync(CancellationToken.None).ConfigureAwait(false))
        {
            if (full.TryRead(out var batch))
            {
                return batch;
            }
        }
        return null;
    }

    private static RowBatch ThrowStopped(BatchReader stageA)
    {
        stageA.Failure?.Throw();
        throw new InvalidOperationException("The first stage of the row loop stopped without a last batch.");
    }

    /// <summary>The second stage: each row of <paramref name="batch"/> checked and ended exactly as the loop on one thread did, the reader's errors in their places.</summary>
    private static async Task CheckBatchAsync(
        RowBatch batch, (ColumnSpec? Spec, int Index)[] columns, PendingRows pending, CsvWriter? output,
        CsvIngestOptions options, CsvIngestResult result, UniqueValues seen, CancellationToken cancellationToken)
    {
        var pseudonymiser = options.Pseudonymiser;
        var errors = batch.Errors;
        var e = 0;
        for (var r = 0; r < batch.Count; r++)
        {
            for (var before = batch.ErrorsBefore[r]; e < before; e++)
            {
                result.Add(errors[e]);
            }
            result.Rows = batch.Numbers[r];
            var line = batch.Lines[r];
            var errorsBefore = result.ErrorCount;
            if (batch.Extra[r] is { } extra)
            {
                result.Add(extra);
            }
            var cells = batch.Cells[r];
            var row = pending.Begin(line);
            for (var i = 0; i < cells.Length; i++)
            {
                var (spec, index) = columns[i];
                if (spec is null)
                {
                    continue;
                }
                var value = CsvCells.Check(spec, cells[i]!, line, result, seen, out var valid);
                row.Cells[index] = value;
                // The one place an identifier is pseudonymised: from the value the check normalised,
                // when the row's batch is flushed.
                if (pseudonymiser is not null && valid && value.Length > 0 && CsvRow.IdentifierOf(spec.Kind) is { } identifier)
                {
                    pending.AddIdentifier(index, identifier, value);
                }
            }
            if (pending.End(cellsValid: result.ErrorCount == errorsBefore, result.ErrorCount))
            {
                await pending.FlushAsync(pseudonymiser, options, output, result, cancellationToken).ConfigureAwait(false);
            }
        }
        for (; e < errors.Count; e++)
        {
            result.Add(errors[e]);
        }
        result.Rows = batch.RowsAtEnd;
    }
}
