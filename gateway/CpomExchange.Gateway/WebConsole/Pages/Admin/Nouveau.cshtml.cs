using CpomExchange.Gateway.Admin;
using CpomExchange.Gateway.Problems;
using CpomExchange.Rules.Errors;
using CpomExchange.Rules.Policies;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace CpomExchange.Gateway.WebConsole.Pages.Admin;

/// <summary>
/// Enregistrer un agent: its identifier, name, organisation and roles, and its certificate uploaded
/// as a file (PEM or DER). <see cref="DirectoryService"/> makes the API's checks (chain to the trust
/// anchors, organisation identifier, roles that fit the organisation) and logs the registration.
/// </summary>
internal sealed class NouveauModel(DirectoryService directory, PolicySet policies) : AdminPage
{
    /// <summary>A certificate file is a few kilobytes; anything larger is not one.</summary>
    public const int MaxCertificateBytes = 64 * 1024;

    [BindProperty] public string? Identifiant { get; set; }
    [BindProperty] public string? Nom { get; set; }
    [BindProperty] public string? Organisation { get; set; }
    [BindProperty] public List<string> Roles { get; set; } = [];
    [BindProperty] public IFormFile? Certificat { get; set; }

    /// <summary>Why the last submission was refused, shown above the form.</summary>
    public Refusal? Error { get; private set; }

    public PolicySet Policies => policies;

    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostAsync()
    {
        byte[]? file = null;
        if (Certificat is { Length: > 0 and <= MaxCertificateBytes })
        {
            using var buffer = new MemoryStream();
            await Certificat.CopyToAsync(buffer, HttpContext.RequestAborted);
            file = buffer.ToArray();
        }
        else if (Certificat is { Length: > MaxCertificateBytes })
        {
            return Show(new Refusal(ErrorCatalog.AdminBadCertificate, "Le fichier est trop gros pour être un certificat (64 Kio au plus)."));
        }
        else
        {
            return Show(new Refusal(ErrorCatalog.AdminInvalidRequest, "Choisissez le fichier du certificat de l'agent (PEM ou DER)."));
        }
        var registered = await directory.RegisterAsync(HttpContext, Caller,
            new Registration(Identifiant, Nom, string.IsNullOrEmpty(Organisation) ? null : Organisation, Roles, new CertificateInput(null, file)));
        if (!registered.Succeeded)
        {
            return registered.Refusal.Status == 403 ? Refuse(registered.Refusal) : Show(registered.Refusal);
        }
        return RedirectToPage("/Admin/Agent", new { id = registered.Value.Id, fait = "enregistre" });
    }

    private PageResult Show(Refusal refusal)
    {
        Error = refusal;
        var page = Page();
        page.StatusCode = refusal.Status;
        return page;
    }
}
