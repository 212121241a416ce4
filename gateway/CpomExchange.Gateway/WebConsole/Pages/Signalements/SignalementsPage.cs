using CpomExchange.Gateway.AccessLog;
using CpomExchange.Gateway.Authentication;
using CpomExchange.Gateway.Datasets;
using CpomExchange.Infrastructure.Storage;
using CpomExchange.Rules.Errors;
using CpomExchange.Rules.Policies;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc.Filters;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Problem = CpomExchange.Gateway.Problems.Problem;

namespace CpomExchange.Gateway.WebConsole.Pages.Signalements;

/// <summary>
/// A page of the signalements (personal data concerning health, RGPD art. 9): only the roles that may
/// see individual signalements (<c>pdp</c> of an SPSTI, <c>service-social</c> of a caisse) reach its
/// handlers. Anyone else gets 403 before any handler runs (GET or POST), nothing of the page, and the
/// refusal in their organisation's access log (and, for a file of theirs, its controllers'). The
/// operations behind the page ask the policy again, as the API does.
/// </summary>
internal abstract class SignalementsPage(AccessJournal journal, CpomDbContext db) : PageModel
{
    /// <summary>The exchanges these pages show: the signalements and the retours that answer them.</summary>
    public static readonly IReadOnlyList<string> Exchanges = [ReportingPolicy.Signalements, Retours];

    /// <summary>The retour's exchange type.</summary>
    public const string Retours = "retour-signalement";

    /// <summary>The purpose of both exchanges.</summary>
    public const string Purpose = "pdp";

    /// <summary>The roles that may see individual signalements.</summary>
    public static readonly IReadOnlyList<string> HealthRoles = [Roles.Pdp, Roles.ServiceSocial];

    /// <summary>The refusal to show, if any.</summary>
    public ProblemHttpResult? Refusal { get; protected set; }

    /// <summary>The log action of this page's read (a listing, a metadata read).</summary>
    protected abstract string GuardAction { get; }

    public override async Task OnPageHandlerExecutionAsync(PageHandlerExecutingContext context, PageHandlerExecutionDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        var caller = Caller.From(context.HttpContext.User);
        if (!caller.Roles.Any(r => HealthRoles.Contains(r)))
        {
            var refusal = Problem.Of(403, ErrorCatalog.RoleNotAllowed,
                "Les signalements (données de santé) ne sont visibles que de la cellule PDP d'un SPSTI et du service social d'une caisse.");
            // The id of a file of the caller's organisation is logged with the refusal, under its two controllers; any other string is not logged.
            var id = context.RouteData.Values["id"] as string;
            var dataset = id is null ? null : await DatasetOperations.FindVisibleAsync(db, id, caller, context.HttpContext.RequestAborted);
            await journal.RecordAsync(context.HttpContext, caller, GuardAction, dataset?.Type ?? ReportingPolicy.Signalements, dataset?.Id, null, null, null, null,
                ErrorCatalog.RoleNotAllowed, dataset is null ? [] : [dataset.FromOrganisation, dataset.ToOrganisation]);
            Refusal = refusal;
            var page = Page();
            page.StatusCode = refusal.StatusCode;
            context.Result = page;
            return;
        }
        await next();
    }

    /// <summary>Shows <paramref name="refusal"/> under its status.</summary>
    protected void Refuse(ProblemHttpResult refusal)
    {
        Refusal = refusal;
        Response.StatusCode = refusal.StatusCode;
    }
}
