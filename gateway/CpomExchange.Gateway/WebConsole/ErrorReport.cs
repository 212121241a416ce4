using System.Globalization;
using CpomExchange.Rules.Csv;
using CpomExchange.Rules.Errors;
using CsvHelper;

namespace CpomExchange.Gateway.WebConsole;

/// <summary>
/// The error report of a refused file, as the console shows it: the rows the upload listed (at most
/// the ingestor's reported errors), in pages of <see cref="PageSize"/>, and the whole report as a CSV
/// to download. Both are in the answer to the upload itself: the pages are shown one at a time by
/// the style sheet (<c>:target</c>, no script), and the CSV is a <c>data:</c> link, so that nothing of
/// a refused file is kept on the gateway after the answer (rien n'a été enregistré) and no second
/// request has to carry it back.
/// </summary>
internal sealed record ErrorReport(IReadOnlyList<RowError> Errors, long ErrorCount)
{
    /// <summary>The rows of one page.</summary>
    public const int PageSize = 50;

    /// <summary>The CSV report's columns (French: people open it in a spreadsheet).</summary>
    public static readonly string[] CsvColumns = ["ligne", "colonne", "valeur", "code", "erreur", "raison"];

    /// <summary>How many pages the listed rows fill (at least one).</summary>
    public int Pages => Math.Max(1, (Errors.Count + PageSize - 1) / PageSize);

    /// <summary>True when the file had more errors than the upload lists.</summary>
    public bool Truncated => ErrorCount > Errors.Count;

    /// <summary>The rows of page <paramref name="page"/> (from 1).</summary>
    public IEnumerable<RowError> Page(int page) => Errors.Skip((page - 1) * PageSize).Take(PageSize);

    /// <summary>The French title of an error's code, from the catalogue.</summary>
    public static string Title(string code) => ErrorCatalog.Title(code);

    /// <summary>
    /// The report as the CSV people open in Excel (<c>;</c>, BOM, formula-like cells neutralised as the
    /// annual table's are: a value of the refused file may be anything, <c>=HYPERLINK(…)</c> included).
    /// </summary>
    public async Task<byte[]> CsvAsync(CancellationToken cancellationToken)
    {
        using var output = new MemoryStream();
        await using (var csv = CsvWriter.Create(output, CsvIngestor.OutputOptions, leaveOpen: true))
        {
            csv.WriteHeader(CsvColumns);
            foreach (var e in Errors)
            {
                await csv.WriteRecordAsync([e.Line.ToString(CultureInfo.InvariantCulture), e.Column ?? string.Empty, e.Value ?? string.Empty, e.Code,
                    Title(e.Code), e.Reason], cancellationToken);
            }
        }
        return output.ToArray();
    }

    /// <summary>The CSV report as a <c>data:</c> address for a download link.</summary>
    public async Task<string> CsvDataUrlAsync(CancellationToken cancellationToken) =>
        "data:text/csv;charset=utf-8;base64," + Convert.ToBase64String(await CsvAsync(cancellationToken));
}
