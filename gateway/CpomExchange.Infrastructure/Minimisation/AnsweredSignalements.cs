using CpomExchange.Infrastructure.Keys;
using CpomExchange.Infrastructure.Payloads;
using CpomExchange.Infrastructure.Storage;
using CpomExchange.Rules.Csv;
using CpomExchange.Rules.Minimisation;
using CpomExchange.Rules.Policies;
using Microsoft.EntityFrameworkCore;

namespace CpomExchange.Infrastructure.Minimisation;

/// <summary>
/// Reads a signalement a retour names, for <see cref="SignalementAnswers"/>, or an alert a suite names,
/// for <see cref="AlertAnswers"/>: one the recipient addressed to the sender, still available; when it
/// was sent for the link's purpose, its row references. The signalement is decrypted once, in memory,
/// and only the references of its rows are kept (no identifier); of an alert (<c>answers-alerte</c>),
/// each line's SIRET is kept beside its reference, in memory for the upload's check only.
/// </summary>
internal sealed class AnsweredSignalements(CpomDbContext db, IPayloadStore store, IKeyProvider keys, PolicySet policies, MinimisationRule rule,
    string sender, string recipient) : IAnsweredRowsReader
{
    public async ValueTask<AnsweredRows> ReadAsync(string datasetId, CancellationToken cancellationToken)
    {
        var signalement = await db.Datasets.AsNoTracking().SingleOrDefaultAsync(d => d.Id == datasetId && d.Type == rule.Exchange
            && d.FromOrganisation == recipient && d.ToOrganisation == sender && d.Status == DatasetStatus.Available, cancellationToken);
        if (signalement is null)
        {
            return AnsweredRows.None;
        }
        if (signalement.Purpose != rule.Purpose)
        {
            return new AnsweredRows(signalement.Purpose, null);
        }
        var linked = policies.Exchanges[rule.Exchange];
        var delivered = linked.DeliveredHeader.ToList();
        var column = delivered.IndexOf(linked.RowReference!);
        var siret = rule.Rule == MinimisationRules.AnswersAlerte
            ? delivered.IndexOf(linked.Schema.Columns.Single(c => c.Kind == ColumnKind.Siret).Name)
            : -1;
        var references = new HashSet<string>(StringComparer.Ordinal);
        var sirets = siret >= 0 ? new Dictionary<string, string>(StringComparer.Ordinal) : null;
        long position = 0;
        await StoredRows.ReadAsync(signalement, store, keys, (header, row) =>
        {
            // Only the references (and an alert line's SIRET) are kept; the rest of the row is dropped at once.
            var cells = StoredRows.AsDelivered(linked, signalement.Id, header, row, ++position);
            references.Add(cells[column]);
            if (sirets is not null)
            {
                sirets[cells[column]] = cells[siret];
            }
            return ValueTask.CompletedTask;
        }, cancellationToken);
        return new AnsweredRows(signalement.Purpose, references) { Sirets = sirets };
    }
}
