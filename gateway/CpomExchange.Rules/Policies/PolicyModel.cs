using CpomExchange.Rules.Csv;

namespace CpomExchange.Rules.Policies;

/// <summary>The three kinds of party to a CPOM (Code du travail L4622-10).</summary>
public enum OrganisationKind
{
    /// <summary>Service de prévention et de santé au travail interentreprises.</summary>
    Spsti,
    /// <summary>CARSAT, or CGSS overseas.</summary>
    Caisse,
    /// <summary>DREETS, or DEETS overseas.</summary>
    Dreets,
}

/// <summary>An organisation: one data controller with its own DPO.</summary>
public sealed record Organisation(string Id, OrganisationKind Kind, string Name, string Siren);

/// <summary>A CPOM contract between an SPSTI, a caisse and a DREETS, in force from <see cref="Start"/> to <see cref="End"/> inclusive.</summary>
public sealed record Contract(
    string Id,
    string Title,
    string? Seed,
    string Spsti,
    string Caisse,
    string Dreets,
    DateOnly Start,
    DateOnly End,
    string? TermNote,
    string File)
{
    /// <summary>The three parties.</summary>
    public IEnumerable<string> Parties => [Spsti, Caisse, Dreets];

    /// <summary>True when both organisations are parties to this contract.</summary>
    public bool Binds(string a, string b) => a != b && Parties.Contains(a) && Parties.Contains(b);

    /// <summary>True on every day of the term, both ends included.</summary>
    public bool InForce(DateOnly day) => Start <= day && day <= End;
}

/// <summary>The agents' roles inside an organisation (DOMAIN.md).</summary>
public static class Roles
{
    public const string Agent = "agent";
    public const string Pdp = "pdp";
    public const string ServiceSocial = "service-social";
    public const string Dpo = "dpo";
    public const string Admin = "admin";

    /// <summary>Every role.</summary>
    public static IReadOnlyList<string> All { get; } = [Agent, Pdp, ServiceSocial, Dpo, Admin];
}

/// <summary>A purpose (finalité, RGPD art. 5(1)(b)) with its French label.</summary>
public sealed record Purpose(string Code, string Label);

/// <summary>One exchange type: who sends it to whom, for which purposes, and its file schema.</summary>
public sealed record ExchangeDefinition(
    string Type,
    string Label,
    OrganisationKind From,
    OrganisationKind To,
    IReadOnlyList<string> Purposes,
    IReadOnlyList<string> SendRoles,
    IReadOnlyList<string> ReadRoles,
    CsvSchema Schema);

/// <summary>The loaded, validated rules: organisations, contracts and exchange catalogue.</summary>
public sealed record PolicySet(
    IReadOnlyDictionary<string, Organisation> Organisations,
    IReadOnlyList<Contract> Contracts,
    IReadOnlyDictionary<string, ExchangeDefinition> Exchanges,
    IReadOnlyDictionary<string, Purpose> Purposes,
    string Directory)
{
    /// <summary>The contracts binding two organisations, whatever their term.</summary>
    public IEnumerable<Contract> ContractsBetween(string a, string b) => Contracts.Where(c => c.Binds(a, b));
}
