using CpomExchange.Gateway.AccessLog;
using CpomExchange.Gateway.Datasets;
using CpomExchange.Rules.Errors;
using CpomExchange.Rules.Policies;
using CpomExchange.Rules.Pseudonymisation;
using Microsoft.AspNetCore.Mvc;

namespace CpomExchange.Gateway.WebConsole.Pages.Journal;

/// <summary>
/// Personne ou établissement concerné (RGPD art. 15): the DPO gives a SIRET or a NIR and gets every
/// access of the organisation's log to the datasets that hold it, found by <see cref="AuditService.SubjectAsync"/>
/// through the datasets' pseudonym indexes. A POST, never a GET: the identifier must not sit in an
/// address (history, proxies, server logs). The identifier is neither kept nor logged nor shown back:
/// the log holds the pseudonym looked up, under the purpose <see cref="AuditService.SubjectAccessPurpose"/>.
/// </summary>
internal sealed class PersonneModel(AuditService audit, AccessDecisions decisions, PolicySet policies) : DpoPage
{
    /// <summary>The SIRET or NIR as typed (bound from the form only, never from the query).</summary>
    [BindProperty] public string? Identifiant { get; set; }

    /// <summary>What the lookup found, after the POST.</summary>
    public SubjectFindings? Found { get; private set; }

    /// <summary>Why the lookup was refused (a malformed identifier), shown above the form.</summary>
    public Refusal? Error { get; private set; }

    public ConsoleLabels Labels { get; } = new(policies);

    public TimeZoneInfo Zone => decisions.Zone;

    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostAsync()
    {
        var typed = (Identifiant ?? "").Replace(" ", "", StringComparison.Ordinal).Replace("\u00A0", "", StringComparison.Ordinal);
        // Fourteen digits make a SIRET; anything else is read as a NIR (15 characters, 2A/2B for Corsica).
        var query = typed.Length == 14 && typed.All(char.IsAsciiDigit) ? new SubjectQuery(typed, null) : new SubjectQuery(null, typed);
        // Nothing the person typed goes back to the browser, not even in the form.
        Identifiant = null;
        ModelState.Clear();
        var found = await audit.SubjectAsync(HttpContext, Caller, query);
        if (!found.Succeeded)
        {
            if (found.Refusal.Status == 403)
            {
                return Refuse(found.Refusal);
            }
            Error = found.Refusal;
            var page = Page();
            page.StatusCode = found.Refusal.Status;
            return page;
        }
        Found = found.Value;
        return Page();
    }

    /// <summary>What the identifier looked up was, in French.</summary>
    public static string KindLabel(IdentifierKind kind) => kind == IdentifierKind.Nir ? "une personne (NIR)" : "un établissement (SIRET)";
}
