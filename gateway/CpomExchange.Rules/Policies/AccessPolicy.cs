using CpomExchange.Rules.Errors;

namespace CpomExchange.Rules.Policies;

/// <summary>What an agent does with data.</summary>
public enum DataAction
{
    /// <summary>Upload a dataset to a counterpart.</summary>
    Send,
    /// <summary>List the datasets addressed to the organisation.</summary>
    List,
    /// <summary>Read a dataset's metadata.</summary>
    ReadMetadata,
    /// <summary>Download a dataset's content.</summary>
    Download,
}

/// <summary>Who asks to do what, with which data, with whom, why and when.</summary>
/// <param name="Roles">The agent's roles.</param>
/// <param name="Organisation">The agent's organisation (null for a pure operator account).</param>
/// <param name="Action">The action.</param>
/// <param name="ExchangeType">The exchange type concerned.</param>
/// <param name="Counterpart">The other organisation: the recipient of a send, the sender of a read.</param>
/// <param name="Purpose">The declared purpose (finalité).</param>
/// <param name="Day">The day of the access, in the gateway's legal time zone.</param>
/// <param name="AsSender">For <see cref="DataAction.ReadMetadata"/>: the caller's organisation sent the dataset.</param>
public sealed record AccessRequest(
    IReadOnlyCollection<string> Roles,
    string? Organisation,
    DataAction Action,
    string ExchangeType,
    string Counterpart,
    string? Purpose,
    DateOnly Day,
    bool AsSender = false);

/// <summary>Allow, or deny with a stable reason code and a French sentence.</summary>
public sealed record AccessDecision(bool Allowed, string? Code, string Message, Contract? Contract)
{
    internal static AccessDecision Deny(string code, string message) => new(false, code, message, null);
}

/// <summary>
/// The access decision: deny by default; allow only when a contract in force binds the two
/// organisations, the exchange goes in the right direction, the purpose is one the exchange
/// serves and the role may do the action. <c>dpo</c> and <c>admin</c> never touch payloads.
/// </summary>
public static class AccessPolicy
{
    /// <summary>Decides <paramref name="request"/> under <paramref name="policies"/>.</summary>
    public static AccessDecision Decide(PolicySet policies, AccessRequest request)
    {
        ArgumentNullException.ThrowIfNull(policies);
        ArgumentNullException.ThrowIfNull(request);
        if (request.Organisation is null || !policies.Organisations.TryGetValue(request.Organisation, out var self))
        {
            return AccessDecision.Deny(ErrorCatalog.NoOrganisation, "Ce compte n'est rattaché à aucune organisation partie à un CPOM.");
        }
        if (!policies.Exchanges.TryGetValue(request.ExchangeType, out var exchange))
        {
            return AccessDecision.Deny(ErrorCatalog.UnknownExchange, $"Type d'échange « {request.ExchangeType} » inconnu.");
        }
        if (!policies.Organisations.TryGetValue(request.Counterpart, out var other))
        {
            return AccessDecision.Deny(ErrorCatalog.UnknownOrganisation, $"Organisation « {request.Counterpart} » inconnue.");
        }

        var selfSends = request.Action == DataAction.Send || (request.Action == DataAction.ReadMetadata && request.AsSender);
        var allowedRoles = selfSends ? exchange.SendRoles : exchange.ReadRoles;
        if (!request.Roles.Any(allowedRoles.Contains))
        {
            return AccessDecision.Deny(ErrorCatalog.RoleNotAllowed,
                $"Votre rôle ({string.Join(", ", request.Roles)}) ne permet pas {Describe(request.Action)} « {exchange.Label} » ; rôle requis : {string.Join(" ou ", allowedRoles)}.");
        }

        var (sender, recipient) = selfSends ? (self, other) : (other, self);
        if (sender.Kind != exchange.From || recipient.Kind != exchange.To)
        {
            return AccessDecision.Deny(ErrorCatalog.DirectionNotAllowed,
                $"L'échange « {exchange.Label} » va d'un(e) {Label(exchange.From)} vers un(e) {Label(exchange.To)} : pas de {sender.Name} vers {recipient.Name}.");
        }

        if (request.Action is DataAction.Send or DataAction.Download)
        {
            if (string.IsNullOrEmpty(request.Purpose))
            {
                return AccessDecision.Deny(ErrorCatalog.MissingPurpose, "Indiquez la finalité de l'accès (paramètre purpose).");
            }
            if (!exchange.Purposes.Contains(request.Purpose))
            {
                return AccessDecision.Deny(ErrorCatalog.PurposeNotAllowed,
                    $"La finalité « {request.Purpose} » n'est pas une finalité de l'échange « {exchange.Label} » (finalités admises : {string.Join(", ", exchange.Purposes)}).");
            }
        }

        var contracts = policies.ContractsBetween(self.Id, other.Id).ToList();
        if (contracts.Count == 0)
        {
            return AccessDecision.Deny(ErrorCatalog.NoContract, $"Aucun contrat CPOM entre {self.Name} et {Article(other)}.");
        }
        var inForce = contracts.FirstOrDefault(c => c.InForce(request.Day));
        if (inForce is null)
        {
            var last = contracts.MaxBy(c => c.End)!;
            return AccessDecision.Deny(ErrorCatalog.ContractNotInForce,
                $"Aucun contrat CPOM en vigueur le {request.Day:dd/MM/yyyy} entre {self.Name} et {Article(other)} (contrat « {last.Id} » du {last.Start:dd/MM/yyyy} au {last.End:dd/MM/yyyy}).");
        }
        return new AccessDecision(true, null, "Accès autorisé.", inForce);
    }

    /// <summary>The French name of a kind of organisation.</summary>
    public static string Label(OrganisationKind kind) => kind switch
    {
        OrganisationKind.Spsti => "SPSTI",
        OrganisationKind.Caisse => "caisse",
        _ => "DREETS",
    };

    private static string Article(Organisation o) => o.Kind == OrganisationKind.Spsti ? o.Name : "la " + o.Name;

    private static string Describe(DataAction action) => action switch
    {
        DataAction.Send => "d'envoyer",
        DataAction.List => "de lister",
        DataAction.ReadMetadata => "de consulter",
        _ => "de télécharger",
    };
}
