using CpomExchange.Infrastructure.Keys;
using CpomExchange.Infrastructure.Payloads;
using CpomExchange.Infrastructure.Storage;
using CpomExchange.Rules.Errors;
using CpomExchange.Rules.Minimisation;
using CpomExchange.Rules.Policies;
using Microsoft.EntityFrameworkCore;

namespace CpomExchange.Infrastructure.Minimisation;

/// <summary>
/// The storage's side of the minimisation rules: reads the earlier datasets an upload's links name —
/// only among those sent for the link's purpose — and their subject indexes, as keyed pseudonyms
/// (never identifiers in clear): the SIRETs of an answered dataset, those a caisse targeted, each
/// SPSTI's latest adherents list, the persons of the signalements addressed to the sender. What may
/// be used is the rules' decision (<see cref="ReplyToLink"/>, <see cref="MinimisationPlan"/>).
/// </summary>
public sealed class LinkedDatasets(CpomDbContext db, IPayloadStore store, IKeyProvider keys, PolicySet policies)
{
    /// <summary>What a dataset's row tells the rules.</summary>
    public static DatasetFacts FactsOf(DatasetEntity dataset)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        return new DatasetFacts(dataset.Id, dataset.Type, dataset.FromOrganisation, dataset.ToOrganisation, dataset.Purpose, dataset.Status == DatasetStatus.Available);
    }

    /// <summary>
    /// Loads what <paramref name="decision"/>'s links need for an upload by <paramref name="sender"/>
    /// answering <paramref name="replyTo"/>; or the refusal of the dataset it answers.
    /// </summary>
    public async Task<(LinkedSubjects? Linked, Refusal? Refusal)> LoadAsync(UploadDecision decision, string sender, string? replyTo, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(decision);
        var recipient = decision.Recipients[0].Organisation;
        var linked = new LinkedSubjects();
        foreach (var rule in decision.Links)
        {
            switch (rule.Rule)
            {
                case MinimisationRules.ReplyTo:
                {
                    var answered = await db.Datasets.AsNoTracking().SingleOrDefaultAsync(d => d.Id == replyTo, cancellationToken);
                    if (ReplyToLink.Check(policies, decision.Exchange, rule, replyTo!, answered is null ? null : FactsOf(answered), sender, recipient) is { } refusal)
                    {
                        return (null, refusal);
                    }
                    linked = linked with { Answered = SubjectSet.OfSorted(await DatasetFiles.ReadSubjectsAsync(store, keys, answered!, cancellationToken)) };
                    break;
                }
                case MinimisationRules.TargetedByRecipient:
                    linked = linked with { Targeted = await UnionAsync(rule, from: recipient, to: sender, cancellationToken) };
                    break;
                case MinimisationRules.AnswersSignalement:
                    linked = linked with { Signalements = new AnsweredSignalements(db, store, keys, policies, rule, sender, recipient) };
                    break;
                case MinimisationRules.AnswersAlerte:
                    linked = linked with { Alerts = new AnsweredSignalements(db, store, keys, policies, rule, sender, recipient) };
                    break;
                case MinimisationRules.RecipientAdherents:
                {
                    var adherents = new Dictionary<string, SubjectSet>(StringComparer.Ordinal);
                    foreach (var spsti in decision.Recipients.Select(r => r.Organisation))
                    {
                        // The latest adherents list the SPSTI sent to this caisse for the purpose of the link.
                        var latest = await db.Datasets.AsNoTracking()
                            .Where(d => d.Type == rule.Exchange && d.FromOrganisation == spsti && d.ToOrganisation == sender
                                && d.Purpose == rule.Purpose && d.Status == DatasetStatus.Available)
                            .OrderByDescending(d => d.CreatedAtUtc).FirstOrDefaultAsync(cancellationToken);
                        if (latest is not null)
                        {
                            adherents[spsti] = SubjectSet.OfSorted(await DatasetFiles.ReadSubjectsAsync(store, keys, latest, cancellationToken));
                        }
                    }
                    linked = linked with { AdherentsOf = adherents };
                    break;
                }
                default:
                    // The decision refused it already; fail closed all the same.
                    return (null, new Refusal(ErrorCatalog.ExchangeNotAvailable, $"Règle de minimisation « {rule.Rule} » non appliquée par cette passerelle."));
            }
        }
        return (linked, null);
    }

    private async Task<SubjectSet> UnionAsync(MinimisationRule rule, string from, string to, CancellationToken cancellationToken)
    {
        var datasets = await db.Datasets.AsNoTracking()
            .Where(d => d.Type == rule.Exchange && d.FromOrganisation == from && d.ToOrganisation == to && d.Purpose == rule.Purpose && d.Status == DatasetStatus.Available)
            .ToListAsync(cancellationToken);
        var all = new List<UInt128>();
        foreach (var dataset in datasets)
        {
            all.AddRange(await DatasetFiles.ReadSubjectsAsync(store, keys, dataset, cancellationToken));
        }
        return SubjectSet.Of(all);
    }
}
