using CpomExchange.Gateway.AccessLog;
using CpomExchange.Gateway.Datasets;
using CpomExchange.Gateway.Problems;
using CpomExchange.Infrastructure.AccessLog;
using CpomExchange.Rules.AccessLog;
using CpomExchange.Rules.Errors;
using Microsoft.AspNetCore.Mvc;

namespace CpomExchange.Gateway.WebConsole.Pages.Journal;

/// <summary>
/// Journal des accès: the organisation's log, newest first, filtered on the server, paged by
/// position in the chain (a page deep in millions of entries costs what the first does). Each
/// listing is itself logged, as the API's is.
/// </summary>
internal sealed class IndexModel(AuditService audit, AccessDecisions decisions) : DpoPage
{
    /// <summary>Entries per page.</summary>
    public const int PageSize = 50;

    /// <summary>Beyond this many matching entries the page says "more than".</summary>
    public const int CountCap = 10_000;

    [BindProperty(SupportsGet = true)] public DateOnly? Du { get; set; }
    [BindProperty(SupportsGet = true)] public DateOnly? Au { get; set; }
    [BindProperty(SupportsGet = true)] public string? Agent { get; set; }
    [BindProperty(SupportsGet = true)] public string? Action { get; set; }
    [BindProperty(SupportsGet = true)] public string? Echange { get; set; }
    [BindProperty(SupportsGet = true)] public string? Resultat { get; set; }
    [BindProperty(SupportsGet = true)] public string? Finalite { get; set; }
    [BindProperty(SupportsGet = true)] public string? Jeu { get; set; }
    [BindProperty(SupportsGet = true)] public string? Contrepartie { get; set; }

    /// <summary>Show entries older than this one (the next page).</summary>
    [BindProperty(SupportsGet = true)] public long? Avant { get; set; }

    /// <summary>The page, once read.</summary>
    public AuditSlice? Slice { get; private set; }

    public TimeZoneInfo Zone => decisions.Zone;

    /// <summary>The current filters as query values (for the paging and export links).</summary>
    public Dictionary<string, string?> Filters => new()
    {
        ["du"] = Du?.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
        ["au"] = Au?.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
        ["agent"] = Agent, ["action"] = Action, ["echange"] = Echange, ["resultat"] = Resultat,
        ["finalite"] = Finalite, ["jeu"] = Jeu, ["contrepartie"] = Contrepartie,
    };

    public async Task<IActionResult> OnGetAsync()
    {
        if (FilterOf(Du, Au, Agent, Action, Echange, Resultat, Finalite, Jeu, Contrepartie, decisions.Zone, ModelState.IsValid) is not { } filter)
        {
            return Refuse(BadPeriod);
        }
        var slice = await audit.SliceAsync(HttpContext, Caller, filter.Filter, Avant, PageSize, CountCap);
        if (!slice.Succeeded)
        {
            return Refuse(slice.Refusal);
        }
        Slice = slice.Value;
        return Page();
    }

    internal static readonly Refusal BadPeriod = new(ErrorCatalog.AuditBadPeriod,
        "Période invalide : des dates au format jj/mm/aaaa, la date de début au plus tard la date de fin.");

    /// <summary>
    /// The log filter of the console's fields: the period is of whole days in the gateway's legal
    /// time zone, the end day included. Null when a field could not be read or the period is reversed.
    /// </summary>
    internal static (AccessLogFilter Filter, bool Any)? FilterOf(DateOnly? du, DateOnly? au, string? agent, string? action, string? echange, string? resultat,
        string? finalite, string? jeu, string? contrepartie, TimeZoneInfo zone, bool valid)
    {
        if (!valid || (du is { } start && au is { } end && end < start) || resultat is not (null or AccessLogEntry.Allowed or AccessLogEntry.Denied))
        {
            return null;
        }
        DateTime? Utc(DateOnly? day) => day is { } d ? TimeZoneInfo.ConvertTimeToUtc(d.ToDateTime(TimeOnly.MinValue), zone) : null;
        var filter = new AccessLogFilter(Utc(du), Utc(au?.AddDays(1)), agent, action, echange, resultat, finalite, jeu, contrepartie);
        return (filter, filter != new AccessLogFilter());
    }
}
