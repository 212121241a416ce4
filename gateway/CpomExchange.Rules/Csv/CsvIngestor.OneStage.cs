using System.Globalization;
using CpomExchange.Rules.Errors;
using CsvHelper;

namespace CpomExchange.Rules.Csv;

/// <summary>
/// The row loop on one thread, as it was before it ran in two stages (<see cref="ReadRowsInStagesAsync"/>):
/// kept as the reference the stages are tested against (<see cref="CsvIngestOptions.OneStage"/>).
/// </summary>
public static partial class CsvIngestor
{
    private static async Task ReadRowsOneStageAsync(
        CsvReader reader, (ColumnSpec? Spec, int Index)[] columns, int width, CsvWriter? output,
        CsvIngestOptions options, CsvIngestResult result, UniqueValues seen, CancellationToken cancellationToken)
    {
        // Without a row check, the identifiers of several rows are pseudonymised together (PendingRows).
        var pending = new PendingRows(width, oneAtATime: options.RowCheck is not null || options.Pseudonymiser is null);
        var namedCount = columns.Length;
        var pseudonymiser = options.Pseudonymiser;
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            result.Rows++;
            var line = reader.LineNumber;
            if (result.Rows > options.MaxRows)
            {
                if (result.Rows == options.MaxRows + 1)
                {
                    result.Add(TooManyRows(line, options.MaxRows));
                }
                continue;
            }
            var errorsBefore = result.ErrorCount;
            var fieldCount = reader.FieldCount;
            if (fieldCount < namedCount)
            {
                result.Add(TooFewFields(line, fieldCount, namedCount, reader.Separator));
                continue;
            }
            for (var i = namedCount; i < fieldCount; i++)
            {
                if (!reader[i].IsEmpty)
                {
                    result.Add(TooManyFields(line, reader[i].ToString(), namedCount));
                    break;
                }
            }
            var row = pending.Begin(line);
            for (var i = 0; i < namedCount; i++)
            {
                var (spec, index) = columns[i];
                if (spec is null)
                {
                    continue;
                }
                var value = CsvCells.Check(spec, reader[i].ToString() ?? string.Empty, line, result, seen, out var valid);
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
        await pending.FlushAsync(pseudonymiser, options, output, result, cancellationToken).ConfigureAwait(false);
    }

    internal static CsvRowError TooManyRows(long line, long maxRows) => new(line, null, null, ErrorCatalog.TooManyRows,
        $"Le fichier dépasse la limite de {maxRows.ToString("N0", CultureInfo.GetCultureInfo("fr-FR"))} lignes.");

    internal static CsvRowError TooFewFields(long line, int fieldCount, int namedCount, char separator) => new(line, null, null, ErrorCatalog.FieldCount,
        $"La ligne compte {fieldCount} champ(s) au lieu de {namedCount} : vérifiez le séparateur « {separator} ».");

    internal static CsvRowError TooManyFields(long line, string value, int namedCount) => new(line, null, Shorten(value), ErrorCatalog.FieldCount,
        $"La ligne compte plus de champs que l'en-tête ({namedCount}).");
}
