using CpomExchange.Gateway.Authentication;
using CpomExchange.Gateway.Datasets;
using CpomExchange.Gateway.Indicators;
using CpomExchange.Gateway.Problems;
using CpomExchange.Rules.Errors;
using CpomExchange.Rules.Policies;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace CpomExchange.Gateway.WebConsole.Pages;

/// <summary>
/// Tableau annuel: the draft of a contract's annual table for a year, as the API's
/// <c>GET /api/v1/indicators</c> computes it (the same <see cref="AnnualTableDrafts"/>: the same
/// decision of who sees which rows, the same log entry), with a comment per row typed by the agent,
/// downloaded as the <c>indicateurs</c> CSV.
/// </summary>
internal sealed class TableauAnnuelModel(AnnualTableDrafts drafts, PolicySet policies, AccessDecisions decisions) : PageModel
{
    /// <summary>The longest comment the <c>indicateurs</c> exchange accepts.</summary>
    public const int CommentMaxLength = 500;

    [BindProperty(SupportsGet = true, Name = "contrat")]
    public string? ContractId { get; set; }

    [BindProperty(SupportsGet = true, Name = "annee")]
    public int? Year { get; set; }

    public AnnualTableDraft? Draft { get; private set; }

    public ProblemHttpResult? Refusal { get; private set; }

    /// <summary>The contracts the caller's organisation is a party to, whatever their term.</summary>
    public IReadOnlyList<Contract> Contracts =>
        policies.Contracts.Where(c => c.Parties.Contains(Caller.From(User).Organisation)).OrderBy(c => c.Title).ToList();

    /// <summary>The year shown by default: the one whose table is due next (the previous calendar year).</summary>
    public int DefaultYear => decisions.Today.Year - 1;

    public async Task OnGetAsync()
    {
        if (ContractId is not null || Year is not null)
        {
            await DraftAsync();
        }
    }

    /// <summary>The draft, computed again (and logged), with the comments typed, as the <c>indicateurs</c> CSV.</summary>
    public async Task<IActionResult> OnPostTelechargerAsync(List<string>? commentaires)
    {
        var comments = (commentaires ?? []).Select(c => c?.Trim() ?? string.Empty).ToList();
        if (comments.Any(c => c.Length > CommentMaxLength))
        {
            await DraftAsync();
            return Refuse(Problem.Of(400, ErrorCatalog.InvalidRequest, $"Un commentaire dépasse {CommentMaxLength} caractères : rien n'a été téléchargé."));
        }
        if (!await DraftAsync())
        {
            return Page();
        }
        var draft = Draft!;
        Response.ContentType = "text/csv; charset=utf-8";
        Response.Headers.ContentDisposition = $"attachment; filename=\"indicateurs-{draft.Contract.Id}-{draft.Year}.csv\"";
        await drafts.WriteCsvAsync(Response.Body, draft.Rows, comments, HttpContext.RequestAborted);
        return new EmptyResult();
    }

    private async Task<bool> DraftAsync()
    {
        var (draft, refusal) = await drafts.DraftAsync(HttpContext, ContractId, Year);
        Draft = draft;
        if (refusal is not null)
        {
            Refuse(refusal);
        }
        return draft is not null;
    }

    private PageResult Refuse(ProblemHttpResult refusal)
    {
        Refusal = refusal;
        Response.StatusCode = refusal.StatusCode;
        return Page();
    }

    /// <summary>A cell of a draft's row, empty when absent.</summary>
    public static string Cell(IReadOnlyDictionary<string, string> row, string column) => row.TryGetValue(column, out var value) ? value : string.Empty;
}
