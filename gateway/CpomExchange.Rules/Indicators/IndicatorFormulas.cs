using CpomExchange.Rules.Policies;

namespace CpomExchange.Rules.Indicators;

/// <summary>
/// A formula a contract's indicator can name (<c>computed:</c>): the rows of the datasets of
/// <paramref name="Exchange"/> sent from the contract's <paramref name="From"/> to its
/// <paramref name="To"/> under that contract during the year (stored between the year's bounds in
/// <c>Cpom:TimeZone</c>, <see cref="AnnualIndicators.UtcBounds"/>), withdrawn files excluded, as
/// the DGT table's signalements are counted. Counted from the datasets' metadata (their row count),
/// never from a payload: never a person.
/// </summary>
/// <param name="Name">The name contract files use.</param>
/// <param name="Exchange">The exchange counted; the contract must name it.</param>
/// <param name="From">Who sent the files counted.</param>
/// <param name="To">Who received them.</param>
/// <param name="HealthData">True when the exchange holds data concerning health (RGPD art. 9): the count is shown only to whoever may list it (<see cref="ReportingPolicy.DecideDraft"/>'s <c>Signalements</c>).</param>
/// <param name="Description">What it counts, in French, for the people who read the table.</param>
public sealed record IndicatorFormula(string Name, string Exchange, OrganisationKind From, OrganisationKind To, bool HealthData, string Description);

/// <summary>The formulas contract files may name (policies/README.md, "Indicateurs propres au contrat").</summary>
public static class IndicatorFormulas
{
    /// <summary>Signalements sent by the SPSTI's cellule PDP to the caisse's service social (002 volet 1b).</summary>
    public const string SignalementsSent = "signalements-emis";

    /// <summary>Signalements received by the cellule PDP from the service social (002 volet 1b, the other way).</summary>
    public const string SignalementsReceived = "signalements-recus";

    /// <summary>Answers (retours) the SPSTI sent on the service social's signalements.</summary>
    public const string ReturnsSent = "retours-emis";

    /// <summary>Answers (retours) the service social sent on the SPSTI's signalements (004 fiche 1: "le retour des assistantes sociales vers le médecin du travail").</summary>
    public const string ReturnsReceived = "retours-recus";

    /// <summary>Alert lines on a priority risk sent to the caisse (004 fiche 2, "entreprises signalées").</summary>
    public const string AlertsSent = "alertes-emises";

    /// <summary>Follow-up lines on the caisse's targeted establishments sent back to it (004 fiche 2, "actions au cas par cas de suivi").</summary>
    public const string FollowUpsSent = "suivis-emis";

    /// <summary>Every formula, by name.</summary>
    public static IReadOnlyDictionary<string, IndicatorFormula> All { get; } = new IndicatorFormula[]
    {
        new(SignalementsSent, "signalements-pdp", OrganisationKind.Spsti, OrganisationKind.Caisse, true,
            "Personnes signalées par la cellule PDP au service social de la caisse dans l'année"),
        new(SignalementsReceived, "signalements-pdp", OrganisationKind.Caisse, OrganisationKind.Spsti, true,
            "Personnes signalées par le service social de la caisse à la cellule PDP dans l'année"),
        new(ReturnsSent, "retour-signalement", OrganisationKind.Spsti, OrganisationKind.Caisse, true,
            "Retours de la cellule PDP sur les signalements du service social dans l'année"),
        new(ReturnsReceived, "retour-signalement", OrganisationKind.Caisse, OrganisationKind.Spsti, true,
            "Retours du service social sur les signalements de la cellule PDP dans l'année"),
        new(AlertsSent, "alertes-risque", OrganisationKind.Spsti, OrganisationKind.Caisse, false,
            "Lignes d'alerte sur un risque prioritaire transmises à la caisse dans l'année"),
        new(FollowUpsSent, "suivi-entreprises", OrganisationKind.Spsti, OrganisationKind.Caisse, false,
            "Lignes de suivi d'établissements ciblés transmises à la caisse dans l'année"),
    }.ToDictionary(f => f.Name, StringComparer.Ordinal);

    /// <summary>The organisation of <paramref name="contract"/> that plays <paramref name="kind"/>.</summary>
    public static string PartyOf(Contract contract, OrganisationKind kind)
    {
        ArgumentNullException.ThrowIfNull(contract);
        return kind switch
        {
            OrganisationKind.Spsti => contract.Spsti,
            OrganisationKind.Caisse => contract.Caisse,
            OrganisationKind.Dreets => contract.Dreets,
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Not a party of a contract."),
        };
    }
}
