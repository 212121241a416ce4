using CpomExchange.Gateway.Authentication;
using CpomExchange.Gateway.Datasets;
using CpomExchange.Infrastructure.Storage;
using CpomExchange.Rules.Policies;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace CpomExchange.Gateway.WebConsole.Pages.Fichiers;

/// <summary>
/// Retirer un fichier: the confirmation that says what a withdrawal does, then the API's own
/// withdrawal (crypto-shredding, logged under both controllers) when the sender confirms.
/// </summary>
internal sealed class RetraitModel(DatasetOperations operations, PolicySet policies, AccessDecisions decisions) : PageModel
{
    public DatasetInfo? Dataset { get; private set; }

    public ProblemHttpResult? Refusal { get; private set; }

    public ConsoleLabels Labels { get; } = new(policies);

    public TimeZoneInfo Zone => decisions.Zone;

    /// <summary>True when the caller's organisation sent the file and its content still exists.</summary>
    public bool CanConfirm => Dataset is { } d && d.From == Caller.From(User).Organisation && d.Status == DatasetStatus.Available;

    public async Task OnGetAsync(string id)
    {
        var metadata = await operations.MetadataAsync(HttpContext, id, null, null);
        Dataset = metadata.Value;
        Refuse(metadata.Refusal);
    }

    public async Task<IActionResult> OnPostAsync(string id)
    {
        var withdrawn = await operations.WithdrawAsync(HttpContext, id);
        if (withdrawn.Refusal is { } refused)
        {
            Refuse(refused);
            return Page();
        }
        return Redirect($"/Fichiers/{Uri.EscapeDataString(id)}?fait=retire");
    }

    private void Refuse(ProblemHttpResult? refused)
    {
        Refusal = refused;
        if (refused is not null)
        {
            Response.StatusCode = refused.StatusCode;
        }
    }
}
