using CpomExchange.Rules.Pseudonymisation;

namespace CpomExchange.Rules.Csv;

/// <summary>Limits applied while a file is read, and what is done with each valid row.</summary>
public sealed record CsvIngestOptions
{
    /// <summary>The most data rows a file may hold.</summary>
    public long MaxRows { get; init; } = 5_000_000;

    /// <summary>The longest record, in bytes, the reader accepts (a guard against unclosed quotes).</summary>
    public int MaxRecordBytes { get; init; } = 64 * 1024;

    /// <summary>How many errors the report lists (all are counted).</summary>
    public int MaxReportedErrors { get; init; } = 1000;

    /// <summary>
    /// Where the SIRET uniqueness check spills its sorted runs on a large file (encrypted, deleted
    /// when closed); default: the system's temporary folder.
    /// </summary>
    public string? SpillDirectory { get; init; }

    /// <summary>The disk space those runs may take (shared with the other uploads); none when null.</summary>
    public SpillQuota? SpillQuota { get; init; }

    /// <summary>
    /// When set, every valid SIRET and NIR cell is pseudonymised once, from the value the cell check
    /// normalised, and the pseudonym travels with the row (<see cref="CsvRow.Subject"/>) to every
    /// check and consumer that needs it: the identifier is never normalised or hashed twice.
    /// </summary>
    public Pseudonymiser? Pseudonymiser { get; init; }

    /// <summary>
    /// A rule on a whole valid row, such as a minimisation rule ("only SIRETs of the answered
    /// dataset"); returns null, or the error to report for that row. Asynchronous, so that a rule may
    /// read what a row refers to (the signalement a retour answers) when it first meets it.
    /// </summary>
    public Func<CsvRow, ValueTask<RowProblem?>>? RowCheck { get; init; }

    /// <summary>
    /// Receives each valid row while the file has no error (to mask it, split it between recipients
    /// and write it). The row and its cells are reused for the next one: copy what must outlive the call.
    /// </summary>
    public Func<CsvRow, ValueTask>? OnRow { get; init; }

    /// <summary>
    /// Called once when every row was read and handed to <see cref="OnRow"/>, before the file-wide
    /// checks (duplicate SIRETs): the caller may start the work that needs all the rows and none of
    /// the result (a dataset's subject index, written aside). Not called when the header is wrong or
    /// the reading failed; the result may still be invalid afterwards.
    /// </summary>
    public Action? OnRowsEnd { get; init; }

    /// <summary>
    /// Reads and checks the rows on one thread, as before the two stages (<c>CsvIngestor.ReadRowsInStagesAsync</c>):
    /// the reference the stages are tested against, not a setting of the gateway.
    /// </summary>
    internal bool OneStage { get; init; }
}
