using System.Security.Claims;
using CpomExchange.Gateway.Datasets;
using CpomExchange.Rules.Policies;

namespace CpomExchange.Gateway.WebConsole.Pages.Envoyes;

/// <summary>
/// Fichiers envoyés: what the organisation sent, as the API's <c>/outbox</c> gives it, with who
/// acknowledged it and when, its first download, its withdrawal or destruction.
/// </summary>
internal sealed class IndexModel(DatasetOperations operations, PolicySet policies, AccessDecisions decisions) : ListingPageModel(policies, decisions)
{
    public override string FilterName => "Filtrer les fichiers envoyés";

    public override string CounterpartLabel => "Destinataire";

    public override bool ExchangeOffered(ExchangeDefinition exchange, ClaimsPrincipal user) => exchange.Roles.Send.Any(user.IsInRole);

    public async Task OnGetAsync() => Show(await operations.OutboxAsync(HttpContext, null, null, Filter));
}
