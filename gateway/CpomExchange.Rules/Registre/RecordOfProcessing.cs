using CpomExchange.Rules.Policies;

namespace CpomExchange.Rules.Registre;

/// <summary>
/// An organisation's record of processing activities (registre des activités de traitement, RGPD
/// art. 30(1)) for what the gateway carries on its behalf, generated from the policy: one entry per
/// exchange it sends or receives under each contract, and per authorised disclosure to a third party.
/// Rendered as a spreadsheet, Markdown or JSON by CpomExchange.Documents.
/// </summary>
/// <param name="Controller">The controller whose record this is (art. 30(1)(a)).</param>
/// <param name="Day">The day whose version of the contracts (with their amendments) the record describes.</param>
/// <param name="PolicyHash">The hash of the policy files it was generated from.</param>
/// <param name="GeneratedAt">When.</param>
/// <param name="SecurityMeasures">The gateway's technical and organisational measures, common to every entry (art. 30(1)(g), art. 32).</param>
/// <param name="Entries">The processing activities.</param>
public sealed record RecordOfProcessing(
    ControllerInfo Controller,
    DateOnly Day,
    string PolicyHash,
    DateTimeOffset GeneratedAt,
    IReadOnlyList<string> SecurityMeasures,
    IReadOnlyList<ProcessingEntry> Entries);

/// <summary>The controller and its DPO (art. 30(1)(a)).</summary>
public sealed record ControllerInfo(string Id, string Name, string Kind, string Siren, DpoContact? Dpo);

/// <summary>Which side of an exchange the controller is on.</summary>
public enum ProcessingRole
{
    /// <summary>The controller sends the dataset.</summary>
    Sender,
    /// <summary>The controller receives it.</summary>
    Recipient,
}

/// <summary>An organisation on the other side of an exchange.</summary>
public sealed record Counterpart(string Id, string Name, string Kind);

/// <summary>A purpose with its legal bases (art. 30(1)(b); art. 6 and, for health data, art. 9(2)).</summary>
public sealed record PurposeInfo(string Code, string Label, string Rgpd, string CodeDuTravail);

/// <summary>
/// Who answers data subjects for an exchange: each controller for its own copy, or joint controllers
/// under an arrangement naming a contact point (art. 26(1)); either way a person may address each of them (art. 26(3)).
/// </summary>
public sealed record ControllershipInfo(ControllerRelation Relation, string? Arrangement, string RespondingOrganisation, string RespondingDpo, string Statement);

/// <summary>One processing activity of the record.</summary>
/// <param name="Number">T01, T02, ... in the record's order.</param>
/// <param name="Contract">The contract it is carried under.</param>
/// <param name="ContractTitle">Its title.</param>
/// <param name="Amendments">The amendments of the contract in force on the record's day.</param>
/// <param name="From">First day of the contract's term.</param>
/// <param name="To">Last day of the term, as amended.</param>
/// <param name="ExchangeType">The exchange.</param>
/// <param name="ExchangeLabel">Its French label.</param>
/// <param name="Role">Sender or recipient.</param>
/// <param name="Counterparts">The organisations on the other side.</param>
/// <param name="Purposes">Purposes and legal bases (art. 30(1)(b)).</param>
/// <param name="DataSubjects">Categories of data subjects (art. 30(1)(c)).</param>
/// <param name="DataCategories">Categories of personal data: the file's columns (art. 30(1)(c)).</param>
/// <param name="HealthData">Data concerning health (art. 9).</param>
/// <param name="Recipients">Categories of recipients (art. 30(1)(d)).</param>
/// <param name="Transfers">Transfers to a third country (art. 30(1)(e)).</param>
/// <param name="RetentionDays">How long the gateway keeps a dataset (art. 30(1)(f)).</param>
/// <param name="Retention">The same, in French.</param>
/// <param name="Measures">The measures particular to this exchange (minimisation, masking, pseudonyms, roles).</param>
/// <param name="Controllership">Separate or joint controllers, and which DPO answers data subjects.</param>
/// <param name="Disclosure">For a disclosure to a third party: the authorisation (001 art. 8).</param>
public sealed record ProcessingEntry(
    string Number,
    string Contract,
    string ContractTitle,
    IReadOnlyList<string> Amendments,
    DateOnly From,
    DateOnly To,
    string ExchangeType,
    string ExchangeLabel,
    ProcessingRole Role,
    IReadOnlyList<Counterpart> Counterparts,
    IReadOnlyList<PurposeInfo> Purposes,
    IReadOnlyList<string> DataSubjects,
    IReadOnlyList<string> DataCategories,
    bool HealthData,
    IReadOnlyList<string> Recipients,
    string Transfers,
    int RetentionDays,
    string Retention,
    IReadOnlyList<string> Measures,
    ControllershipInfo Controllership,
    string? Disclosure);
