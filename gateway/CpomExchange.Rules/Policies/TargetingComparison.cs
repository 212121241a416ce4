using CpomExchange.Rules.Errors;

namespace CpomExchange.Rules.Policies;

/// <summary>One company of a compared list: its SIRET, its name, and what its list says of it (programme, or theme and motif).</summary>
public sealed record TargetedCompany(string Siret, string RaisonSociale, string Detail);

/// <summary>The three parts of a comparison: companies targeted by both parties, by the caisse only, by the SPSTI only.</summary>
public sealed record TargetingSplit(IReadOnlyList<TargetedCompany> Both, IReadOnlyList<TargetedCompany> CaisseOnly, IReadOnlyList<TargetedCompany> SpstiOnly);

/// <summary>
/// The comparison of a contract's two targeting lists (seed 004 fiche action 2, actions 3-4: « Echange
/// sur les listes des entreprises ciblées par la Carsat ... et celles ciblées par P.S.T.38 » and the
/// concertation on them): the caisse's <c>entreprises-ciblees</c> delivered to the SPSTI and the SPSTI's
/// <c>cible-spsti</c> sent to the caisse. Both parties hold both lists, so either side's agent may
/// compare them: only the contract's caisse and SPSTI, each with a role that may send its own list and
/// download the other's, for the <c>ciblage</c> purpose, under a contract in force that names both
/// exchanges. Nobody else (the DREETS, another SPSTI of the caisse) may.
/// </summary>
public static class TargetingComparison
{
    /// <summary>The caisse's list.</summary>
    public const string CaisseList = "entreprises-ciblees";

    /// <summary>The SPSTI's list.</summary>
    public const string SpstiList = "cible-spsti";

    /// <summary>The purpose both lists are sent for, and the comparison's.</summary>
    public const string Purpose = "ciblage";

    /// <summary>
    /// Whether <paramref name="organisation"/>'s agent with <paramref name="roles"/> may compare the lists
    /// of <paramref name="contract"/> on <paramref name="day"/>: the caller's own list as its sender, the
    /// other's as its recipient, both under <see cref="AccessPolicy"/>.
    /// </summary>
    public static AccessDecision Decide(PolicySet policies, IReadOnlyCollection<string> roles, string? organisation, Contract contract, DateOnly day)
    {
        ArgumentNullException.ThrowIfNull(policies);
        ArgumentNullException.ThrowIfNull(contract);
        if (organisation != contract.Caisse && organisation != contract.Spsti)
        {
            return AccessDecision.Deny(ErrorCatalog.ComparisonNotParty,
                "Seuls la caisse et le SPSTI de ce contrat détiennent les deux listes d'entreprises ciblées : eux seuls peuvent les comparer.");
        }
        if (!contract.Exchanges.TryGetValue(CaisseList, out var caisse) || !caisse.Purposes.Contains(Purpose)
            || !contract.Exchanges.TryGetValue(SpstiList, out var spsti) || !spsti.Purposes.Contains(Purpose))
        {
            return AccessDecision.Deny(ErrorCatalog.ExchangeNotInContract,
                $"Le contrat « {contract.Title} » ne prévoit pas l'échange des deux listes d'entreprises ciblées (« {CaisseList} » et « {SpstiList} ») pour la finalité « {Purpose} ».");
        }
        var isCaisse = organisation == contract.Caisse;
        var other = isCaisse ? contract.Spsti : contract.Caisse;
        var own = AccessPolicy.Decide(policies, new AccessRequest(roles, organisation, DataAction.Send, isCaisse ? CaisseList : SpstiList, other, Purpose, day));
        if (!own.Allowed)
        {
            return own;
        }
        var theirs = AccessPolicy.Decide(policies, new AccessRequest(roles, organisation, DataAction.Download, isCaisse ? SpstiList : CaisseList, other, Purpose, day));
        return !theirs.Allowed ? theirs : own.Contract?.Id == contract.Id ? own : AccessDecision.Deny(ErrorCatalog.NoContract, "Ce contrat n'est pas celui qui régit ces échanges aujourd'hui.");
    }

    /// <summary>
    /// Splits the two lists by SIRET (as the gateway normalised them): targeted by both (with the caisse's
    /// row, then the SPSTI's detail), by the caisse only, by the SPSTI only; each part in SIRET order.
    /// </summary>
    public static TargetingSplit Compare(IEnumerable<TargetedCompany> caisse, IEnumerable<TargetedCompany> spsti)
    {
        ArgumentNullException.ThrowIfNull(caisse);
        ArgumentNullException.ThrowIfNull(spsti);
        var byCaisse = caisse.GroupBy(c => c.Siret, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        var bySpsti = spsti.GroupBy(c => c.Siret, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        var both = byCaisse.Values.Where(c => bySpsti.ContainsKey(c.Siret))
            .Select(c => c with { RaisonSociale = c.RaisonSociale.Length > 0 ? c.RaisonSociale : bySpsti[c.Siret].RaisonSociale, Detail = $"{c.Detail} / {bySpsti[c.Siret].Detail}" });
        return new TargetingSplit(
            [.. both.OrderBy(c => c.Siret, StringComparer.Ordinal)],
            [.. byCaisse.Values.Where(c => !bySpsti.ContainsKey(c.Siret)).OrderBy(c => c.Siret, StringComparer.Ordinal)],
            [.. bySpsti.Values.Where(c => !byCaisse.ContainsKey(c.Siret)).OrderBy(c => c.Siret, StringComparer.Ordinal)]);
    }
}
