using CpomExchange.Gateway.Problems;
using CpomExchange.Infrastructure.Keys;
using CpomExchange.Infrastructure.Payloads;
using CpomExchange.Infrastructure.Storage;
using CpomExchange.Rules.Csv;
using CpomExchange.Rules.Errors;
using CpomExchange.Rules.Masking;
using CpomExchange.Rules.Policies;
using CpomExchange.Rules.Pseudonymisation;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace CpomExchange.Gateway.Datasets;

/// <summary>What an upload must apply: the row checks of its minimisation rules, the masking, the split.</summary>
internal sealed class MinimisationPlan
{
    /// <summary>Checks each valid row against the rules (null when there is none).</summary>
    public Func<string[], ValueTask<RowProblem?>>? RowCheck { get; set; }

    /// <summary>Small-count masking at the contract's threshold (null when the exchange has none).</summary>
    public SmallCountMask? Mask { get; set; }

    /// <summary>For a split exchange: each possible recipient's adherents, as sorted pseudonyms.</summary>
    public Dictionary<string, UInt128[]> AdherentsOf { get; } = new(StringComparer.Ordinal);
}

/// <summary>A refusal of the minimisation rules, to be logged under the caller and the controllers in <see cref="Concerned"/>.</summary>
internal sealed record MinimisationRefusal(ProblemHttpResult Problem, IReadOnlyList<string> Concerned);

/// <summary>
/// The exchanges' minimisation rules (RGPD art. 5(1)(c)), applied from what the gateway already
/// holds as keyed pseudonyms, never identifiers in clear: the SIRETs of an answered dataset, those a
/// caisse targeted, the persons of the signalements addressed to the sender, each SPSTI's latest
/// adherents list. Every link resolves only datasets sent for the purpose the catalogue names for it
/// (purpose limitation, RGPD art. 5(1)(b)): a list sent to receive targeted companies is not answered
/// with accident statistics, and a list sent for the sinistralité does not drive the split of targets.
/// </summary>
internal static class Minimisation
{
    public static async Task<(MinimisationPlan? Plan, MinimisationRefusal? Refusal)> PrepareAsync(
        ExchangeDefinition exchange, string sender, IReadOnlyList<(string Organisation, Contract Contract)> recipients, string purpose, string? replyTo,
        CpomDbContext db, IPayloadStore store, IKeyProvider keys, Pseudonymiser pseudonymiser, PolicySet policies, CancellationToken cancellationToken)
    {
        var plan = new MinimisationPlan();
        var checks = new List<Func<string[], ValueTask<RowProblem?>>>();
        var columns = exchange.Schema.Columns;
        var siret = columns.ToList().FindIndex(c => c.Kind == ColumnKind.Siret);
        var recipient = recipients[0].Organisation;
        if (replyTo is not null && !exchange.Minimisation.Any(r => r.Rule == MinimisationRules.ReplyTo))
        {
            return Refuse(Problem.Of(400, ErrorCatalog.ReplyToInvalid, $"L'échange « {exchange.Label} » ne répond pas à un autre jeu de données : retirez replyTo."));
        }
        foreach (var rule in exchange.Minimisation)
        {
            if (purpose != rule.Purpose)
            {
                // The loader keeps a link's purpose among the exchange's; an exchange with several purposes
                // still uses linked data only for the one they were sent for.
                return Refuse(Problem.Of(403, ErrorCatalog.LinkPurpose,
                    $"Un fichier « {exchange.Type} » s'appuie sur des jeux de données « {rule.Exchange} » transmis pour la finalité « {rule.Purpose} » : il ne peut être envoyé que pour celle-ci, pas pour « {purpose} » (RGPD art. 5(1)(b))."));
            }
            var linkedLabel = policies.Exchanges.TryGetValue(rule.Exchange, out var linked) ? linked.Label : rule.Exchange;
            switch (rule.Rule)
            {
                case MinimisationRules.ReplyTo:
                {
                    if (replyTo is null)
                    {
                        return Refuse(Problem.Of(400, ErrorCatalog.ReplyToRequired,
                            $"Un fichier « {exchange.Type} » répond à un jeu de données « {rule.Exchange} » : indiquez son identifiant (replyTo)."));
                    }
                    var answered = await db.Datasets.AsNoTracking().SingleOrDefaultAsync(d => d.Id == replyTo, cancellationToken);
                    if (answered is null || answered.Type != rule.Exchange || answered.FromOrganisation != recipient || answered.ToOrganisation != sender)
                    {
                        return Refuse(Problem.Of(400, ErrorCatalog.ReplyToInvalid,
                            $"« {replyTo} » n'est pas un jeu de données « {rule.Exchange} » que {recipient} vous a adressé."));
                    }
                    if (answered.Status != DatasetStatus.Available)
                    {
                        return Refuse(Problem.Of(400, ErrorCatalog.ReplyToInvalid, $"Le jeu de données « {replyTo} » a été détruit : il n'appelle plus de réponse."));
                    }
                    if (answered.Purpose != rule.Purpose)
                    {
                        // Refused under both controllers: the list's owner learns its list was not misused.
                        return Refuse(Problem.Of(403, ErrorCatalog.LinkPurpose,
                            $"La liste « {linkedLabel} » « {replyTo} » a été transmise par {answered.FromOrganisation} pour la finalité « {answered.Purpose} » : "
                            + $"un fichier « {exchange.Type} » ne répond qu'à une liste transmise pour « {rule.Purpose} » (RGPD art. 5(1)(b))."), answered.FromOrganisation);
                    }
                    var allowed = await DatasetFiles.ReadSubjectsAsync(store, keys, answered, cancellationToken);
                    checks.Add(cells => ValueTask.FromResult(Array.BinarySearch(allowed, pseudonymiser.Short(IdentifierKind.Siret, cells[siret])) >= 0
                        ? null
                        : new RowProblem(columns[siret].Name, ErrorCatalog.NotInReply,
                            $"Ce SIRET ne figure pas dans la liste « {rule.Exchange} » à laquelle ce fichier répond : seuls ses établissements peuvent y figurer.")));
                    break;
                }
                case MinimisationRules.TargetedByRecipient:
                {
                    var targeted = await UnionAsync(db, store, keys, rule, from: recipient, to: sender, cancellationToken);
                    checks.Add(cells => ValueTask.FromResult(Array.BinarySearch(targeted, pseudonymiser.Short(IdentifierKind.Siret, cells[siret])) >= 0
                        ? null
                        : new RowProblem(columns[siret].Name, ErrorCatalog.NotTargeted,
                            $"Cet établissement ne fait pas partie de ceux que {recipient} a ciblés et vous a transmis pour la finalité « {rule.Purpose} ».")));
                    break;
                }
                case MinimisationRules.AnswersSignalement:
                    checks.Add(new SignalementAnswers(exchange, rule, policies, sender, recipient, db, store, keys, cancellationToken).CheckAsync);
                    break;
                case MinimisationRules.RecipientAdherents:
                    foreach (var (spsti, _) in recipients)
                    {
                        // The latest adherents list the SPSTI sent to this caisse for the purpose of the link.
                        var latest = await db.Datasets.AsNoTracking()
                            .Where(d => d.Type == rule.Exchange && d.FromOrganisation == spsti && d.ToOrganisation == sender
                                && d.Purpose == rule.Purpose && d.Status == DatasetStatus.Available)
                            .OrderByDescending(d => d.CreatedAtUtc).FirstOrDefaultAsync(cancellationToken);
                        if (latest is not null)
                        {
                            plan.AdherentsOf[spsti] = await DatasetFiles.ReadSubjectsAsync(store, keys, latest, cancellationToken);
                        }
                    }
                    break;
                default:
                    // Fail closed: a rule this gateway does not know is not carried.
                    return Refuse(Problem.Of(501, ErrorCatalog.ExchangeNotAvailable, $"Règle de minimisation « {rule.Rule} » non appliquée par cette passerelle."));
            }
        }
        if (checks.Count > 0)
        {
            plan.RowCheck = async cells =>
            {
                foreach (var check in checks)
                {
                    if (await check(cells) is { } problem)
                    {
                        return problem;
                    }
                }
                return null;
            };
        }
        plan.Mask = SmallCountMask.For(exchange, recipients[0].Contract);
        return (plan, null);
    }

    private static (MinimisationPlan?, MinimisationRefusal?) Refuse(ProblemHttpResult problem, params string[] concerned) =>
        (null, new MinimisationRefusal(problem, concerned));

    private static async Task<UInt128[]> UnionAsync(CpomDbContext db, IPayloadStore store, IKeyProvider keys, MinimisationRule rule, string from, string to,
        CancellationToken cancellationToken)
    {
        var datasets = await db.Datasets.AsNoTracking()
            .Where(d => d.Type == rule.Exchange && d.FromOrganisation == from && d.ToOrganisation == to && d.Purpose == rule.Purpose && d.Status == DatasetStatus.Available)
            .ToListAsync(cancellationToken);
        var all = new List<UInt128>();
        foreach (var dataset in datasets)
        {
            all.AddRange(await DatasetFiles.ReadSubjectsAsync(store, keys, dataset, cancellationToken));
        }
        return SubjectIndex.Normalise(all);
    }
}
