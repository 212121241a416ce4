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

/// <summary>What the sending of the table gave, for one recipient.</summary>
internal sealed record TableSent(string Recipient, UploadAnswer Answer);

/// <summary>
/// Tableau annuel: the draft of a contract's annual table for a year, as the API's
/// <c>GET /api/v1/indicators</c> computes it (the same <see cref="AnnualTableDrafts"/>: the same
/// decision of who sees which rows, the same log entry), with a comment per row typed by the agent,
/// downloaded as the <c>indicateurs</c> CSV, or sent, after a confirmation, to the contract's DREETS
/// and caisse as an <c>indicateurs</c> file each: the API's own upload (<see cref="ConsoleUpload"/>),
/// with its checks (roles, contract, year covered, schema) and its log entries.
/// </summary>
internal sealed class TableauAnnuelModel(AnnualTableDrafts drafts, PolicySet policies, AccessDecisions decisions) : PageModel
{
    /// <summary>The longest comment the <c>indicateurs</c> exchange accepts.</summary>
    public const int CommentMaxLength = 500;

    private static readonly IReadOnlyDictionary<string, string> NoComments = new Dictionary<string, string>();

    /// <summary>The value of the confirmation field that the confirmation's form alone sends.</summary>
    public const string Confirmed = "oui";

    [BindProperty(SupportsGet = true, Name = "contrat")]
    public string? ContractId { get; set; }

    [BindProperty(SupportsGet = true, Name = "annee")]
    public int? Year { get; set; }

    public AnnualTableDraft? Draft { get; private set; }

    public ProblemHttpResult? Refusal { get; private set; }

    /// <summary>The comments typed, one per row of the draft (empty when none).</summary>
    public IReadOnlyList<string> Comments { get; private set; } = [];

    /// <summary>The numbers typed for the contract's typed indicators, one per row of the draft (empty for the others).</summary>
    public IReadOnlyList<string> Numbers { get; private set; } = [];

    /// <summary>True while the agent is asked to confirm the sending.</summary>
    public bool Confirming { get; private set; }

    /// <summary>What the sending gave, per recipient, once sent.</summary>
    public IReadOnlyList<TableSent> Sent { get; private set; } = [];

    public ConsoleLabels Labels { get; } = new(policies);

    /// <summary>The contracts the caller's organisation is a party to, whatever their term.</summary>
    public IReadOnlyList<Contract> Contracts =>
        policies.Contracts.Where(c => c.Parties.Contains(Caller.From(User).Organisation)).OrderBy(c => c.Title).ToList();

    /// <summary>The year shown by default: the one whose table is due next (the previous calendar year).</summary>
    public int DefaultYear => decisions.Today.Year - 1;

    /// <summary>Who receives the table of <paramref name="contract"/>: its DREETS and its caisse (seed 004, DOMAIN.md 8).</summary>
    public static IReadOnlyList<string> Recipients(Contract contract) => [contract.Dreets, contract.Caisse];

    public async Task OnGetAsync()
    {
        if (ContractId is not null || Year is not null)
        {
            await DraftAsync(NoComments, NoComments);
        }
    }

    /// <summary>The draft, computed again (and logged), with the comments typed, as the <c>indicateurs</c> CSV.</summary>
    public async Task<IActionResult> OnPostTelechargerAsync(List<string>? commentaires, List<string>? cles, List<string>? nombres, List<string>? nombresCles)
    {
        if (!await DraftWithCommentsAsync(commentaires, cles, nombres, nombresCles, "rien n'a été téléchargé"))
        {
            return Page();
        }
        var draft = Draft!;
        Response.ContentType = "text/csv; charset=utf-8";
        Response.Headers.ContentDisposition = $"attachment; filename=\"indicateurs-{draft.Contract.Id}-{draft.Year}.csv\"";
        await drafts.WriteCsvAsync(Response.Body, draft.Rows, Comments, HttpContext.RequestAborted, Numbers);
        return new EmptyResult();
    }

    /// <summary>The confirmation: what will be sent, to whom; nothing is sent yet.</summary>
    public async Task<IActionResult> OnPostEnvoyerAsync(List<string>? commentaires, List<string>? cles, List<string>? nombres, List<string>? nombresCles)
    {
        Confirming = await DraftWithCommentsAsync(commentaires, cles, nombres, nombresCles, "rien n'a été envoyé");
        return Page();
    }

    /// <summary>
    /// Sends the table, confirmed, to each recipient through the API's upload. Both decisions are asked
    /// first: if the policy refuses either recipient, nothing is sent to the other (the refused upload is
    /// still made, so that the upload itself refuses and logs it exactly as for the API).
    /// </summary>
    public async Task<IActionResult> OnPostConfirmerAsync(List<string>? commentaires, List<string>? cles, List<string>? nombres, List<string>? nombresCles, string? confirmation)
    {
        if (!await DraftWithCommentsAsync(commentaires, cles, nombres, nombresCles, "rien n'a été envoyé"))
        {
            return Page();
        }
        if (confirmation != Confirmed)
        {
            return Refuse(Problem.Of(400, ErrorCatalog.MissingParameter,
                "L'envoi du tableau n'a pas été confirmé : rien n'a été envoyé. Vérifiez le tableau, puis confirmez l'envoi."));
        }
        var draft = Draft!;
        byte[] table;
        using (var buffer = new MemoryStream())
        {
            // A few rows per theme: the file is small, and written once for both recipients.
            await drafts.WriteCsvAsync(buffer, draft.Rows, Comments, HttpContext.RequestAborted, Numbers);
            table = buffer.ToArray();
        }
        var caller = Caller.From(User);
        var recipients = Recipients(draft.Contract);
        var refused = recipients.Where(r => !AccessPolicy.Decide(policies, new AccessRequest(caller.Roles, caller.Organisation, DataAction.Send,
            ReportingPolicy.Indicators, r, ReportingPolicy.Indicators, decisions.Today)).Allowed).ToList();
        var sent = new List<TableSent>();
        foreach (var recipient in refused.Count > 0 ? refused : recipients)
        {
            using var file = new MemoryStream(table, writable: false);
            var fields = new UploadFields(ReportingPolicy.Indicators, recipient, ReportingPolicy.Indicators, $"Tableau de suivi {draft.Year}", null);
            var answer = UploadAnswer.From(await ConsoleUpload.SendAsync(HttpContext, fields, file));
            sent.Add(new TableSent(recipient, answer));
            if (!answer.Accepted)
            {
                // A recipient refused after the first was sent (an outage, a limit): the page says which was sent and which was not.
                break;
            }
        }
        Sent = sent;
        if (sent.FirstOrDefault(s => !s.Answer.Accepted) is { } failed)
        {
            Refusal = failed.Answer.Refusal;
            Response.StatusCode = failed.Answer.Refusal!.StatusCode;
        }
        return Page();
    }

    /// <summary>The key of a draft's row for its comment: its theme and indicator (the rows' order may change between two computations).</summary>
    public static string Key(IReadOnlyDictionary<string, string> row) => Cell(row, "theme") + "|" + Cell(row, "indicateur");

    /// <summary>A cell of a draft's row, empty when absent.</summary>
    public static string Cell(IReadOnlyDictionary<string, string> row, string column) => row.TryGetValue(column, out var value) ? value : string.Empty;

    /// <summary>The comment typed for row <paramref name="index"/> of the draft.</summary>
    public string CommentOf(int index) => index < Comments.Count ? Comments[index] : string.Empty;

    /// <summary>The number typed for row <paramref name="index"/> of the draft (a typed indicator of the contract).</summary>
    public string NumberOf(int index) => index < Numbers.Count ? Numbers[index] : string.Empty;

    /// <summary>The contract's own indicator of <paramref name="row"/> (its label, whether typed), or null for a row of the DGT table.</summary>
    public ContractIndicator? IndicatorOf(IReadOnlyDictionary<string, string> row) =>
        Draft?.Contract.Indicators.FirstOrDefault(i => i.Code == Cell(row, "indicateur") && i.Volet == Cell(row, "theme"));

    private async Task<bool> DraftWithCommentsAsync(List<string>? commentaires, List<string>? cles, List<string>? nombres, List<string>? nombresCles, string nothingDone)
    {
        var typed = (commentaires ?? []).Select(c => c?.Trim() ?? string.Empty).ToList();
        var numbers = (nombres ?? []).Select(n => n?.Trim() ?? string.Empty).ToList();
        var keys = cles ?? [];
        if (numbers.Any(n => n.Length > 0 && (n.Length > 12 || !n.All(char.IsAsciiDigit))))
        {
            await DraftAsync(NoComments, NoComments);
            Refuse(Problem.Of(400, ErrorCatalog.InvalidRequest, $"Un nombre saisi n'est pas un entier positif (chiffres seulement) : {nothingDone}."));
            return false;
        }
        if (typed.Any(c => c.Length > CommentMaxLength))
        {
            await DraftAsync(NoComments, NoComments);
            Refuse(Problem.Of(400, ErrorCatalog.InvalidRequest, $"Un commentaire dépasse {CommentMaxLength} caractères : {nothingDone}."));
            return false;
        }
        var numberKeys = nombresCles ?? [];
        if (typed.Count != keys.Count || numbers.Count != numberKeys.Count)
        {
            await DraftAsync(NoComments, NoComments);
            Refuse(Problem.Of(400, ErrorCatalog.InvalidRequest, $"Les commentaires ne correspondent pas aux lignes du tableau : {nothingDone}. Calculez le brouillon à nouveau."));
            return false;
        }
        var byKey = new Dictionary<string, string>(StringComparer.Ordinal);
        var numberByKey = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < keys.Count; i++)
        {
            byKey[keys[i] ?? string.Empty] = typed[i];
        }
        for (var i = 0; i < numberKeys.Count; i++)
        {
            numberByKey[numberKeys[i] ?? string.Empty] = numbers[i];
        }
        return await DraftAsync(byKey, numberByKey);
    }

    private async Task<bool> DraftAsync(IReadOnlyDictionary<string, string> comments, IReadOnlyDictionary<string, string> numbers)
    {
        var (draft, refusal) = await drafts.DraftAsync(HttpContext, ContractId, Year);
        Draft = draft;
        if (refusal is not null)
        {
            Refuse(refusal);
            return false;
        }
        Comments = draft!.Rows.Select(r => comments.TryGetValue(Key(r), out var c) ? c : string.Empty).ToList();
        // Only the contract's typed indicators take a number typed here; a computed one is the gateway's.
        Numbers = draft.Rows.Select(r => IndicatorOf(r) is { Typed: true } && numbers.TryGetValue(Key(r), out var n) ? n : string.Empty).ToList();
        return true;
    }

    private PageResult Refuse(ProblemHttpResult refusal)
    {
        Refusal = refusal;
        Response.StatusCode = refusal.StatusCode;
        return Page();
    }
}
