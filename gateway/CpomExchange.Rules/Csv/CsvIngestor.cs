using System.Globalization;
using CpomExchange.Rules.Errors;
using CsvHelper;

namespace CpomExchange.Rules.Csv;

/// <summary>
/// Reads an uploaded CSV file row by row against an exchange's schema: names a binary file for what
/// it is, decodes (UTF-8, else Windows-1252), maps the header (<see cref="CsvHeader"/>), checks every
/// cell (<see cref="CsvCells"/>) and the unique columns (<see cref="UniqueValues"/>), pseudonymises
/// each identifier once, runs the row check, and hands each valid row on while no error has been
/// found. One bad row makes the whole file invalid; the caller then discards what it wrote.
/// </summary>
public static partial class CsvIngestor
{
    /// <summary>The formats the output CSV uses: what people open in Excel.</summary>
    public static CsvWriterOptions OutputOptions { get; } = new()
    {
        Separator = ';',
        NewLine = "\r\n",
        WriteByteOrderMark = true,
        // Cells that a spreadsheet would run as formulas (= + - @ tab CR) are prefixed with '.
        Injection = CsvInjection.Escape,
    };

    /// <summary>Reads <paramref name="input"/> against <paramref name="schema"/>, writing the normalised rows to <paramref name="output"/> when given.</summary>
    public static async Task<CsvIngestResult> IngestAsync(
        Stream input,
        CsvSchema schema,
        CsvWriter? output,
        CsvIngestOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(schema);
        options ??= new CsvIngestOptions();
        var result = new CsvIngestResult { MaxReported = options.MaxReportedErrors };
        // A compressed or binary file is named for what it is, rather than reported byte by byte.
        var head = new byte[4];
        var headLength = 0;
        while (headLength < head.Length && await input.ReadAsync(head.AsMemory(headLength), cancellationToken).ConfigureAwait(false) is var n and > 0)
        {
            headLength += n;
        }
        if (BinaryKind(head.AsSpan(0, headLength)) is { } kind)
        {
            result.Add(new CsvRowError(0, null, null, ErrorCatalog.NotCsv, $"Le fichier est {kind}, pas un CSV : envoyez le fichier CSV lui-même, non compressé."));
            await DrainAsync(input, cancellationToken).ConfigureAwait(false);
            return result;
        }
        input = new PrefixedStream(head.AsMemory(0, headLength), input);
        var text = new DetectingTextReader(input);
        var malformed = new MalformedRecords(result);
        var readerOptions = new CsvReaderOptions
        {
            HasHeader = true,
            Separator = null,
            AllowLineBreaksInQuotes = false,
            SkipEmptyLines = true,
            TrimWhitespace = true,
            TrackLineNumbers = true,
            IncludeValuesInExceptions = false,
            FieldCountMismatch = CsvFieldCountHandling.Allow,
            MissingField = CsvMissingFieldHandling.ReturnEmpty,
            MalformedData = CsvMalformedDataHandling.Recover,
            MaxRecordSize = options.MaxRecordBytes,
            OnMalformedRecord = m =>
            {
                if (m.Reason != CsvMalformedReason.FieldCountMismatch)
                {
                    // Into the result, or, while the rows are read in stages, into the batch being read (RowBatch).
                    malformed.Add(new CsvRowError(m.LineNumber, null, null, ErrorCatalog.BadQuotes, DescribeQuotes(m.Reason)));
                }
            },
        };
        var reader = CsvReader.Create(text, readerOptions, leaveOpen: true);
        await using (reader.ConfigureAwait(false))
        {
            try
            {
                await ReadAsync(reader, malformed, text, schema, output, options, result, cancellationToken).ConfigureAwait(false);
            }
            catch (CsvDecodingException e)
            {
                result.Add(new CsvRowError(e.Line > 0 ? e.Line : reader.LineNumber, null, null, ErrorCatalog.BadEncoding,
                    "Le fichier n'est ni en UTF-8 ni en Windows-1252 : enregistrez-le en « CSV UTF-8 »."));
                await DrainAsync(input, cancellationToken).ConfigureAwait(false);
            }
            catch (CsvFormatException e)
            {
                // With malformed quotes recovered, what the reader gives up on is a record over MaxRecordSize.
                result.Add(new CsvRowError(Math.Max(e.LineNumber, reader.LineNumber), null, null, ErrorCatalog.RecordTooLong,
                    $"Ligne de plus de {options.MaxRecordBytes / 1024} Kio : un guillemet n'est-il pas refermé, ou le fichier n'est-il pas un CSV ?"));
                await DrainAsync(input, cancellationToken).ConfigureAwait(false);
            }
        }
        result.Encoding = text.DetectedEncoding ?? "ascii";
        return result;
    }

    private static async Task ReadAsync(
        CsvReader reader, MalformedRecords malformed, DetectingTextReader text, CsvSchema schema, CsvWriter? output,
        CsvIngestOptions options, CsvIngestResult result, CancellationToken cancellationToken)
    {
        await reader.ReadHeaderAsync(cancellationToken).ConfigureAwait(false);
        if (text.BytesRead == 0 || reader.Headers.Count == 0 || reader.Headers.All(string.IsNullOrWhiteSpace))
        {
            result.Add(new CsvRowError(0, null, null, ErrorCatalog.Empty, "Le fichier est vide."));
            return;
        }
        result.Separator = reader.Separator;
        var columns = CsvHeader.Map(reader.Headers, reader.Separator, schema, result);
        if (columns is null)
        {
            // The header is wrong: the rows cannot be checked, but the input is read to its end.
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                result.Rows++;
            }
            return;
        }

        output?.WriteHeader(schema.Columns.Select(c => c.Name).ToArray());
        using var seen = new UniqueValues(options.SpillDirectory, options.SpillQuota);
        if (options.OneStage)
        {
            await ReadRowsOneStageAsync(reader, columns, schema.Columns.Count, output, options, result, seen, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await ReadRowsInStagesAsync(reader, malformed, columns, schema.Columns.Count, output, options, result, seen, cancellationToken).ConfigureAwait(false);
        }
        options.OnRowsEnd?.Invoke();
        if (seen.ReportDuplicateSirets(result))
        {
            result.SortErrorsByLine();
        }
        if (result.Rows == 0)
        {
            result.Add(new CsvRowError(0, null, null, ErrorCatalog.NoRows, "Le fichier ne contient que l'en-tête, aucune ligne de données."));
        }
    }

    /// <summary>What a file that is not text is, by its first bytes (a compressed file, an archive, a workbook, a PDF), or null.</summary>
    private static string? BinaryKind(ReadOnlySpan<byte> head) => head switch
    {
        [0x1F, 0x8B, ..] => "compressé (gzip)",
        [0x50, 0x4B, 0x03, 0x04, ..] => "une archive ZIP (ou un classeur Excel .xlsx)",
        [0xD0, 0xCF, 0x11, 0xE0, ..] => "un classeur Excel .xls",
        [0x25, 0x50, 0x44, 0x46, ..] => "un PDF",
        [0x28, 0xB5, 0x2F, 0xFD, ..] => "compressé (zstd)",
        _ => null,
    };

    private static async Task DrainAsync(Stream input, CancellationToken cancellationToken)
    {
        // The rest of the body is read (and dropped), so that the client gets the answer, not a reset.
        var buffer = new byte[81920];
        while (await input.ReadAsync(buffer, cancellationToken).ConfigureAwait(false) > 0)
        {
        }
    }
}
