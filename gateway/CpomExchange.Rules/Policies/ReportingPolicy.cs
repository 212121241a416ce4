using System.Globalization;
using CpomExchange.Rules.Csv;
using CpomExchange.Rules.Errors;

namespace CpomExchange.Rules.Policies;

/// <summary>
/// Who may draft a contract's annual follow-up table, and which parts of it.
/// <paramref name="Establishments"/>: the rows counted from company-level exchanges (actions in
/// establishments, the caisse's targets). <paramref name="Signalements"/>: the rows counted from
/// health-data exchanges (the PDP signalements).
/// </summary>
public sealed record DraftDecision(bool Allowed, string? Code, string Message, bool Establishments, bool Signalements);

/// <summary>
/// The rules of reports on a contract (exchanges with <see cref="ExchangeDefinition.Report"/>: the
/// annual follow-up table): the years they may concern, and who may draft the table from what went
/// through the gateway. The decisions themselves are <see cref="AccessPolicy.Decide"/>'s.
/// </summary>
public static class ReportingPolicy
{
    /// <summary>The exchange of the annual table (DOMAIN.md 8).</summary>
    public const string Indicators = "indicateurs";

    /// <summary>The health-data exchange the table counts (002 volet 1b: "Nombre de signalements émis entre le SATM et le Service social").</summary>
    public const string Signalements = "signalements-pdp";

    /// <summary>
    /// Null when a report may concern <paramref name="year"/> under <paramref name="contract"/> on
    /// <paramref name="today"/>, else why not, in French: a year the contract covered (even in part),
    /// and one that has begun.
    /// </summary>
    public static string? YearProblem(Contract contract, int year, DateOnly today)
    {
        ArgumentNullException.ThrowIfNull(contract);
        if (!contract.Covers(year))
        {
            return $"Le contrat « {contract.Id} » couvre les années {contract.Start.Year} à {contract.End.Year} : pas de compte rendu pour {year}.";
        }
        return year > today.Year ? $"L'année {year} n'a pas commencé : pas de compte rendu pour elle." : null;
    }

    /// <summary>
    /// The row check of a report upload: every <c>year</c> cell names a year <paramref name="contract"/>
    /// covered and that has begun (null when <paramref name="exchange"/> is not a report).
    /// </summary>
    public static Func<string[], RowProblem?>? YearCheck(ExchangeDefinition exchange, Contract contract, DateOnly today)
    {
        ArgumentNullException.ThrowIfNull(exchange);
        if (!exchange.Report)
        {
            return null;
        }
        var years = exchange.Schema.Columns.Select((c, i) => (c, i)).Where(x => x.c.Kind == ColumnKind.Year).ToArray();
        return cells =>
        {
            foreach (var (column, index) in years)
            {
                if (int.TryParse(cells[index], NumberStyles.None, CultureInfo.InvariantCulture, out var year) && YearProblem(contract, year, today) is { } problem)
                {
                    return new RowProblem(column.Name, ErrorCatalog.ReportYearNotCovered, problem);
                }
            }
            return null;
        };
    }

    /// <summary>
    /// Decides whether a caller may draft <paramref name="contract"/>'s annual table on
    /// <paramref name="day"/>, and which rows it may see. The caller's organisation is the
    /// contract's SPSTI; the contract is in force or in its reporting period and names the table.
    /// The establishment rows go to whoever may send the table (<see cref="AccessPolicy.Decide"/>:
    /// send <c>indicateurs</c> for that purpose to the DREETS or the caisse, under this contract).
    /// The signalement rows are counted from health data (RGPD art. 9): only to whoever the policy
    /// lets list the signalements exchanged with the caisse under this contract, on that day or, in
    /// the reporting period, on the term's last day (the counts describe the term).
    /// </summary>
    public static DraftDecision DecideDraft(PolicySet policies, IReadOnlyCollection<string> roles, string? organisation, Contract contract, DateOnly day)
    {
        ArgumentNullException.ThrowIfNull(policies);
        ArgumentNullException.ThrowIfNull(contract);
        contract = contract.On(day);
        if (organisation != contract.Spsti)
        {
            return Deny(ErrorCatalog.RoleNotAllowed, $"Le tableau de suivi du contrat « {contract.Id} » est établi par son SPSTI, {policies.Organisations[contract.Spsti].Name}.");
        }
        if (!contract.InForce(day) && !contract.InReportingPeriod(day))
        {
            return Deny(ErrorCatalog.ContractNotInForce,
                $"Le contrat « {contract.Id} » n'est pas en vigueur le {day:dd/MM/yyyy} (du {contract.Start:dd/MM/yyyy} au {contract.End:dd/MM/yyyy}, comptes rendus jusqu'au {contract.ReportingUntil:dd/MM/yyyy}).");
        }
        if (!contract.Exchanges.TryGetValue(Indicators, out var table) || !table.Purposes.Contains(Indicators))
        {
            return Deny(ErrorCatalog.ExchangeNotInContract, $"Le contrat « {contract.Id} » ne prévoit pas de tableau de suivi (échange « {Indicators} »).");
        }
        var send = new[] { contract.Dreets, contract.Caisse }
            .Select(to => AccessPolicy.Decide(policies, new AccessRequest(roles, organisation, DataAction.Send, Indicators, to, Indicators, day)))
            .ToList();
        var establishments = send.Any(d => d.Allowed && d.Contract?.Id == contract.Id);
        var signalementsDay = contract.InForce(day) ? day : contract.End;
        var list = AccessPolicy.Decide(policies, new AccessRequest(roles, organisation, DataAction.List, Signalements, contract.Caisse, null, signalementsDay));
        var signalements = list.Allowed && list.Contract?.Id == contract.Id;
        if (!establishments && !signalements)
        {
            var refused = send.FirstOrDefault(d => !d.Allowed);
            return refused is not null
                ? Deny(refused.Code!, refused.Message)
                : Deny(ErrorCatalog.ContractNotInForce, $"Le tableau de suivi relève aujourd'hui du contrat « {send[0].Contract?.Id} », pas de « {contract.Id} ».");
        }
        return new DraftDecision(true, null, "Accès autorisé.", establishments, signalements);
    }

    private static DraftDecision Deny(string code, string message) => new(false, code, message, false, false);
}
