using CpomExchange.Infrastructure.Keys;
using CpomExchange.Infrastructure.Payloads;
using CpomExchange.Infrastructure.Storage;
using CpomExchange.Rules.Minimisation;
using CpomExchange.Rules.Policies;
using Microsoft.EntityFrameworkCore;

namespace CpomExchange.Infrastructure.Minimisation;

/// <summary>
/// Reads a signalement a retour names, for <see cref="SignalementAnswers"/>: one the recipient
/// addressed to the sender, still available; when it was sent for the link's purpose, its row
/// references. The check keeps no identifier: the signalement is decrypted once, in memory, and only
/// the references of its rows are kept.
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
        var column = linked.DeliveredHeader.ToList().IndexOf(linked.RowReference!);
        var references = new HashSet<string>(StringComparer.Ordinal);
        long position = 0;
        await StoredRows.ReadAsync(signalement, store, keys, (header, row) =>
        {
            // Only the references are kept; the rest of the row is dropped at once.
            references.Add(StoredRows.AsDelivered(linked, signalement.Id, header, row, ++position)[column]);
            return ValueTask.CompletedTask;
        }, cancellationToken);
        return new AnsweredRows(signalement.Purpose, references);
    }
}
