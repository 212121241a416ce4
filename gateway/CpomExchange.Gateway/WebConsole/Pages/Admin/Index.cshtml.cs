using CpomExchange.Gateway.Admin;
using CpomExchange.Rules.Policies;
using Microsoft.AspNetCore.Mvc;

namespace CpomExchange.Gateway.WebConsole.Pages.Admin;

/// <summary>Annuaire: the agents by organisation, with their roles, certificate and state; expiring certificates stand out.</summary>
internal sealed class IndexModel(DirectoryService directory, PolicySet policies, TimeProvider time) : AdminPage
{
    public IReadOnlyList<AgentInfo> Agents { get; private set; } = [];

    public PolicySet Policies => policies;

    public DateTime Now => time.GetUtcNow().UtcDateTime;

    public async Task<IActionResult> OnGetAsync()
    {
        var agents = await directory.ListAsync(Caller, null, HttpContext.RequestAborted);
        if (!agents.Succeeded)
        {
            return Refuse(agents.Refusal);
        }
        Agents = agents.Value;
        return Page();
    }

    /// <summary>The organisation's name, or what an agent without one is.</summary>
    public string OrganisationName(string? id) =>
        id is null ? "Exploitation de la passerelle" : policies.Organisations.TryGetValue(id, out var o) ? $"{o.Name} ({id})" : id;
}
