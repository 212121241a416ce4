using System.Globalization;
using CpomExchange.Gateway.Problems;
using CpomExchange.Infrastructure.Keys;
using CpomExchange.Infrastructure.Payloads;
using CpomExchange.Infrastructure.Storage;
using CpomExchange.Rules.Csv;
using CpomExchange.Rules.Errors;
using CpomExchange.Rules.Policies;
using CpomExchange.Rules.Pseudonymisation;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace CpomExchange.Gateway.Datasets;

/// <summary>What an upload must apply: the row checks of its minimisation rules, the masking, the split.</summary>
internal sealed class MinimisationPlan
{
    /// <summary>Checks each valid row against the rules (null when there is none).</summary>
    public Func<string[], RowProblem?>? RowCheck { get; set; }

    /// <summary>Small-count masking (null when the exchange has none).</summary>
    public Action<string[], long>? Transform { get; set; }

    /// <summary>For a split exchange: each possible recipient's adherents, as sorted pseudonyms.</summary>
    public Dictionary<string, UInt128[]> AdherentsOf { get; } = new(StringComparer.Ordinal);

    /// <summary>How many cells the masking replaced.</summary>
    public long MaskedCells { get; set; }
}

/// <summary>
/// The exchanges' minimisation rules (RGPD art. 5(1)(c)), applied from what the gateway already
/// holds as keyed pseudonyms, never identifiers in clear: the SIRETs of an answered dataset, those a
/// caisse targeted, the signalements addressed to the sender, each SPSTI's latest adherents list.
/// </summary>
internal static class Minimisation
{
    public static async Task<(MinimisationPlan? Plan, ProblemHttpResult? Problem)> PrepareAsync(
        ExchangeDefinition exchange, string sender, IReadOnlyList<(string Organisation, Contract Contract)> recipients, string? replyTo,
        CpomDbContext db, IPayloadStore store, IKeyProvider keys, Pseudonymiser pseudonymiser, CancellationToken cancellationToken)
    {
        var plan = new MinimisationPlan();
        var checks = new List<Func<string[], RowProblem?>>();
        var columns = exchange.Schema.Columns;
        var siret = columns.ToList().FindIndex(c => c.Kind == ColumnKind.Siret);
        var recipient = recipients[0].Organisation;
        if (replyTo is not null && !exchange.Minimisation.Any(r => r.Rule == MinimisationRules.ReplyTo))
        {
            return (null, Problem.Of(400, ErrorCatalog.ReplyToInvalid, $"L'échange « {exchange.Label} » ne répond pas à un autre jeu de données : retirez replyTo."));
        }
        foreach (var rule in exchange.Minimisation)
        {
            switch (rule.Rule)
            {
                case MinimisationRules.ReplyTo:
                {
                    if (replyTo is null)
                    {
                        return (null, Problem.Of(400, ErrorCatalog.ReplyToRequired,
                            $"Un fichier « {exchange.Type} » répond à un jeu de données « {rule.Exchange} » : indiquez son identifiant (replyTo)."));
                    }
                    var answered = await db.Datasets.AsNoTracking().SingleOrDefaultAsync(d => d.Id == replyTo, cancellationToken);
                    if (answered is null || answered.Type != rule.Exchange || answered.FromOrganisation != recipient || answered.ToOrganisation != sender)
                    {
                        return (null, Problem.Of(400, ErrorCatalog.ReplyToInvalid,
                            $"« {replyTo} » n'est pas un jeu de données « {rule.Exchange} » que {recipient} vous a adressé."));
                    }
                    if (answered.Status != DatasetStatus.Available)
                    {
                        return (null, Problem.Of(400, ErrorCatalog.ReplyToInvalid, $"Le jeu de données « {replyTo} » a été détruit : il n'appelle plus de réponse."));
                    }
                    var allowed = await DatasetFiles.ReadSubjectsAsync(store, keys, answered, cancellationToken);
                    checks.Add(cells => Array.BinarySearch(allowed, pseudonymiser.Short(IdentifierKind.Siret, cells[siret])) >= 0
                        ? null
                        : new RowProblem(columns[siret].Name, ErrorCatalog.NotInReply,
                            $"Ce SIRET ne figure pas dans la liste « {rule.Exchange} » à laquelle ce fichier répond : seuls ses établissements peuvent y figurer."));
                    break;
                }
                case MinimisationRules.TargetedByRecipient:
                {
                    var targeted = await UnionAsync(db, store, keys, rule.Exchange, from: recipient, to: sender, cancellationToken);
                    checks.Add(cells => Array.BinarySearch(targeted, pseudonymiser.Short(IdentifierKind.Siret, cells[siret])) >= 0
                        ? null
                        : new RowProblem(columns[siret].Name, ErrorCatalog.NotTargeted,
                            $"Cet établissement ne fait pas partie de ceux que {recipient} a ciblés et vous a transmis."));
                    break;
                }
                case MinimisationRules.AnswersSignalement:
                {
                    var reference = columns.ToList().FindIndex(c => c.Kind == ColumnKind.Reference);
                    var addressed = (await db.Datasets.AsNoTracking()
                        .Where(d => d.Type == rule.Exchange && d.FromOrganisation == recipient && d.ToOrganisation == sender && d.Status == DatasetStatus.Available)
                        .Select(d => d.Id).ToListAsync(cancellationToken)).ToHashSet(StringComparer.Ordinal);
                    checks.Add(cells => addressed.Contains(cells[reference])
                        ? null
                        : new RowProblem(columns[reference].Name, ErrorCatalog.UnknownSignalement,
                            $"Aucun signalement de {recipient} adressé à votre organisation ne porte cette référence."));
                    break;
                }
                case MinimisationRules.RecipientAdherents:
                    foreach (var (spsti, _) in recipients)
                    {
                        // The latest adherents list the SPSTI sent to this caisse.
                        var latest = await db.Datasets.AsNoTracking()
                            .Where(d => d.Type == rule.Exchange && d.FromOrganisation == spsti && d.ToOrganisation == sender && d.Status == DatasetStatus.Available)
                            .OrderByDescending(d => d.CreatedAtUtc).FirstOrDefaultAsync(cancellationToken);
                        if (latest is not null)
                        {
                            plan.AdherentsOf[spsti] = await DatasetFiles.ReadSubjectsAsync(store, keys, latest, cancellationToken);
                        }
                    }
                    break;
                default:
                    // Fail closed: a rule this gateway does not know is not carried.
                    return (null, Problem.Of(501, ErrorCatalog.ExchangeNotAvailable, $"Règle de minimisation « {rule.Rule} » non appliquée par cette passerelle."));
            }
        }
        if (checks.Count > 0)
        {
            plan.RowCheck = cells => checks.Select(c => c(cells)).FirstOrDefault(p => p is not null);
        }
        if (exchange.Masking is { } masking)
        {
            var threshold = recipients[0].Contract.MaskingThreshold ?? masking.Threshold;
            var masked = masking.Columns.Select(name => columns.ToList().FindIndex(c => c.Name == name)).ToArray();
            var marker = threshold == masking.Threshold ? masking.Marker : "<" + threshold.ToString(CultureInfo.InvariantCulture);
            plan.Transform = (cells, _) =>
            {
                foreach (var i in masked)
                {
                    // Counts from 1 to k-1 can reveal one person's accident in a small establishment.
                    if (long.TryParse(cells[i], NumberStyles.None, CultureInfo.InvariantCulture, out var count) && count >= 1 && count < threshold)
                    {
                        cells[i] = marker;
                        plan.MaskedCells++;
                    }
                }
            };
        }
        return (plan, null);
    }

    private static async Task<UInt128[]> UnionAsync(CpomDbContext db, IPayloadStore store, IKeyProvider keys, string type, string from, string to, CancellationToken cancellationToken)
    {
        var datasets = await db.Datasets.AsNoTracking()
            .Where(d => d.Type == type && d.FromOrganisation == from && d.ToOrganisation == to && d.Status == DatasetStatus.Available)
            .ToListAsync(cancellationToken);
        var all = new List<UInt128>();
        foreach (var dataset in datasets)
        {
            all.AddRange(await DatasetFiles.ReadSubjectsAsync(store, keys, dataset, cancellationToken));
        }
        return SubjectIndex.Normalise(all);
    }
}
