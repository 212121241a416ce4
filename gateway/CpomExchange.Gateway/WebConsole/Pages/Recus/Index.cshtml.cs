using System.Security.Claims;
using CpomExchange.Gateway.Datasets;
using CpomExchange.Rules.Policies;

namespace CpomExchange.Gateway.WebConsole.Pages.Recus;

/// <summary>
/// Fichiers reçus: the organisation's inbox as the API's <c>/inbox</c> gives it (the same operation,
/// the same policy filtering and log entry), with filters by exchange, sender, period and state.
/// </summary>
internal sealed class IndexModel(DatasetOperations operations, PolicySet policies, AccessDecisions decisions) : ListingPageModel(policies, decisions)
{
    public override string FilterName => "Filtrer les fichiers reçus";

    public override string CounterpartLabel => "Expéditeur";

    public override bool ExchangeOffered(ExchangeDefinition exchange, ClaimsPrincipal user) => exchange.Roles.List.Any(user.IsInRole);

    public async Task OnGetAsync() => Show(await operations.InboxAsync(HttpContext, null, null, Filter));
}
