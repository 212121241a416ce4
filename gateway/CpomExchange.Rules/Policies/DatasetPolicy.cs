using CpomExchange.Rules.Errors;

namespace CpomExchange.Rules.Policies;

/// <summary>
/// What a caller may do with one dataset the gateway holds, decided once: the caller's side (only the
/// recipient downloads or acknowledges it; only the sender removes a person from it), the policy
/// (<see cref="AccessPolicy.Decide"/> with the other party as counterpart), and purpose limitation
/// (RGPD art. 5(1)(b)): data sent for one purpose is read, acknowledged and corrected for that
/// purpose only.
/// </summary>
public static class DatasetPolicy
{
    /// <summary>
    /// Decides <paramref name="action"/> (<see cref="DataAction.Download"/>, <see cref="DataAction.Acknowledge"/>
    /// or <see cref="DataAction.WithdrawConsent"/>) on <paramref name="dataset"/> by an agent of
    /// <paramref name="organisation"/> for <paramref name="purpose"/> on <paramref name="day"/>.
    /// </summary>
    public static AccessDecision Decide(PolicySet policies, IReadOnlyCollection<string> roles, string? organisation, DataAction action,
        DatasetFacts dataset, string? purpose, DateOnly day)
    {
        ArgumentNullException.ThrowIfNull(policies);
        ArgumentNullException.ThrowIfNull(dataset);
        var asSender = action == DataAction.WithdrawConsent;
        if ((asSender ? dataset.From : dataset.To) != organisation)
        {
            return AccessDecision.Deny(ErrorCatalog.DirectionNotAllowed, action switch
            {
                DataAction.Download => "Seul le destinataire télécharge le contenu d'un jeu de données ; l'expéditeur en consulte les métadonnées.",
                DataAction.Acknowledge => "Seul le destinataire accuse réception d'un jeu de données.",
                DataAction.WithdrawConsent => "Seul l'expéditeur d'un jeu de données en retire une personne ; le destinataire peut demander ce retrait à l'expéditeur.",
                _ => throw new ArgumentOutOfRangeException(nameof(action), action, "Not an action on one dataset's content."),
            });
        }
        if (action == DataAction.WithdrawConsent
            && (!policies.Exchanges.TryGetValue(dataset.Type, out var exchange) || exchange.Roles.WithdrawConsent.Count == 0 || exchange.RowReference is null))
        {
            return AccessDecision.Deny(ErrorCatalog.ConsentNotApplicable,
                $"Un jeu de données « {dataset.Type} » ne désigne pas de personnes que l'on puisse en retirer ; retirez le jeu de données entier si nécessaire.");
        }
        var counterpart = asSender ? dataset.To : dataset.From;
        var decision = AccessPolicy.Decide(policies, new AccessRequest(roles, organisation, action, dataset.Type, counterpart, purpose, day, asSender));
        if (!decision.Allowed)
        {
            return decision;
        }
        if (purpose != dataset.Purpose)
        {
            return AccessDecision.Deny(ErrorCatalog.PurposeNotAllowed, $"Ce jeu de données a été transmis pour la finalité « {dataset.Purpose} » : " + action switch
            {
                DataAction.Download => "il ne peut être téléchargé que pour celle-ci.",
                DataAction.Acknowledge => "sa réception ne peut être accusée que pour celle-ci.",
                _ => "une personne n'en est retirée que pour celle-ci.",
            });
        }
        return decision;
    }
}
