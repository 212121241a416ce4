using CpomExchange.Rules.Csv;
using CpomExchange.Rules.Errors;
using CpomExchange.Rules.Policies;

namespace CpomExchange.Rules.Minimisation;

/// <summary>
/// The rule <c>answers-alerte</c> (a <c>suite-alerte</c>): each row answers one line of an alert, named
/// by the reference the gateway gave that line (<c>ds_…:3</c>, see <see cref="RowReferences"/>), in an
/// alert the recipient (the SPSTI) addressed to the sender (the caisse) for the link's purpose and that
/// is still available; and the row's SIRET is the one on that line (an answer about another company
/// under an alert's reference would reach the SPSTI as if it answered the alert). Modelled on
/// <see cref="SignalementAnswers"/>; each alert is read once (<see cref="AnsweredDatasets"/>).
/// </summary>
public sealed class AlertAnswers(ExchangeDefinition exchange, MinimisationRule rule, string recipient, IAnsweredRowsReader reader)
{
    private readonly int _column = exchange.Schema.Columns.ToList().FindIndex(c => c.Kind == ColumnKind.RowReference);
    private readonly int _siret = exchange.Schema.Columns.ToList().FindIndex(c => c.Kind == ColumnKind.Siret);
    private readonly AnsweredDatasets _datasets = new(reader);

    /// <summary>Null when the row answers a line of an alert it may answer, about that line's company; else the row's problem.</summary>
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
            return new RowProblem(name, ErrorCatalog.UnknownAlert,
                $"Aucune alerte de {recipient} adressée à votre organisation et toujours disponible ne porte cette référence.");
        }
        if (answered.Purpose != rule.Purpose)
        {
            return new RowProblem(name, ErrorCatalog.LinkPurpose,
                $"Cette alerte a été transmise pour la finalité « {answered.Purpose} » : une suite ne répond qu'à une alerte transmise pour « {rule.Purpose} ».");
        }
        if (answered.Sirets is null || !answered.Sirets.TryGetValue(reference, out var siret))
        {
            return new RowProblem(name, ErrorCatalog.UnknownAlertLine,
                "Cette référence ne désigne aucune ligne de cette alerte. Une suite répond à une ligne d'alerte, par la référence de cette ligne.");
        }
        return _siret >= 0 && string.Equals(row.Cells[_siret], siret, StringComparison.Ordinal)
            ? null
            : new RowProblem(_siret >= 0 ? exchange.Schema.Columns[_siret].Name : name, ErrorCatalog.AlertSiretMismatch,
                "Ce SIRET n'est pas celui de la ligne d'alerte désignée par la référence : une suite porte sur l'établissement de l'alerte.");
    }
}
