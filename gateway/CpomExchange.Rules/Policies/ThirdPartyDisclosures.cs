using CpomExchange.Rules.Errors;

namespace CpomExchange.Rules.Policies;

/// <summary>
/// Disclosures to third parties (seed 001 art. 8): between an organisation and a party to a contract it
/// is no party to, only what an authorisation of the policy covers — its exchanges, its purpose, its
/// dates, a contract in force that names the exchange — is allowed. Where no authorisation names the two
/// organisations, this says nothing and <see cref="AccessPolicy.Decide"/> refuses as for any pair without
/// a contract.
/// </summary>
public static class ThirdPartyDisclosures
{
    /// <summary>The authorisations between <paramref name="a"/> and <paramref name="b"/>, in either direction.</summary>
    public static IEnumerable<ThirdPartyAuthorisation> Between(this PolicySet policies, string? a, string? b)
    {
        ArgumentNullException.ThrowIfNull(policies);
        return a is null || b is null ? [] : policies.Authorisations.Where(x => x.Concerns(a, b));
    }

    /// <summary>
    /// The controllers an operation between <paramref name="organisation"/> and <paramref name="counterpart"/>
    /// on <paramref name="exchangeType"/> concerns beyond the two: when one discloses to the other under an
    /// authorisation, every party of its contract (each is a controller of the data disclosed, and each
    /// signed the letters).
    /// </summary>
    public static IEnumerable<string> DisclosureControllers(this PolicySet policies, string? organisation, string? counterpart, string? exchangeType) =>
        policies.Between(organisation, counterpart)
            .Where(x => exchangeType is null || x.Exchanges.Contains(exchangeType))
            .SelectMany(x => policies.Contracts.Where(c => c.Id == x.Contract).SelectMany(c => c.Parties))
            .Distinct(StringComparer.Ordinal);

    /// <summary>
    /// The decision on <paramref name="request"/> when an authorisation names the sender and the recipient
    /// (null otherwise: no third-party disclosure is in question). The caller's role has been checked.
    /// </summary>
    internal static AccessDecision? Decide(PolicySet policies, AccessRequest request, ExchangeDefinition exchange, Organisation sender, Organisation recipient)
    {
        var authorisations = policies.Authorisations.Where(x => x.Discloser == sender.Id && x.ThirdParty == recipient.Id).ToList();
        if (authorisations.Count == 0 || policies.ContractsBetween(sender.Id, recipient.Id).Any())
        {
            return null;
        }
        var covering = authorisations.Where(x => x.Exchanges.Contains(exchange.Type)).ToList();
        if (covering.Count == 0)
        {
            return AccessDecision.Deny(ErrorCatalog.DisclosureNotAuthorised,
                $"Aucune autorisation ne permet de communiquer « {exchange.Label} » de {sender.Name} à {recipient.Name} (autorisations : {string.Join(" ; ", authorisations.Select(x => x.Reference))}).");
        }
        if (!exchange.From.Contains(sender.Kind))
        {
            return AccessDecision.Deny(ErrorCatalog.DirectionNotAllowed, $"L'échange « {exchange.Label} » ne part pas d'un(e) {AccessPolicy.Label(sender.Kind)}.");
        }
        if (AccessPolicy.RequiresPurpose(request.Action) && string.IsNullOrEmpty(request.Purpose))
        {
            return AccessDecision.Deny(ErrorCatalog.MissingPurpose, "Indiquez la finalité de l'accès (paramètre purpose).");
        }
        var forPurpose = covering.Where(x => string.IsNullOrEmpty(request.Purpose) || x.Purpose == request.Purpose).ToList();
        if (forPurpose.Count == 0)
        {
            return AccessDecision.Deny(ErrorCatalog.PurposeNotAllowed,
                $"La communication de « {exchange.Label} » à {recipient.Name} est autorisée pour la finalité {string.Join(" ou ", covering.Select(x => x.Purpose).Distinct())}, pas « {request.Purpose} ».");
        }
        var inForce = forPurpose.FirstOrDefault(x => x.InForce(request.Day));
        if (inForce is null)
        {
            var last = forPurpose.MaxBy(x => x.Until)!;
            return AccessDecision.Deny(ErrorCatalog.DisclosureNotAuthorised,
                $"L'autorisation « {last.Reference} » vaut du {last.Date:dd/MM/yyyy} au {last.Until:dd/MM/yyyy} : pas le {request.Day:dd/MM/yyyy}.");
        }
        // The data disclosed is the contract's: the contract, as amended that day, must be in force and name the exchange.
        var contract = policies.Contracts.Single(c => c.Id == inForce.Contract).On(request.Day);
        if (!contract.InForce(request.Day))
        {
            return AccessDecision.Deny(ErrorCatalog.ContractNotInForce,
                $"Le contrat « {contract.Id} », dont relèvent ces données, n'est pas en vigueur le {request.Day:dd/MM/yyyy} (du {contract.Start:dd/MM/yyyy} au {contract.End:dd/MM/yyyy}).");
        }
        if (!contract.Exchanges.ContainsKey(exchange.Type))
        {
            return AccessDecision.Deny(ErrorCatalog.ExchangeNotInContract, $"Le contrat « {contract.Id} » ne prévoit pas l'échange « {exchange.Label} » le {request.Day:dd/MM/yyyy}.");
        }
        return new AccessDecision(true, null, $"Accès autorisé : communication à un tiers autorisée par « {inForce.Reference} ».", contract) { Authorisation = inForce };
    }
}
