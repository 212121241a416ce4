using CpomExchange.Gateway.Authentication;
using CpomExchange.Gateway.Problems;
using CpomExchange.Rules.Errors;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Filters;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace CpomExchange.Gateway.WebConsole;

/// <summary>
/// A console page reserved to a role: before any handler (GET or POST) runs, the service's own
/// check (<see cref="Check"/>, the one the API applies) decides; a refused caller gets the page's
/// layout with the refusal's French title and detail, under the refusal's status (403), and the
/// handler never runs. Antiforgery is checked before this, by the framework, for every POST.
/// </summary>
internal abstract class RoleGuardedPage : PageModel
{
    /// <summary>The refusal this caller got, if any (the page then shows it and nothing else).</summary>
    public Refusal? Refused { get; private set; }

    /// <summary>The caller, as the API sees them.</summary>
    protected Caller Caller => Caller.From(User);

    /// <summary>The refusal of <paramref name="caller"/> by the service behind this page, or null.</summary>
    protected abstract Refusal? Check(Caller caller);

    public override async Task OnPageHandlerExecutionAsync(PageHandlerExecutingContext context, PageHandlerExecutionDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        if (Check(Caller.From(context.HttpContext.User)) is { } refusal)
        {
            context.Result = Refuse(refusal);
            return;
        }
        await next();
    }

    /// <summary>Shows <paramref name="refusal"/> in place of the page, under its status.</summary>
    protected PageResult Refuse(Refusal refusal)
    {
        Refused = refusal;
        var page = Page();
        page.StatusCode = refusal.Status;
        return page;
    }
}
