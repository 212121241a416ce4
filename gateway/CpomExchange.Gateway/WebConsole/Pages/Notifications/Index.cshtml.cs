using CpomExchange.Gateway.Authentication;
using CpomExchange.Gateway.Notifications;
using CpomExchange.Gateway.Problems;
using CpomExchange.Rules.Errors;
using CpomExchange.Infrastructure.Notifications;
using CpomExchange.Rules.Policies;
using Microsoft.AspNetCore.Mvc;

namespace CpomExchange.Gateway.WebConsole.Pages.Notifications;

/// <summary>
/// Notifications: an agent of an organisation sets their own address and the events they want; an
/// administrator sets each organisation's addresses per role. Every change goes through
/// <see cref="NotificationAddressBook"/>, the service the API calls (same checks, same log entry): a
/// forged post of the administrator's form by an agent is refused there (403), whatever the page offered.
/// </summary>
internal sealed class IndexModel(NotificationAddressBook book, PolicySet policies) : RoleGuardedPage
{
    /// <summary>The French label of each event, in the order of <see cref="NotificationEvents.All"/>.</summary>
    public static IReadOnlyDictionary<string, string> EventLabels { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        [NotificationEvents.FileReceived] = "Un fichier est reçu",
        [NotificationEvents.FileAcknowledged] = "Le destinataire accuse réception d'un fichier envoyé",
        [NotificationEvents.FileWithdrawn] = "Un fichier reçu est retiré par son expéditeur",
        [NotificationEvents.FileExpired] = "Un fichier reçu est détruit en fin de conservation",
        [NotificationEvents.FileNewVersion] = "Une nouvelle version d'un fichier reçu attend un accusé de réception",
        [NotificationEvents.RetentionEnding] = "Un fichier reçu non téléchargé sera bientôt détruit",
        [NotificationEvents.AnnualTableDue] = "Le tableau de suivi annuel est à transmettre (30 et 7 jours avant le 30 juin)",
        [NotificationEvents.CertificateExpiring] = "Un certificat expire dans moins de 30 jours",
        [NotificationEvents.LogVerificationFailed] = "Le journal des accès ne se vérifie pas (vérification nocturne)",
    };

    /// <summary>The own address typed.</summary>
    [BindProperty] public string? Adresse { get; set; }

    /// <summary>The events ticked (none: every event of the roles).</summary>
    [BindProperty] public List<string> Evenements { get; set; } = [];

    /// <summary>The organisation of the administrator's form.</summary>
    [BindProperty] public string? Organisation { get; set; }

    /// <summary>The role of the administrator's form.</summary>
    [BindProperty] public string? Role { get; set; }

    /// <summary>The organisation's addresses, one a line.</summary>
    [BindProperty] public string? Adresses { get; set; }

    /// <summary>What was just done (after a redirect): <c>moi</c>, <c>supprime</c>, <c>organisation</c>.</summary>
    [BindProperty(SupportsGet = true)] public string? Fait { get; set; }

    /// <summary>The caller's own address, if set.</summary>
    public NotificationAddressInfo? Own { get; private set; }

    /// <summary>Every organisation's addresses (administrators only).</summary>
    public IReadOnlyList<NotificationAddressInfo> OrganisationAddresses { get; private set; } = [];

    /// <summary>Why the last submission was refused, shown above the forms.</summary>
    public Refusal? Error { get; private set; }

    public PolicySet Policies => policies;

    public bool IsAdmin => Caller.Roles.Contains(Roles.Admin);

    public bool HasOrganisation => Caller.Organisation is not null;

    /// <summary>Administrators, and agents of an organisation.</summary>
    protected override Refusal? Check(Caller caller) =>
        caller.Roles.Contains(Roles.Admin) ? null : NotificationAddressBook.NoOrganisation(caller);

    public async Task<IActionResult> OnGetAsync()
    {
        await LoadAsync();
        return Page();
    }

    public async Task<IActionResult> OnPostMoiAsync()
    {
        var set = await book.SetOwnAsync(HttpContext, Caller, new OwnAddress(Adresse, Evenements));
        return set.Succeeded ? RedirectToPage("/Notifications/Index", new { fait = "moi" }) : await ShowAsync(set.Refusal);
    }

    public async Task<IActionResult> OnPostSupprimerAsync()
    {
        if (NotificationAddressBook.NoOrganisation(Caller) is { } refusal)
        {
            return Refuse(refusal);
        }
        await book.DeleteOwnAsync(Caller, HttpContext.RequestAborted);
        return RedirectToPage("/Notifications/Index", new { fait = "supprime" });
    }

    public async Task<IActionResult> OnPostOrganisationAsync()
    {
        // One address a line; blank lines are not addresses.
        var lines = (Adresses ?? string.Empty).Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var set = await book.SetRoleAsync(HttpContext, Caller, Organisation ?? string.Empty, Role ?? string.Empty, new RoleAddresses(lines, Evenements));
        return set.Succeeded ? RedirectToPage("/Notifications/Index", new { fait = "organisation" }) : await ShowAsync(set.Refusal);
    }

    private async Task LoadAsync()
    {
        Own = (await book.OwnAsync(Caller, HttpContext.RequestAborted)).FirstOrDefault();
        if (IsAdmin)
        {
            var listed = await book.ListAsync(Caller, null, HttpContext.RequestAborted);
            OrganisationAddresses = listed.Succeeded ? listed.Value.Where(a => a.AgentId is null).ToList() : [];
        }
    }

    private async Task<IActionResult> ShowAsync(Refusal refusal)
    {
        if (refusal.Status == 403)
        {
            return Refuse(refusal);
        }
        await LoadAsync();
        Error = refusal;
        var page = Page();
        page.StatusCode = refusal.Status;
        return page;
    }
}
