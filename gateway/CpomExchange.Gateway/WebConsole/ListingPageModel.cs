using System.Security.Claims;
using CpomExchange.Gateway.Datasets;
using CpomExchange.Rules.Policies;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace CpomExchange.Gateway.WebConsole;

/// <summary>
/// A listing of the console (Fichiers reçus, Fichiers envoyés): its filters (exchange, counterpart,
/// period, state), read from the address, and what the shared dataset operation answered.
/// </summary>
internal abstract class ListingPageModel(PolicySet policies, AccessDecisions decisions) : PageModel
{
    [BindProperty(SupportsGet = true, Name = "echange")]
    public string? Exchange { get; set; }

    [BindProperty(SupportsGet = true, Name = "avec")]
    public string? Counterpart { get; set; }

    [BindProperty(SupportsGet = true, Name = "du")]
    public DateOnly? From { get; set; }

    [BindProperty(SupportsGet = true, Name = "au")]
    public DateOnly? To { get; set; }

    [BindProperty(SupportsGet = true, Name = "etat")]
    public string? State { get; set; }

    /// <summary>The datasets listed, newest first.</summary>
    public IReadOnlyList<DatasetInfo> Datasets { get; protected set; } = [];

    /// <summary>The refusal of the listing, if any.</summary>
    public ProblemHttpResult? Refusal { get; protected set; }

    public ConsoleLabels Labels { get; } = new(policies);

    public PolicySet Policies => policies;

    public TimeZoneInfo Zone => decisions.Zone;

    /// <summary>The accessible name of the filters' form.</summary>
    public abstract string FilterName { get; }

    /// <summary>The label of the counterpart's filter (Expéditeur, Destinataire).</summary>
    public abstract string CounterpartLabel { get; }

    /// <summary>Whether the exchange filter offers <paramref name="exchange"/> to <paramref name="user"/>: only what their roles may touch.</summary>
    public abstract bool ExchangeOffered(ExchangeDefinition exchange, ClaimsPrincipal user);

    /// <summary>The filters as the operation takes them.</summary>
    protected DatasetFilter Filter => ListingFilters.From(Exchange, Counterpart, From, To, State, decisions.Zone);

    /// <summary>Takes what the listing answered.</summary>
    protected void Show(OperationOutcome<IReadOnlyList<DatasetInfo>> listed)
    {
        Refusal = listed.Refusal;
        Datasets = listed.Value ?? [];
    }
}
