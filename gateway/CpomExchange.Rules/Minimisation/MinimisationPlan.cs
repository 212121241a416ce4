using CpomExchange.Rules.Csv;
using CpomExchange.Rules.Errors;
using CpomExchange.Rules.Indicators;
using CpomExchange.Rules.Masking;
using CpomExchange.Rules.Policies;

namespace CpomExchange.Rules.Minimisation;

/// <summary>
/// What an allowed upload applies to each valid row, from its decision and the subject sets the
/// storage loaded (data minimisation, RGPD art. 5(1)(c)): the row checks of its links (only the
/// SIRETs of the answered list, only the establishments the recipient targeted, only persons of a
/// signalement addressed to the sender), the years a report may concern, the small-count masking at
/// the contract's threshold, and, for a split file, which SPSTI receives which row. Every check is
/// handed the row's pseudonyms, computed once when the row was read.
/// </summary>
public sealed class MinimisationPlan
{
    private readonly List<Func<CsvRow, CancellationToken, ValueTask<RowProblem?>>> _checks = [];

    private MinimisationPlan(SmallCountMask? mask, StatisticalTableMask? table, IReadOnlyList<(string Recipient, SubjectSet Adherents)> split)
    {
        Mask = table is null ? mask : null;
        Table = table;
        Shares = split;
    }

    /// <summary>Small-count masking, row by row, at the contract's threshold (null when the exchange masks nothing, or masks a whole table).</summary>
    public SmallCountMask? Mask { get; }

    /// <summary>For a table of aggregates: statistical secrecy on the whole table once read (null otherwise); it includes the row masking.</summary>
    public StatisticalTableMask? Table { get; }

    /// <summary>For a split file: the recipients that sent an adherents list, in order, with their adherents.</summary>
    public IReadOnlyList<(string Recipient, SubjectSet Adherents)> Shares { get; }

    /// <summary>True when the plan has row checks.</summary>
    public bool HasRowChecks => _checks.Count > 0;

    /// <summary>The plan of <paramref name="decision"/> (allowed) from what the storage loaded, on the legal day <paramref name="today"/>.</summary>
    public static MinimisationPlan For(UploadDecision decision, LinkedSubjects linked, DateOnly today)
    {
        ArgumentNullException.ThrowIfNull(decision);
        ArgumentNullException.ThrowIfNull(linked);
        if (decision.Refusal is not null)
        {
            throw new ArgumentException("A refused upload has no plan.", nameof(decision));
        }
        var exchange = decision.Exchange;
        var recipient = decision.Recipients[0];
        var siret = exchange.Schema.Columns.ToList().FindIndex(c => c.Kind == ColumnKind.Siret);
        var siretName = siret >= 0 ? exchange.Schema.Columns[siret].Name : null;
        var shares = decision.Split
            ? decision.Recipients.Where(r => linked.AdherentsOf.ContainsKey(r.Organisation)).Select(r => (r.Organisation, linked.AdherentsOf[r.Organisation])).ToList()
            : [];
        var plan = new MinimisationPlan(SmallCountMask.For(exchange, recipient.Contract), StatisticalTableMask.For(exchange, recipient.Contract), shares);
        foreach (var rule in decision.Links)
        {
            switch (rule.Rule)
            {
                case MinimisationRules.ReplyTo:
                {
                    var answered = linked.Answered ?? throw new ArgumentException("The answered dataset's subjects were not loaded.", nameof(linked));
                    var problem = new RowProblem(siretName, ErrorCatalog.NotInReply,
                        $"Ce SIRET ne figure pas dans la liste « {rule.Exchange} » à laquelle ce fichier répond : seuls ses établissements peuvent y figurer.");
                    plan._checks.Add((row, _) => ValueTask.FromResult(answered.Contains(row.Subject(siret)) ? null : problem));
                    break;
                }
                case MinimisationRules.TargetedByRecipient:
                {
                    var targeted = linked.Targeted ?? throw new ArgumentException("The targeted establishments were not loaded.", nameof(linked));
                    var problem = new RowProblem(siretName, ErrorCatalog.NotTargeted,
                        $"Cet établissement ne fait pas partie de ceux que {recipient.Organisation} a ciblés et vous a transmis pour la finalité « {rule.Purpose} ».");
                    plan._checks.Add((row, _) => ValueTask.FromResult(targeted.Contains(row.Subject(siret)) ? null : problem));
                    break;
                }
                case MinimisationRules.AnswersSignalement:
                {
                    var answers = new SignalementAnswers(exchange, rule, recipient.Organisation,
                        linked.Signalements ?? throw new ArgumentException("No reader for the signalements a retour answers.", nameof(linked)));
                    plan._checks.Add(answers.CheckAsync);
                    break;
                }
                case MinimisationRules.AnswersAlerte:
                {
                    var answers = new AlertAnswers(exchange, rule, recipient.Organisation,
                        linked.Alerts ?? throw new ArgumentException("No reader for the alerts a suite answers.", nameof(linked)));
                    plan._checks.Add(answers.CheckAsync);
                    break;
                }
                case MinimisationRules.RecipientAdherents:
                    // Not a check: the split (Shares).
                    break;
                default:
                    // The decision refuses a rule this gateway does not know; fail closed all the same.
                    throw new InvalidOperationException($"Minimisation rule {rule.Rule} is not applied by this gateway.");
            }
        }
        // A report (the annual table) concerns a year its contract covered, and one that has begun.
        if (ReportingPolicy.YearCheck(exchange, recipient.Contract, today) is { } year)
        {
            plan._checks.Add((row, _) => ValueTask.FromResult(year(row.Cells)));
        }
        // The annual table's indicators: the DGT table's, or the contract's own under their volet.
        if (ContractIndicatorRows.Check(exchange, recipient.Contract) is { } indicators)
        {
            plan._checks.Add((row, _) => ValueTask.FromResult(indicators(row.Cells)));
        }
        return plan;
    }

    /// <summary>Null when <paramref name="row"/> passes every check, else the first problem.</summary>
    public async ValueTask<RowProblem?> CheckAsync(CsvRow row, CancellationToken cancellationToken)
    {
        foreach (var check in _checks)
        {
            if (await check(row, cancellationToken).ConfigureAwait(false) is { } problem)
            {
                return problem;
            }
        }
        return null;
    }
}
