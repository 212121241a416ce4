using CpomExchange.Rules.Csv;

namespace CpomExchange.Rules.Policies;

/// <summary>
/// The exchanges and purposes the gateway serves. The foundation carries <c>adherents</c> only;
/// the catalogue moves to <c>policies/exchanges.yaml</c> with the full policy language.
/// </summary>
public static class ExchangeCatalog
{
    /// <summary>The purposes of DOMAIN.md used so far.</summary>
    public static IReadOnlyDictionary<string, Purpose> Purposes { get; } = new Dictionary<string, Purpose>(StringComparer.Ordinal)
    {
        ["sinistralite"] = new("sinistralite", "Recevoir la sinistralité des établissements adhérents"),
        ["ciblage"] = new("ciblage", "Recevoir les établissements ciblés par la caisse parmi les adhérents"),
    };

    /// <summary>The exchanges served so far.</summary>
    public static IReadOnlyDictionary<string, ExchangeDefinition> Exchanges { get; } = new Dictionary<string, ExchangeDefinition>(StringComparer.Ordinal)
    {
        // DOMAIN.md §1; seed 001 art. 6, seed 000 III.
        ["adherents"] = new(
            "adherents",
            "Liste des établissements adhérents",
            OrganisationKind.Spsti,
            OrganisationKind.Caisse,
            Purposes: ["sinistralite", "ciblage"],
            SendRoles: [Roles.Agent],
            ReadRoles: [Roles.Agent],
            Schemas.Adherents),
    };
}
