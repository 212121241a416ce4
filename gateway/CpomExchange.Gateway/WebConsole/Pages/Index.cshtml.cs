using CpomExchange.Gateway.Authentication;
using CpomExchange.Gateway.Datasets;
using CpomExchange.Gateway.Me;
using CpomExchange.Rules.Policies;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace CpomExchange.Gateway.WebConsole.Pages;

/// <summary>Accueil: who I am, the contracts in force with what they open to me, the next due date.</summary>
internal sealed class IndexModel(PolicySet policies, AccessDecisions decisions) : PageModel
{
    /// <summary>The caller and what the policy lets them do today (the API's <c>/me</c>).</summary>
    public MeResponse Me { get; private set; } = null!;

    /// <summary>Today, in the gateway's legal time zone.</summary>
    public DateOnly Today { get; private set; }

    /// <summary>For an SPSTI: the date by which the annual table is due (seed 004: "au plus tard le 30 juin").</summary>
    public DateOnly? AnnualTableDue { get; private set; }

    public PolicySet Policies => policies;

    public void OnGet()
    {
        Today = decisions.Today;
        Me = MeApi.Describe(Caller.From(User), policies, Today);
        if (Me.Organisation is { } organisation && policies.Organisations[organisation.Id].Kind == OrganisationKind.Spsti && Me.Contracts.Count > 0)
        {
            var due = new DateOnly(Today.Year, 6, 30);
            AnnualTableDue = due >= Today ? due : due.AddYears(1);
        }
    }

    /// <summary>The French name of a role.</summary>
    public static string RoleLabel(string role) => role switch
    {
        Roles.Agent => "agent",
        Roles.Pdp => "cellule PDP",
        Roles.ServiceSocial => "service social",
        Roles.Dpo => "délégué à la protection des données",
        Roles.Admin => "administrateur",
        _ => role,
    };

    /// <summary>The French name of an action the policy allows.</summary>
    public static string ActionLabel(string action) => action switch
    {
        "send" => "envoyer",
        "list" => "consulter",
        "download" => "télécharger",
        "withdraw-consent" => "retirer une personne (consentement retiré)",
        _ => action,
    };
}
