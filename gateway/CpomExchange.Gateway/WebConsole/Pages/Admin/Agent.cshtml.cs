using CpomExchange.Gateway.Admin;
using CpomExchange.Gateway.Problems;
using CpomExchange.Rules.Errors;
using CpomExchange.Rules.Policies;
using Microsoft.AspNetCore.Mvc;

namespace CpomExchange.Gateway.WebConsole.Pages.Admin;

/// <summary>
/// One agent of the directory: its facts, and the forms to disable or enable it (after an explicit
/// confirmation) and to change its roles. Every change goes through <see cref="DirectoryService"/>:
/// the API's checks (an administrator never locks themselves out), the same log entry.
/// </summary>
internal sealed class AgentModel(DirectoryService directory, PolicySet policies, TimeProvider time) : AdminPage
{
    [BindProperty(SupportsGet = true)] public string Id { get; set; } = "";

    /// <summary>What was just done (after a redirect): <c>enregistre</c>, <c>desactive</c>, <c>active</c>, <c>roles</c>.</summary>
    [BindProperty(SupportsGet = true)] public string? Fait { get; set; }

    /// <summary>The confirmation box of a disabling or enabling.</summary>
    [BindProperty] public bool Confirme { get; set; }

    [BindProperty] public List<string> Roles { get; set; } = [];

    public AgentInfo Agent { get; private set; } = null!;

    /// <summary>Why the last submission was refused.</summary>
    public Refusal? Error { get; private set; }

    public PolicySet Policies => policies;

    public DateTime Now => time.GetUtcNow().UtcDateTime;

    public async Task<IActionResult> OnGetAsync() => await LoadAsync() is { } refused ? refused : Page();

    public Task<IActionResult> OnPostDesactiverAsync() => SetDisabledAsync(true);

    public Task<IActionResult> OnPostActiverAsync() => SetDisabledAsync(false);

    public async Task<IActionResult> OnPostRolesAsync()
    {
        var changed = await directory.ChangeAsync(HttpContext, Caller, Id, new DirectoryChange(null, null, Roles, null));
        return changed.Succeeded ? RedirectToPage("/Admin/Agent", new { id = Id, fait = "roles" }) : await ShowAsync(changed.Refusal);
    }

    private async Task<IActionResult> SetDisabledAsync(bool disabled)
    {
        if (!Confirme)
        {
            return await ShowAsync(new Refusal(ErrorCatalog.AdminInvalidRequest,
                disabled ? "Cochez la case pour confirmer la désactivation de l'agent." : "Cochez la case pour confirmer la réactivation de l'agent."));
        }
        var changed = await directory.ChangeAsync(HttpContext, Caller, Id, new DirectoryChange(disabled, null, null, null));
        return changed.Succeeded
            ? RedirectToPage("/Admin/Agent", new { id = Id, fait = disabled ? "desactive" : "active" })
            : await ShowAsync(changed.Refusal);
    }

    private async Task<IActionResult?> LoadAsync()
    {
        var agent = await directory.GetAsync(Caller, Id, HttpContext.RequestAborted);
        if (!agent.Succeeded)
        {
            return Refuse(agent.Refusal);
        }
        Agent = agent.Value;
        return null;
    }

    private async Task<IActionResult> ShowAsync(Refusal refusal)
    {
        if (refusal.Status is 403 or 404)
        {
            return Refuse(refusal);
        }
        if (await LoadAsync() is { } refused)
        {
            return refused;
        }
        Error = refusal;
        var page = Page();
        page.StatusCode = refusal.Status;
        return page;
    }
}
