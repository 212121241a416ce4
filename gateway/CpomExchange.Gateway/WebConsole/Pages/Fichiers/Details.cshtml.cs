using CpomExchange.Gateway.Authentication;
using CpomExchange.Gateway.Datasets;
using CpomExchange.Infrastructure.Storage;
using CpomExchange.Rules.Policies;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace CpomExchange.Gateway.WebConsole.Pages.Fichiers;

/// <summary>
/// A file's page: its metadata and its history in the organisation's access log (the API's metadata
/// read), and what the caller may do with it: its recipient downloads it, for the purpose it was sent
/// for, and acknowledges receipt; its sender withdraws it (after a confirmation page). Every action is
/// the API's own operation, with its decisions and log entries; the forms post with an antiforgery token.
/// </summary>
internal sealed class DetailsModel(DatasetOperations operations, PolicySet policies, AccessDecisions decisions) : PageModel
{
    public DatasetDetails? Details { get; private set; }

    /// <summary>The refusal to show: of the page itself, or of the action just posted.</summary>
    public ProblemHttpResult? Refusal { get; private set; }

    /// <summary>What was just done (<c>accuse</c>, <c>retire</c>), to confirm it.</summary>
    [BindProperty(SupportsGet = true, Name = "fait")]
    public string? Done { get; set; }

    public ConsoleLabels Labels { get; } = new(policies);

    public TimeZoneInfo Zone => decisions.Zone;

    /// <summary>True when the caller's organisation received this file (false: it sent it).</summary>
    public bool Received => Details is { } d && d.Info.To == Caller.From(User).Organisation;

    /// <summary>True while the file's content exists.</summary>
    public bool Available => Details?.Info.Status == DatasetStatus.Available;

    public async Task OnGetAsync(string id) => await LoadAsync(id);

    /// <summary>Downloads the content for <paramref name="finalite"/> (the file's own purpose; any other is refused, and logged).</summary>
    public async Task<IActionResult> OnPostTelechargerAsync(string id, string? finalite)
    {
        var result = await operations.DownloadAsync(HttpContext, id, finalite, null);
        if (result is ProblemHttpResult refused)
        {
            return await ShowRefusalAsync(id, refused);
        }
        // The content is written.
        return new EmptyResult();
    }

    /// <summary>Acknowledges receipt for <paramref name="finalite"/>, then shows the file again.</summary>
    public async Task<IActionResult> OnPostAccuserAsync(string id, string? finalite)
    {
        var acknowledged = await operations.AcknowledgeAsync(HttpContext, id, finalite, null);
        return acknowledged.Refusal is { } refused ? await ShowRefusalAsync(id, refused) : Redirect($"/Fichiers/{Uri.EscapeDataString(id)}?fait=accuse");
    }

    private async Task<IActionResult> ShowRefusalAsync(string id, ProblemHttpResult refused)
    {
        await LoadAsync(id);
        Refusal = refused;
        Response.StatusCode = refused.StatusCode;
        return Page();
    }

    private async Task LoadAsync(string id)
    {
        var details = await operations.DetailsAsync(HttpContext, id, null, null);
        Details = details.Value;
        if (details.Refusal is { } refused)
        {
            Refusal = refused;
            Response.StatusCode = refused.StatusCode;
        }
    }
}
