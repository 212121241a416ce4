using CpomExchange.Infrastructure.Keys;
using CpomExchange.Infrastructure.Payloads;
using CpomExchange.Infrastructure.Storage;
using CpomExchange.Rules.Csv;
using CpomExchange.Rules.Errors;
using CpomExchange.Rules.Policies;
using Microsoft.EntityFrameworkCore;

namespace CpomExchange.Gateway.Datasets;

/// <summary>
/// The rule <c>answers-signalement</c>: each row of a retour answers one person, named by the reference
/// the gateway gave that person's row (<c>ds_…:3</c>, see <see cref="RowReferences"/>), in a signalement
/// the recipient addressed to the sender for the link's purpose and that still holds that person (a
/// worker who withdrew consent is no longer in it). The check keeps no identifier: it decrypts each
/// signalement a retour names, once, in memory, and keeps only its row references.
/// </summary>
internal sealed class SignalementAnswers(ExchangeDefinition exchange, MinimisationRule rule, PolicySet policies, string sender, string recipient,
    CpomDbContext db, IPayloadStore store, IKeyProvider keys, CancellationToken cancellationToken)
{
    private readonly int _column = exchange.Schema.Columns.ToList().FindIndex(c => c.Kind == ColumnKind.RowReference);
    private readonly Dictionary<string, Linked> _signalements = new(StringComparer.Ordinal);

    /// <summary>What a retour may answer in one signalement: nothing (not addressed to the sender), or these rows.</summary>
    private sealed record Linked(string? Purpose, HashSet<string>? References);

    public async ValueTask<RowProblem?> CheckAsync(string[] cells)
    {
        var name = exchange.Schema.Columns[_column].Name;
        var reference = cells[_column];
        if (!RowReferences.TryParse(reference, out var id, out _))
        {
            // The column's type already refused it; fail closed all the same.
            return new RowProblem(name, ErrorCatalog.BadReference, "Référence de ligne illisible.");
        }
        if (!_signalements.TryGetValue(id, out var linked))
        {
            linked = await LoadAsync(id);
            _signalements[id] = linked;
        }
        if (linked.Purpose is null)
        {
            return new RowProblem(name, ErrorCatalog.UnknownSignalement, $"Aucun signalement de {recipient} adressé à votre organisation ne porte cette référence.");
        }
        if (linked.Purpose != rule.Purpose)
        {
            return new RowProblem(name, ErrorCatalog.LinkPurpose,
                $"Ce signalement a été transmis pour la finalité « {linked.Purpose} » : un retour ne répond qu'à un signalement transmis pour « {rule.Purpose} ».");
        }
        return linked.References!.Contains(reference)
            ? null
            : new RowProblem(name, ErrorCatalog.UnknownPerson,
                "Cette référence ne désigne aucune personne de ce signalement : elle n'y a jamais figuré, ou elle en a été retirée (retrait de son consentement). Un retour répond à une personne, par la référence de sa ligne.");
    }

    private async Task<Linked> LoadAsync(string id)
    {
        var signalement = await db.Datasets.AsNoTracking().SingleOrDefaultAsync(d => d.Id == id && d.Type == rule.Exchange
            && d.FromOrganisation == recipient && d.ToOrganisation == sender && d.Status == DatasetStatus.Available, cancellationToken);
        if (signalement is null)
        {
            return new Linked(null, null);
        }
        if (signalement.Purpose != rule.Purpose)
        {
            return new Linked(signalement.Purpose, null);
        }
        var linked = policies.Exchanges[rule.Exchange];
        var column = linked.DeliveredHeader.ToList().IndexOf(linked.RowReference!);
        var references = new HashSet<string>(StringComparer.Ordinal);
        long position = 0;
        await StoredRows.ReadAsync(signalement, store, keys, (header, row) =>
        {
            // Only the references are kept; the rest of the row is dropped at once.
            references.Add(StoredRows.AsDelivered(linked, signalement.Id, header, row, ++position)[column]);
            return ValueTask.CompletedTask;
        }, cancellationToken);
        return new Linked(signalement.Purpose, references);
    }
}
