namespace CpomExchange.Rules.Policies;

/// <summary>How to reach an organisation's data protection officer (RGPD art. 37(7): the contact details are published).</summary>
/// <param name="Name">The DPO or the DPO's office.</param>
/// <param name="Email">A mailbox for data subjects and the CNIL.</param>
/// <param name="Phone">Optional.</param>
/// <param name="Address">Optional postal address.</param>
public sealed record DpoContact(string Name, string Email, string? Phone, string? Address)
{
    /// <inheritdoc />
    public override string ToString() =>
        string.Join(" ; ", new[] { Name, Email, Phone, Address }.Where(s => !string.IsNullOrWhiteSpace(s)));
}

/// <summary>Whether the parties of an exchange decide its purposes and means each for itself, or jointly (RGPD art. 26).</summary>
public enum ControllerRelation
{
    /// <summary>Each party is the controller of its own copy (RGPD art. 4(7)): its own DPO answers.</summary>
    Separate,
    /// <summary>Joint controllers under an arrangement (RGPD art. 26(1)).</summary>
    Joint,
}

/// <summary>
/// The controllers of an exchange under a contract. <see cref="Arrangement"/> is the reference of the
/// joint-controller arrangement (art. 26(1): "by means of an arrangement between them"; seed 004 fiche 1's
/// annex, "Convention de responsabilité conjointe"); <see cref="ContactPoint"/> the party whose DPO the
/// arrangement designates to answer data subjects (art. 26(1), last sentence). Whatever it says, a data
/// subject may exercise their rights against each controller (art. 26(3)).
/// </summary>
public sealed record ControllerArrangement(ControllerRelation Relation, string? Arrangement, string? ContactPoint)
{
    /// <summary>Separate controllers, the default.</summary>
    public static ControllerArrangement Separate { get; } = new(ControllerRelation.Separate, null, null);
}

/// <summary>
/// A disclosure to a third party that the contract's parties authorised beforehand by an exchange of
/// letters (seed 001 art. 8: "Aucune donnée contenue dans ces documents ne peut être divulguée à des tiers
/// sans autorisation préalable validée par un échange de courriers"). Without one, a third party receives
/// nothing.
/// </summary>
/// <param name="Reference">The reference of the exchange of letters.</param>
/// <param name="Date">The date of the letters: the disclosure is allowed from that day.</param>
/// <param name="Until">The last day it is allowed (inclusive).</param>
/// <param name="Contract">The contract whose data is disclosed; its parties are all controllers concerned.</param>
/// <param name="Discloser">The party that sends the data.</param>
/// <param name="ThirdParty">The organisation that receives it, no party to the contract.</param>
/// <param name="Exchanges">The exchange types (datasets) it may receive.</param>
/// <param name="Purpose">The one purpose they are disclosed for.</param>
/// <param name="File">The policy file that holds it.</param>
public sealed record ThirdPartyAuthorisation(
    string Reference,
    DateOnly Date,
    DateOnly Until,
    string Contract,
    string Discloser,
    string ThirdParty,
    IReadOnlyList<string> Exchanges,
    string Purpose,
    string File)
{
    /// <summary>An optional note: what the letters say, who signed them.</summary>
    public string? Note { get; init; }

    /// <summary>The administrator who added it through the API (null for one written in <c>authorisations.yaml</c>).</summary>
    public string? AddedBy { get; init; }

    /// <summary>True from the letters' date to <see cref="Until"/>, both included.</summary>
    public bool InForce(DateOnly day) => Date <= day && day <= Until;

    /// <summary>True when this authorisation is about the pair (in either direction).</summary>
    public bool Concerns(string a, string b) => (Discloser == a && ThirdParty == b) || (Discloser == b && ThirdParty == a);
}
