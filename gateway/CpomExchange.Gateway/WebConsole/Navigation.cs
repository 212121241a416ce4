using System.Security.Claims;
using CpomExchange.Rules.Policies;

namespace CpomExchange.Gateway.WebConsole;

/// <summary>One entry of the console's main menu, shown to the roles that may use its page.</summary>
internal sealed record NavigationEntry(string Page, string Path, string Label, IReadOnlyList<string> Roles);

/// <summary>The console's main menu: a page is listed only to roles that may use it (the page checks again).</summary>
internal static class Navigation
{
    private static readonly IReadOnlyList<string> Everyone = Roles.All;

    /// <summary>Every entry, in menu order.</summary>
    public static IReadOnlyList<NavigationEntry> Entries { get; } =
    [
        new("/Index", "/", "Accueil", Everyone),
        new("/Deposer", "/Deposer", "Déposer un fichier", Roles.DataRoles),
        new("/Recus/Index", "/Recus", "Fichiers reçus", Roles.DataRoles),
        new("/Envoyes/Index", "/Envoyes", "Fichiers envoyés", Roles.DataRoles),
        new("/TableauAnnuel", "/TableauAnnuel", "Tableau annuel", [Roles.Agent, Roles.Pdp]),
        new("/Ciblage", "/Ciblage", "Ciblage", [Roles.Agent]),
        new("/Journal/VueEnsemble", "/Journal/VueEnsemble", "Vue d'ensemble", [Roles.Dpo]),
        new("/Signalements/Index", "/Signalements", "Signalements", [Roles.Pdp, Roles.ServiceSocial]),
        new("/Journal/Index", "/Journal", "Journal des accès", [Roles.Dpo]),
        new("/Journal/Verifier", "/Journal/Verifier", "Vérifier le journal", [Roles.Dpo]),
        new("/Journal/Personne", "/Journal/Personne", "Personne concernée", [Roles.Dpo]),
        new("/Registre/Index", "/Registre", "Registre des traitements", [Roles.Dpo, Roles.Admin]),
        new("/Politiques", "/Politiques", "Politiques", [Roles.Dpo, Roles.Admin]),
        new("/Admin/Index", "/Admin", "Annuaire", [Roles.Admin]),
        new("/Notifications/Index", "/Notifications", "Notifications", Everyone),
    ];

    /// <summary>The entries <paramref name="user"/>'s roles may see.</summary>
    public static IEnumerable<NavigationEntry> For(ClaimsPrincipal user) =>
        Entries.Where(e => e.Roles.Any(user.IsInRole));
}
