using System.IO.Pipelines;
using CpomExchange.Infrastructure.Keys;
using CpomExchange.Infrastructure.Storage;
using CpomExchange.Rules.Csv;
using CpomExchange.Rules.Policies;
using CsvHelper;

namespace CpomExchange.Infrastructure.Payloads;

/// <summary>
/// Reads the rows of a stored dataset as the gateway wrote them (the normalised CSV), decrypting
/// while it parses: the plaintext exists only in memory, a segment at a time, never on disk. The
/// payload's SHA-256 is checked against the dataset's; any alteration throws
/// <see cref="PayloadCorruptedException"/>, and the caller must then discard what it did with the rows.
/// </summary>
public static class StoredRows
{
    private static readonly CsvReaderOptions Options = new()
    {
        HasHeader = true,
        Separator = ';',
        AllowLineBreaksInQuotes = false,
        SkipEmptyLines = true,
        TrimWhitespace = false,
        IncludeValuesInExceptions = false,
        // The gateway's own output: a record is at most the 64 KiB accepted at upload, plus quoting.
        MaxRecordSize = 256 * 1024,
    };

    /// <summary>Hands each row of <paramref name="dataset"/> to <paramref name="onRow"/>, with the stored header (cells in its order).</summary>
    public static async Task ReadAsync(DatasetEntity dataset, IPayloadStore store, IKeyProvider keys,
        Func<IReadOnlyList<string>, string[], ValueTask> onRow, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var pipe = new Pipe();
        var decrypting = DecryptAsync(dataset, store, keys, pipe.Writer, stop.Token);
        try
        {
            await using var reader = CsvReader.Create(pipe.Reader.AsStream(), Options, leaveOpen: false);
            await reader.ReadHeaderAsync(cancellationToken);
            var header = reader.Headers.ToArray();
            while (await reader.ReadAsync(cancellationToken))
            {
                var cells = new string[header.Length];
                for (var i = 0; i < header.Length; i++)
                {
                    cells[i] = i < reader.FieldCount ? reader.GetString(i) : string.Empty;
                }
                await onRow(header, cells);
            }
        }
        finally
        {
            // Whatever happened on this side, the decryption stops and is awaited (its error, if any,
            // already reached the reader through the pipe).
            await stop.CancelAsync();
            await decrypting;
        }
    }

    /// <summary>
    /// A stored row as the exchange delivers it today (<see cref="ExchangeDefinition.DeliveredHeader"/>).
    /// A dataset stored before its exchange numbered its rows lacks the reference column; it was never
    /// re-written, so its n-th stored row is the n-th row sent: its reference is given by position.
    /// Any other header is not this exchange's file.
    /// </summary>
    public static string[] AsDelivered(ExchangeDefinition exchange, string datasetId, IReadOnlyList<string> header, string[] cells, long position)
    {
        var expected = exchange.DeliveredHeader;
        if (header.SequenceEqual(expected, StringComparer.Ordinal))
        {
            return cells;
        }
        if (exchange.RowReference is not null && header.SequenceEqual(expected.Skip(1), StringComparer.Ordinal))
        {
            return [RowReferences.Format(datasetId, position), .. cells];
        }
        throw new PayloadCorruptedException("En-tête du contenu stocké inattendu pour cet échange.");
    }

    private static async Task DecryptAsync(DatasetEntity dataset, IPayloadStore store, IKeyProvider keys, PipeWriter writer, CancellationToken cancellationToken)
    {
        Exception? failure = null;
        try
        {
            await using var content = await DatasetFiles.OpenContentAsync(store, keys, dataset, cancellationToken);
            await using var plain = writer.AsStream(leaveOpen: true);
            await content.CopyToAsync(plain, cancellationToken);
        }
        catch (Exception e)
        {
            failure = e;
        }
        await writer.CompleteAsync(failure);
    }
}
