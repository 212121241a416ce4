using CpomExchange.Documents;
using CpomExchange.Gateway.Authentication;
using CpomExchange.Gateway.Problems;
using CpomExchange.Gateway.Registre;
using CpomExchange.Rules.Errors;
using CpomExchange.Rules.Policies;
using CpomExchange.Rules.Registre;
using Microsoft.AspNetCore.Mvc;

namespace CpomExchange.Gateway.WebConsole.Pages.Registre;

/// <summary>
/// Registre des traitements: the record of processing (RGPD art. 30) of the DPO's organisation, or of the
/// organisation an administrator chooses, to read on the page and to download (.xlsx, .ods, Markdown,
/// JSON). The same scope and the same production as <c>GET /api/v1/registre</c> (<see cref="RegistreService"/>),
/// each logged under the organisation.
/// </summary>
internal sealed class IndexModel(RegistreService registre) : RoleGuardedPage
{
    /// <summary>The organisation (administrators only; a DPO's is their own).</summary>
    [BindProperty(SupportsGet = true)] public string? Org { get; set; }

    /// <summary>The day whose contracts (with their amendments) the record describes; default today.</summary>
    [BindProperty(SupportsGet = true)] public DateOnly? Jour { get; set; }

    /// <summary>The record, once built.</summary>
    public RecordOfProcessing? Record { get; private set; }

    /// <summary>An administrator chooses the organisation.</summary>
    public bool ChoosesOrganisation => Caller.Roles.Contains(Roles.Admin);

    /// <summary>The organisations an administrator may choose, by name.</summary>
    public IEnumerable<Organisation> Organisations => registre.Policies.Organisations.Values.OrderBy(o => o.Name, StringComparer.Ordinal);

    /// <summary>The download formats, with their labels.</summary>
    public static IReadOnlyList<(string Format, string Label)> Downloads { get; } =
    [
        ("xlsx", "Tableur Excel (.xlsx)"),
        ("ods", "Tableur OpenDocument (.ods)"),
        ("md", "Texte Markdown (.md)"),
        ("json", "Données JSON (.json)"),
    ];

    protected override Refusal? Check(Caller caller) => RegistreService.NotDpoOrAdmin(caller);

    public async Task<IActionResult> OnGetAsync()
    {
        if (ChoosesOrganisation && Org is null && Caller.Organisation is null)
        {
            // The gateway's operator first chooses an organisation.
            return Page();
        }
        var scope = RegistreService.Scope(Caller, registre.Policies, Org);
        if (!scope.Succeeded)
        {
            return Refuse(scope.Refusal);
        }
        Org = scope.Value;
        Record = await registre.BuildAsync(HttpContext, Caller, scope.Value, Jour, "registre (console)");
        return Page();
    }

    public async Task<IActionResult> OnGetTelechargerAsync(string? format)
    {
        var scope = RegistreService.Scope(Caller, registre.Policies, Org);
        if (!scope.Succeeded)
        {
            return Refuse(scope.Refusal);
        }
        if (RegistreFormats.Parse(format) is not { } chosen)
        {
            return Refuse(new Refusal(ErrorCatalog.RegistreBadFormat, "Format du registre : xlsx, ods, md ou json."));
        }
        await registre.DownloadAsync(HttpContext, Caller, scope.Value, chosen, Jour);
        return new EmptyResult();
    }

    /// <summary>The address of a download in <paramref name="format"/>, for the organisation and day shown.</summary>
    public string? DownloadUrl(string format) => Url.Page("/Registre/Index", "Telecharger",
        new { org = ChoosesOrganisation ? Org : null, jour = Jour?.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), format });

    public static string RoleLabel(ProcessingRole role) => role == ProcessingRole.Sender ? "Expéditeur" : "Destinataire";
}
