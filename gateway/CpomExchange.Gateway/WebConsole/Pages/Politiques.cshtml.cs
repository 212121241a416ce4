using CpomExchange.Gateway.Authentication;
using CpomExchange.Gateway.Datasets;
using CpomExchange.Rules.Csv;
using CpomExchange.Rules.Errors;
using CpomExchange.Rules.Policies;
using Microsoft.AspNetCore.Mvc;

namespace CpomExchange.Gateway.WebConsole.Pages;

/// <summary>
/// Politiques: the policy the gateway runs, read-only and in French: the contracts (each as amended
/// today) with their term, volets and exchanges, the exchanges with their columns, roles, purposes and
/// retention, the purposes with their legal bases. A DPO sees what binds their own organisation; an
/// administrator sees every organisation's, or one chosen (<c>org</c>).
/// </summary>
internal sealed class PolitiquesModel(PolicySet policies, AccessDecisions decisions) : RoleGuardedPage
{
    /// <summary>The organisation shown (administrators only; a DPO sees theirs).</summary>
    [BindProperty(SupportsGet = true)] public string? Org { get; set; }

    public PolicySet Policies => policies;

    /// <summary>Today, in the gateway's legal time zone: the contracts are shown as amended on this day.</summary>
    public DateOnly Today => decisions.Today;

    /// <summary>The organisation whose policy is shown, or null for all (an administrator's choice).</summary>
    public string? Organisation { get; private set; }

    /// <summary>The contracts shown, each as amended today.</summary>
    public IReadOnlyList<Contract> Contracts { get; private set; } = [];

    /// <summary>The exchanges those contracts name, in the catalogue's order.</summary>
    public IReadOnlyList<ExchangeDefinition> Exchanges { get; private set; } = [];

    /// <summary>The purposes those exchanges serve.</summary>
    public IReadOnlyList<Purpose> Purposes { get; private set; } = [];

    public ConsoleLabels Labels { get; } = new(policies);

    protected override Refusal? Check(Caller caller) => Scope(caller, null).Refusal;

    public IActionResult OnGet()
    {
        var (organisation, refusal) = Scope(Caller, Org);
        if (refusal is not null)
        {
            return Refuse(refusal);
        }
        Organisation = organisation;
        Contracts = policies.Contracts.Where(c => organisation is null || c.Parties.Contains(organisation))
            .Select(c => c.On(Today)).OrderBy(c => c.Title, StringComparer.Ordinal).ToList();
        var named = Contracts.SelectMany(c => c.Exchanges.Keys).ToHashSet(StringComparer.Ordinal);
        Exchanges = policies.Exchanges.Values.Where(e => named.Contains(e.Type)).ToList();
        var served = Exchanges.SelectMany(e => e.Purposes).ToHashSet(StringComparer.Ordinal);
        Purposes = policies.Purposes.Values.Where(p => served.Contains(p.Code)).ToList();
        return Page();
    }

    /// <summary>
    /// Whose policy <paramref name="caller"/> may read: an administrator any organisation's (or all); a
    /// DPO their own only; anyone else nothing.
    /// </summary>
    internal (string? Organisation, Refusal? Refusal) Scope(Caller caller, string? org)
    {
        if (caller.Roles.Contains(Roles.Admin))
        {
            return org is null || policies.Organisations.ContainsKey(org)
                ? (org, null)
                : (null, new Refusal(ErrorCatalog.UnknownOrganisation, $"Organisation « {org} » inconnue de la politique."));
        }
        if (caller.Roles.Contains(Roles.Dpo) && caller.Organisation is not null)
        {
            return org is null || org == caller.Organisation
                ? (caller.Organisation, null)
                : (null, new Refusal(ErrorCatalog.RoleNotAllowed, "Le DPO d'une organisation ne consulte que la politique qui s'applique à la sienne."));
        }
        return (null, new Refusal(ErrorCatalog.RoleNotAllowed,
            "La politique en vigueur est consultée par le DPO de l'organisation (rôle dpo) ou par un administrateur (rôle admin)."));
    }

    /// <summary>What an organisation is, in French.</summary>
    public string Party(string id) => policies.Organisations.TryGetValue(id, out var o) ? $"{o.Name} ({AccessPolicy.Label(o.Kind)})" : id;

    /// <summary>The kinds of organisation, in French.</summary>
    public static string Kinds(IEnumerable<OrganisationKind> kinds) => string.Join(", ", kinds.Select(AccessPolicy.Label));

    /// <summary>What a data category means for who may touch it.</summary>
    public static string Category(DataCategory category) => category switch
    {
        DataCategory.Entreprise => "données d'établissements",
        DataCategory.Personnel => "données personnelles de salariés",
        DataCategory.Sante => "données de santé (RGPD art. 9)",
        DataCategory.Document => "documents du contrat (PDF, texte OpenDocument), sans tableau de données",
        _ => "agrégats, sans SIRET ni personne",
    };

    /// <summary>A column's kind, in French.</summary>
    public static string Column(ColumnSpec column)
    {
        ArgumentNullException.ThrowIfNull(column);
        var kind = column.Kind switch
        {
            ColumnKind.Siret => "SIRET",
            ColumnKind.Nir => "NIR",
            ColumnKind.Integer => "nombre entier",
            ColumnKind.Decimal => "nombre décimal",
            ColumnKind.Date => "date",
            ColumnKind.Year => "année",
            ColumnKind.Enum => "code parmi : " + string.Join(", ", column.Values ?? []),
            ColumnKind.NafCode => "code NAF",
            ColumnKind.PostalCode => "code postal",
            ColumnKind.Email => "adresse électronique",
            ColumnKind.Phone => "téléphone",
            ColumnKind.Reference => "référence d'un jeu de données",
            ColumnKind.RowReference => "référence d'une ligne",
            _ => "texte",
        };
        return kind + (column.Required ? ", obligatoire" : ", facultative") + (column.Pseudonymised ? ", pseudonymisée hors du fichier" : "");
    }
}
