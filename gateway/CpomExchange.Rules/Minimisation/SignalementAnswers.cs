using CpomExchange.Rules.Csv;
using CpomExchange.Rules.Errors;
using CpomExchange.Rules.Policies;

namespace CpomExchange.Rules.Minimisation;

/// <summary>
/// What a retour may answer in one signalement, as the storage reads it: nothing (no signalement of
/// the recipient addressed to the sender bears that id: <see cref="Purpose"/> null), the purpose it
/// was sent for, and the row references of the persons it still holds.
/// </summary>
public sealed record AnsweredRows(string? Purpose, IReadOnlySet<string>? References)
{
    /// <summary>
    /// For an answer that must also name the line's establishment (<c>answers-alerte</c>): the SIRET of
    /// each line, by its reference, as the gateway normalised and stored it. Held in memory for the
    /// upload's check only.
    /// </summary>
    public IReadOnlyDictionary<string, string>? Sirets { get; init; }

    /// <summary>No such signalement.</summary>
    public static AnsweredRows None { get; } = new(null, null);
}

/// <summary>Reads the signalements a retour names (the storage's side of <see cref="SignalementAnswers"/>).</summary>
public interface IAnsweredRowsReader
{
    /// <summary>The signalement <paramref name="datasetId"/> of the recipient addressed to the sender: its purpose, and its row references when that is the link's.</summary>
    ValueTask<AnsweredRows> ReadAsync(string datasetId, CancellationToken cancellationToken);
}

/// <summary>
/// The rule <c>answers-signalement</c>: each row of a retour answers one person, named by the reference
/// the gateway gave that person's row (<c>ds_…:3</c>, see <see cref="RowReferences"/>), in a signalement
/// the recipient addressed to the sender for the link's purpose and that still holds that person (a
/// worker who withdrew consent is no longer in it). Each signalement is read once, when a row first
/// names it.
/// </summary>
public sealed class SignalementAnswers(ExchangeDefinition exchange, MinimisationRule rule, string recipient, IAnsweredRowsReader reader)
{
    private readonly int _column = exchange.Schema.Columns.ToList().FindIndex(c => c.Kind == ColumnKind.RowReference);
    private readonly AnsweredDatasets _datasets = new(reader);

    /// <summary>Null when the row answers a person of a signalement it may answer, else the row's problem.</summary>
    public async ValueTask<RowProblem?> CheckAsync(CsvRow row, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(row);
        var name = exchange.Schema.Columns[_column].Name;
        var reference = row.Cells[_column];
        if (await _datasets.ReadAsync(reference, cancellationToken).ConfigureAwait(false) is not { } answered)
        {
            return AnsweredDatasets.Unreadable(name);
        }
        if (answered.Purpose is null)
        {
            return new RowProblem(name, ErrorCatalog.UnknownSignalement, $"Aucun signalement de {recipient} adressé à votre organisation ne porte cette référence.");
        }
        if (answered.Purpose != rule.Purpose)
        {
            return new RowProblem(name, ErrorCatalog.LinkPurpose,
                $"Ce signalement a été transmis pour la finalité « {answered.Purpose} » : un retour ne répond qu'à un signalement transmis pour « {rule.Purpose} ».");
        }
        return answered.References!.Contains(reference)
            ? null
            : new RowProblem(name, ErrorCatalog.UnknownPerson,
                "Cette référence ne désigne aucune personne de ce signalement : elle n'y a jamais figuré, ou elle en a été retirée (retrait de son consentement). Un retour répond à une personne, par la référence de sa ligne.");
    }
}

/// <summary>
/// What the answer rules (<see cref="SignalementAnswers"/>, <see cref="AlertAnswers"/>) share: a row's
/// reference parsed, and the dataset it names read once per upload, when a row first names it.
/// </summary>
internal sealed class AnsweredDatasets(IAnsweredRowsReader reader)
{
    private readonly Dictionary<string, AnsweredRows> _read = new(StringComparer.Ordinal);

    /// <summary>The dataset <paramref name="reference"/> names, as the reader found it; null when the reference is unreadable.</summary>
    public async ValueTask<AnsweredRows?> ReadAsync(string reference, CancellationToken cancellationToken)
    {
        if (!RowReferences.TryParse(reference, out var id, out _))
        {
            return null;
        }
        if (!_read.TryGetValue(id, out var answered))
        {
            answered = await reader.ReadAsync(id, cancellationToken).ConfigureAwait(false);
            _read[id] = answered;
        }
        return answered;
    }

    /// <summary>The problem of an unreadable reference: the column's type already refused it; fail closed all the same.</summary>
    public static RowProblem Unreadable(string column) => new(column, ErrorCatalog.BadReference, "Référence de ligne illisible.");
}
