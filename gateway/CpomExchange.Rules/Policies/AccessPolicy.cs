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
    /// <summary>Acknowledge receipt of a dataset.</summary>
    Acknowledge,
    /// <summary>The sender removes one person from a dataset it sent: that worker withdrew consent (RGPD art. 7(3)).</summary>
    WithdrawConsent,
}

/// <summary>Who asks to do what, with which data, with whom, why and when.</summary>
/// <param name="Roles">The agent's roles.</param>
/// <param name="Organisation">The agent's organisation (null for a pure operator account).</param>
/// <param name="Action">The action.</param>
/// <param name="ExchangeType">The exchange type concerned.</param>
/// <param name="Counterpart">The other organisation: the recipient of a send, the sender of a read.</param>
/// <param name="Purpose">The declared purpose (finalité).</param>
/// <param name="Day">The day of the access, in the gateway's legal time zone.</param>
/// <param name="AsSender">For <see cref="DataAction.ReadMetadata"/>: the caller's organisation sent the dataset
/// (<see cref="DataAction.Send"/> and <see cref="DataAction.WithdrawConsent"/> are always the sender's).</param>
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
    /// <summary>The authorisation that allows a disclosure to a third party (seed 001 art. 8), if that is what was allowed.</summary>
    public ThirdPartyAuthorisation? Authorisation { get; init; }

    /// <summary>The refusal (its status from the catalogue), or null when allowed.</summary>
    public Refusal? Refusal => Allowed ? null : new Refusal(Code!, Message);

    internal static AccessDecision Deny(string code, string message) => new(false, code, message, null);
}

/// <summary>
/// The access decision: deny by default. Allowed only when the caller's role may do the action on
/// this exchange in an organisation of its kind, the exchange goes in a direction the catalogue
/// names, the purpose is one the exchange serves, and a contract in force binds the two
/// organisations, names the exchange and that purpose. <c>dpo</c> and <c>admin</c> never touch
/// payloads; health data is only for <c>pdp</c> and <c>service-social</c>; a DREETS receives
/// aggregates, and company-level lists only where the catalogue cites the clause and the contract
/// names the DREETS (the loaders refuse any policy that says otherwise). After its term, a contract
/// still allows reports (the annual table) during its reporting period, and nothing else.
/// </summary>
public static class AccessPolicy
{
    /// <summary>Actions that read or write the data itself and must state a purpose.</summary>
    public static bool RequiresPurpose(DataAction action) => action is DataAction.Send or DataAction.Download or DataAction.Acknowledge or DataAction.WithdrawConsent;

    /// <summary>Decides <paramref name="request"/> under <paramref name="policies"/>.</summary>
    public static AccessDecision Decide(PolicySet policies, AccessRequest request)
    {
        ArgumentNullException.ThrowIfNull(policies);
        ArgumentNullException.ThrowIfNull(request);
        if (request.Organisation is null || !policies.Organisations.TryGetValue(request.Organisation, out var self))
        {
            return AccessDecision.Deny(ErrorCatalog.NoOrganisation, "Ce compte n'est rattaché à aucune organisation partie à un CPOM : il n'accède à aucune donnée échangée.");
        }
        if (!policies.Exchanges.TryGetValue(request.ExchangeType, out var exchange))
        {
            return AccessDecision.Deny(ErrorCatalog.UnknownExchange, $"Type d'échange « {request.ExchangeType} » inconnu.");
        }
        if (!policies.Organisations.TryGetValue(request.Counterpart, out var other))
        {
            return AccessDecision.Deny(ErrorCatalog.UnknownOrganisation, $"Organisation « {request.Counterpart} » inconnue.");
        }

        var selfSends = request.Action is DataAction.Send or DataAction.WithdrawConsent || (request.Action == DataAction.ReadMetadata && request.AsSender);
        IEnumerable<string> roles = selfSends && request.Action == DataAction.ReadMetadata
            ? exchange.Roles.Send.Union(exchange.Roles.List)
            : exchange.RolesFor(request.Action);
        var allowedRoles = roles.ToList();
        var effective = request.Roles.Where(r => Roles.FitsKind(r, self.Kind)).ToList();
        if (!effective.Any(allowedRoles.Contains))
        {
            var why = request.Roles.All(r => r is Roles.Dpo or Roles.Admin)
                ? "Les rôles dpo et admin n'accèdent jamais aux données échangées."
                : $"Votre rôle ({string.Join(", ", request.Roles)}) ne permet pas {Describe(request.Action)} « {exchange.Label} » dans un(e) {Label(self.Kind)}{(allowedRoles.Count == 0 ? " : aucun rôle ne le peut" : " ; rôle requis : " + string.Join(" ou ", allowedRoles))}.";
            return AccessDecision.Deny(ErrorCatalog.RoleNotAllowed, why);
        }

        var (sender, recipient) = selfSends ? (self, other) : (other, self);
        if (ThirdPartyDisclosures.Decide(policies, request, exchange, sender, recipient) is { } disclosure)
        {
            return disclosure;
        }
        if (sender.Kind == recipient.Kind || !exchange.From.Contains(sender.Kind) || !exchange.To.Contains(recipient.Kind))
        {
            return AccessDecision.Deny(ErrorCatalog.DirectionNotAllowed,
                $"L'échange « {exchange.Label} » va d'un(e) {string.Join(" ou ", exchange.From.Select(Label))} vers un(e) {string.Join(" ou ", exchange.To.Select(Label))} : pas de {sender.Name} ({Label(sender.Kind)}) vers {recipient.Name} ({Label(recipient.Kind)}).");
        }

        var checkPurpose = RequiresPurpose(request.Action) || !string.IsNullOrEmpty(request.Purpose);
        if (RequiresPurpose(request.Action) && string.IsNullOrEmpty(request.Purpose))
        {
            return AccessDecision.Deny(ErrorCatalog.MissingPurpose, "Indiquez la finalité de l'accès (paramètre purpose).");
        }
        if (checkPurpose && !exchange.Purposes.Contains(request.Purpose!))
        {
            return AccessDecision.Deny(ErrorCatalog.PurposeNotAllowed,
                $"La finalité « {request.Purpose} » n'est pas une finalité de l'échange « {exchange.Label} » (finalités admises : {string.Join(", ", exchange.Purposes)}).");
        }

        var contracts = policies.ContractsBetween(self.Id, other.Id, request.Day).ToList();
        if (contracts.Count == 0)
        {
            return AccessDecision.Deny(ErrorCatalog.NoContract, $"Aucun contrat CPOM entre {self.Name} et {Article(other)}.");
        }
        // Several contracts may be in force between two organisations (two SPSTI of one DREETS);
        // the one that names the exchange decides. A report (the annual table) may also be exchanged
        // in a contract's reporting period after its term; when the next contract is already in
        // force, the report due is the ended contract's (its last year), so that one decides.
        var inForce = contracts
            .Where(c => c.InForce(request.Day) || (exchange.Report && c.InReportingPeriod(request.Day)))
            .OrderByDescending(c => c.Exchanges.ContainsKey(exchange.Type))
            .ThenByDescending(c => c.InReportingPeriod(request.Day))
            .FirstOrDefault();
        if (inForce is null)
        {
            var last = contracts.MaxBy(c => c.End)!;
            var reporting = last.InReportingPeriod(request.Day)
                ? $" ; jusqu'au {last.ReportingUntil:dd/MM/yyyy}, seuls les comptes rendus du contrat (tableau de suivi annuel) peuvent encore être échangés"
                : string.Empty;
            return AccessDecision.Deny(ErrorCatalog.ContractNotInForce,
                $"Aucun contrat CPOM en vigueur le {request.Day:dd/MM/yyyy} entre {self.Name} et {Article(other)} (contrat « {last.Id} » du {last.Start:dd/MM/yyyy} au {last.End:dd/MM/yyyy}){reporting}.");
        }
        if (!inForce.Exchanges.TryGetValue(exchange.Type, out var enabled))
        {
            return AccessDecision.Deny(ErrorCatalog.ExchangeNotInContract,
                $"Le contrat « {inForce.Id} » ne prévoit pas l'échange « {exchange.Label} ».");
        }
        if (!enabled.To.Contains(recipient.Kind))
        {
            // A company-level list reaches a DREETS only where the contract says so (001 art. 7).
            return AccessDecision.Deny(ErrorCatalog.DirectionNotAllowed,
                $"Le contrat « {inForce.Id} » ne prévoit pas l'échange « {exchange.Label} » vers un(e) {Label(recipient.Kind)} (destinataires prévus : {string.Join(", ", enabled.To.Select(Label))}).");
        }
        if (exchange.Category == DataCategory.Document && !enabled.To.Contains(sender.Kind))
        {
            // A contract's documents circulate among the parties its `to` names, both ways (004: P.S.T.38 and the Carsat only).
            return AccessDecision.Deny(ErrorCatalog.DirectionNotAllowed,
                $"Le contrat « {inForce.Id} » ne prévoit pas de documents venant d'un(e) {Label(sender.Kind)} (parties prévues : {string.Join(", ", enabled.To.Select(Label))}).");
        }
        if (checkPurpose && !enabled.Purposes.Contains(request.Purpose!))
        {
            return AccessDecision.Deny(ErrorCatalog.PurposeNotAllowed,
                $"Le contrat « {inForce.Id} » prévoit l'échange « {exchange.Label} » pour la finalité {string.Join(" ou ", enabled.Purposes)}, pas « {request.Purpose} ».");
        }
        return new AccessDecision(true, null, "Accès autorisé.", inForce);
    }

    /// <summary>The French name of a kind of organisation.</summary>
    public static string Label(OrganisationKind kind) => kind switch
    {
        OrganisationKind.Spsti => "SPSTI",
        OrganisationKind.Caisse => "caisse",
        OrganisationKind.Tiers => "tiers",
        _ => "DREETS",
    };

    private static string Article(Organisation o) => o.Kind == OrganisationKind.Spsti ? o.Name : "la " + o.Name;

    private static string Describe(DataAction action) => action switch
    {
        DataAction.Send => "d'envoyer",
        DataAction.List => "de lister",
        DataAction.ReadMetadata => "de consulter",
        DataAction.Acknowledge => "d'accuser réception de",
        DataAction.WithdrawConsent => "de retirer une personne de",
        _ => "de télécharger",
    };
}
