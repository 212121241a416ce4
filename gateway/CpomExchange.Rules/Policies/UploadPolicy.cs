using CpomExchange.Rules.Documents;
using CpomExchange.Rules.Errors;

namespace CpomExchange.Rules.Policies;

/// <summary>The parameters of an upload as its sender gives them (the API's query string, the console's form).</summary>
public sealed record UploadParameters(string? Type, string? To, string? Purpose, string? Object, string? ReplyTo)
{
    /// <summary>The media type the file was sent as (the request's <c>Content-Type</c>); a CSV or plain text.</summary>
    public string? ContentType { get; init; } = "text/csv";

    /// <summary>The content codings applied to the file (<c>Content-Encoding</c>); none but <c>identity</c> is accepted.</summary>
    public IReadOnlyList<string> ContentEncodings { get; init; } = [];

    /// <summary>A document's title (<c>title=</c>): required for, and only for, a document exchange (<see cref="DocumentTitle"/>).</summary>
    public string? Title { get; init; }

    /// <summary>The dataset this upload replaces (<c>replaces=</c>), if any: same exchange, recipient and sender, still available.</summary>
    public string? Replaces { get; init; }
}

/// <summary>A recipient of an upload and the contract in force under which it receives it.</summary>
public sealed record UploadRecipient(string Organisation, Contract Contract);

/// <summary>
/// What the rules decide about an upload before its file is read: refused (with the counterpart the
/// refusal concerns), or allowed, with its exchange, its recipients and their contracts, and the
/// links to earlier datasets its minimisation rules will read, each for its own purpose.
/// </summary>
public sealed record UploadDecision
{
    /// <summary>Why the upload is refused; null when it may go on.</summary>
    public Refusal? Refusal { get; init; }

    /// <summary>The organisation the decision concerns: the recipient named, or the SPSTI whose refusal explains a split's.</summary>
    public string? Counterpart { get; init; }

    /// <summary>The exchange (set when allowed).</summary>
    public ExchangeDefinition Exchange { get; init; } = null!;

    /// <summary>The declared purpose (set when allowed).</summary>
    public string Purpose { get; init; } = string.Empty;

    /// <summary>
    /// A region-wide file split between the SPSTI of the sending caisse: each receives only the rows
    /// of its own adherents (<see cref="MinimisationRules.RecipientAdherents"/>).
    /// </summary>
    public bool Split { get; init; }

    /// <summary>The recipients: the one named, or every SPSTI the contracts in force let the caller send a split file to.</summary>
    public IReadOnlyList<UploadRecipient> Recipients { get; init; } = [];

    /// <summary>The exchange's links to earlier datasets (its minimisation rules), each resolved only among datasets sent for its purpose.</summary>
    public IReadOnlyList<MinimisationRule> Links => Exchange?.Minimisation ?? [];

    internal static UploadDecision Refused(Refusal refusal, string? counterpart) => new() { Refusal = refusal, Counterpart = counterpart };
}

/// <summary>
/// The upload decision, taken once for every face of the gateway (API, console): the parameters
/// are loggable, the exchange exists, the recipient is known, the policy allows the caller to send
/// this exchange to each recipient for this purpose under a contract in force
/// (<see cref="AccessPolicy.Decide"/>), and the exchange's links to earlier datasets are used only
/// for the purpose they were sent for (RGPD art. 5(1)(b)). Deny by default; the first refusal wins.
/// </summary>
public static class UploadPolicy
{
    /// <summary>
    /// Null when the parameters can be used (and logged), else the refusal: loggable values, a type,
    /// a known exchange, a recipient (unless the exchange is split between recipients) that is a
    /// known organisation.
    /// </summary>
    public static Refusal? CheckParameters(PolicySet policies, UploadParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(policies);
        ArgumentNullException.ThrowIfNull(parameters);
        var (type, to, purpose, caseObject, replyTo) = parameters;
        if (RequestParameters.Check(policies, purpose, purposeRequired: true, caseObject, type, to, replyTo) is { } bad)
        {
            return bad;
        }
        if (string.IsNullOrWhiteSpace(type))
        {
            return new Refusal(ErrorCatalog.MissingParameter, "Indiquez le type d'échange (type) et le destinataire (to).");
        }
        if (!policies.Exchanges.TryGetValue(type, out var exchange))
        {
            return new Refusal(ErrorCatalog.UnknownExchange, $"Type d'échange « {type} » inconnu. Types connus : {string.Join(", ", policies.Exchanges.Keys)}.");
        }
        if (string.IsNullOrWhiteSpace(to) && !IsSplit(exchange))
        {
            return new Refusal(ErrorCatalog.MissingParameter, "Indiquez le type d'échange (type) et le destinataire (to).");
        }
        if (to is not null && !policies.Organisations.ContainsKey(to))
        {
            return new Refusal(ErrorCatalog.UnknownOrganisation, $"Organisation destinataire « {to} » inconnue.");
        }
        if (parameters.Replaces is { } replaces && !RequestParameters.IsDatasetId(replaces))
        {
            return new Refusal(ErrorCatalog.ReplaceNotFound, "Le paramètre replaces n'est pas un identifiant de jeu de données (ds_ suivi de 32 caractères hexadécimaux).");
        }
        if (exchange.Document is { } document)
        {
            // A document travels with its own type; the content decides it (DocumentInspector), this only screens the declaration.
            if (DocumentTypes.MediaTypeOf(parameters.ContentType) is not { } declared || !document.MediaTypes.Contains(declared, StringComparer.Ordinal))
            {
                return new Refusal(ErrorCatalog.UnsupportedMediaType, $"Envoyez le document avec son type : {string.Join(" ou ", document.MediaTypes)}.");
            }
            if (DocumentTitle.Check(parameters.Title) is { } badTitle)
            {
                return badTitle;
            }
        }
        else
        {
            if (parameters.ContentType is not { } contentType || !IsCsv(contentType))
            {
                return new Refusal(ErrorCatalog.UnsupportedMediaType, "Envoyez le fichier en text/csv.");
            }
            if (parameters.Title is not null)
            {
                return new Refusal(ErrorCatalog.DocumentBadTitle, $"Un titre (title) ne sert qu'aux documents : l'échange « {exchange.Type} » est un fichier CSV.");
            }
        }
        if (parameters.ContentEncodings.Any(e => !string.Equals(e, "identity", StringComparison.OrdinalIgnoreCase)))
        {
            return new Refusal(ErrorCatalog.UnsupportedMediaType, "Les contenus compressés ne sont pas acceptés : envoyez le fichier tel quel.");
        }
        return null;
    }

    private static bool IsCsv(string contentType)
    {
        var mediaType = contentType.Split(';')[0].Trim();
        return mediaType.Equals("text/csv", StringComparison.OrdinalIgnoreCase) || mediaType.Equals("text/plain", StringComparison.OrdinalIgnoreCase)
            || mediaType.Equals("application/csv", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>Decides an upload by an agent of <paramref name="organisation"/> with <paramref name="roles"/> on <paramref name="day"/> (the legal day).</summary>
    public static UploadDecision Decide(PolicySet policies, IReadOnlyCollection<string> roles, string? organisation, UploadParameters parameters, DateOnly day)
    {
        if (CheckParameters(policies, parameters) is { } bad)
        {
            return UploadDecision.Refused(bad, parameters.To);
        }
        var exchange = policies.Exchanges[parameters.Type!];
        var purpose = parameters.Purpose!;
        var split = IsSplit(exchange);
        var recipients = new List<UploadRecipient>();
        if (split && parameters.To is null)
        {
            // Every SPSTI the contracts in force let the caller send this region-wide file to.
            var candidates = policies.Contracts.Where(c => c.Caisse == organisation).Select(c => c.Spsti)
                .Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
            foreach (var spsti in candidates)
            {
                if (Send(policies, roles, organisation, exchange, spsti, purpose, day) is { Allowed: true, Contract: { } contract })
                {
                    recipients.Add(new UploadRecipient(spsti, contract));
                }
            }
            if (recipients.Count == 0)
            {
                // None: the first candidate's refusal says why (or the caller's own, when it has none).
                var any = candidates.FirstOrDefault() ?? organisation ?? "-";
                var refused = Send(policies, roles, organisation, exchange, any, purpose, day);
                return UploadDecision.Refused(refused.Allowed ? new Refusal(ErrorCatalog.NoContract, "Aucun SPSTI destinataire possible.") : refused.Refusal!, any);
            }
        }
        else
        {
            var decision = Send(policies, roles, organisation, exchange, parameters.To!, purpose, day);
            if (!decision.Allowed)
            {
                return UploadDecision.Refused(decision.Refusal!, parameters.To);
            }
            recipients.Add(new UploadRecipient(parameters.To!, decision.Contract!));
        }
        if (CheckLinks(exchange, purpose, parameters.ReplyTo) is { } link)
        {
            return UploadDecision.Refused(link, parameters.To);
        }
        return new UploadDecision { Exchange = exchange, Purpose = purpose, Split = split, Recipients = recipients, Counterpart = parameters.To };
    }

    /// <summary>True when the exchange's file is split between its recipients (each SPSTI receives only its adherents' rows).</summary>
    public static bool IsSplit(ExchangeDefinition exchange)
    {
        ArgumentNullException.ThrowIfNull(exchange);
        return exchange.Minimisation.Any(r => r.Rule == MinimisationRules.RecipientAdherents);
    }

    /// <summary>
    /// The links' purposes and the answered dataset's presence: a link resolves only datasets sent for
    /// its purpose, so the upload must be for that purpose too (an exchange with several purposes uses
    /// linked data only for the one it was sent for); <c>replyTo</c> is given when, and only when, the
    /// exchange answers a dataset; a rule this gateway does not know fails closed.
    /// </summary>
    private static Refusal? CheckLinks(ExchangeDefinition exchange, string purpose, string? replyTo)
    {
        if (replyTo is not null && !exchange.Minimisation.Any(r => r.Rule == MinimisationRules.ReplyTo))
        {
            return new Refusal(ErrorCatalog.ReplyToInvalid, $"L'échange « {exchange.Label} » ne répond pas à un autre jeu de données : retirez replyTo.");
        }
        foreach (var rule in exchange.Minimisation)
        {
            if (purpose != rule.Purpose)
            {
                return new Refusal(ErrorCatalog.LinkPurpose,
                    $"Un fichier « {exchange.Type} » s'appuie sur des jeux de données « {rule.Exchange} » transmis pour la finalité « {rule.Purpose} » : il ne peut être envoyé que pour celle-ci, pas pour « {purpose} » (RGPD art. 5(1)(b)).");
            }
            if (rule.Rule == MinimisationRules.ReplyTo && replyTo is null)
            {
                return new Refusal(ErrorCatalog.ReplyToRequired,
                    $"Un fichier « {exchange.Type} » répond à un jeu de données « {rule.Exchange} » : indiquez son identifiant (replyTo).");
            }
            if (!MinimisationRules.All.ContainsKey(rule.Rule))
            {
                return new Refusal(ErrorCatalog.ExchangeNotAvailable, $"Règle de minimisation « {rule.Rule} » non appliquée par cette passerelle.");
            }
        }
        return null;
    }

    private static AccessDecision Send(PolicySet policies, IReadOnlyCollection<string> roles, string? organisation, ExchangeDefinition exchange, string to,
        string purpose, DateOnly day) =>
        AccessPolicy.Decide(policies, new AccessRequest(roles, organisation, DataAction.Send, exchange.Type, to, purpose, day));
}
