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
    /// <summary>
    /// A third party: no party to any CPOM (an ARACT, the OPPBTP: seed 001 art. 10), which receives a
    /// dataset only under an authorisation of the policy (001 art. 8; <see cref="ThirdPartyAuthorisation"/>).
    /// </summary>
    Tiers,
}

/// <summary>What kind of data an exchange carries, which decides who may ever touch it.</summary>
public enum DataCategory
{
    /// <summary>Establishments (SIRET, company names, contacts of professionals).</summary>
    Entreprise,
    /// <summary>Personal data of workers.</summary>
    Personnel,
    /// <summary>Personal data concerning health (RGPD art. 9): only the PDP cell and the service social.</summary>
    Sante,
    /// <summary>Aggregates only: no SIRET, no person. The only category a DREETS receives.</summary>
    Agregat,
    /// <summary>
    /// Documents of the contract (reviews, results, conventions, fiches): a PDF or OpenDocument text,
    /// no table, no subject index; counted nowhere as a dataset of personal data.
    /// </summary>
    Document,
}

/// <summary>An organisation: one data controller with its own DPO.</summary>
public sealed record Organisation(string Id, OrganisationKind Kind, string Name, string Siren)
{
    /// <summary>How to reach its data protection officer (RGPD art. 37(7), art. 30(1)(a)); null when the policy does not say.</summary>
    public DpoContact? Dpo { get; init; }
}

/// <summary>A volet (theme) of a CPOM.</summary>
public sealed record Volet(string Code, string Label);

/// <summary>
/// An indicator a contract declares for one of its volets (its fiches' own indicators, beside the
/// DGT table's: DOMAIN.md 8), carried as rows of the <c>indicateurs</c> file.
/// </summary>
/// <param name="Volet">The volet's code: the row's <c>theme</c>.</param>
/// <param name="Code">The row's <c>indicateur</c>: unique in the contract, never one of the DGT table's codes.</param>
/// <param name="Label">The fiche's wording.</param>
/// <param name="Unit">What <c>nombre</c> counts (signalements, visites, ...).</param>
/// <param name="Formula">The formula the gateway computes it with (<see cref="Indicators.IndicatorFormulas"/>), or null when the SPSTI types it.</param>
public sealed record ContractIndicator(string Volet, string Code, string Label, string Unit, string? Formula)
{
    /// <summary>True when the SPSTI types the value (the gateway does not hold the data).</summary>
    public bool Typed => Formula is null;
}

/// <summary>An exchange a contract enables, for some of the exchange's purposes.</summary>
public sealed record ContractExchange(string Type, IReadOnlyList<string> Purposes)
{
    /// <summary>
    /// The kinds of organisation this contract lets receive the exchange: the catalogue's <c>to</c>,
    /// narrowed by the contract's own <c>to</c>. A DREETS receives a company-level exchange only
    /// where the contract names it (policies/README.md, rule 3).
    /// </summary>
    public IReadOnlyList<OrganisationKind> To { get; init; } = [];

    /// <summary>Whether the parties are separate or joint controllers of this exchange (RGPD art. 26), and under which arrangement.</summary>
    public ControllerArrangement Controllers { get; init; } = ControllerArrangement.Separate;
}

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
    IReadOnlyList<Volet> Volets,
    IReadOnlyDictionary<string, ContractExchange> Exchanges,
    int? MaskingThreshold,
    string File)
{
    /// <summary>The three parties.</summary>
    public IEnumerable<string> Parties => [Spsti, Caisse, Dreets];

    /// <summary>The contract's amendments (avenants), by effective date; <see cref="ContractVersions.On"/> applies those in force on a day.</summary>
    public IReadOnlyList<Amendment> Amendments { get; init; } = [];

    /// <summary>The ids of the amendments this version of the contract includes (none for the contract as signed).</summary>
    public IReadOnlyList<string> AppliedAmendments { get; init; } = [];

    /// <summary>The contract's own indicators (<c>indicators:</c> of its file), in the file's order.</summary>
    public IReadOnlyList<ContractIndicator> Indicators { get; init; } = [];

    /// <summary>True when both organisations are parties to this contract.</summary>
    public bool Binds(string a, string b) => a != b && Parties.Contains(a) && Parties.Contains(b);

    /// <summary>
    /// The last day of the reporting period after the term, during which only reports on the
    /// contract (<see cref="ExchangeDefinition.Report"/>: the annual table, the final review) may
    /// still be exchanged: seed 004's table is due "au plus tard le 30 juin", and the final results
    /// come after the term (001 art. 11, 002 §4). Equal to <see cref="End"/> when there is none.
    /// </summary>
    public DateOnly ReportingUntil { get; init; }

    /// <summary>True on every day of the term, both ends included.</summary>
    public bool InForce(DateOnly day) => Start <= day && day <= End;

    /// <summary>True after the term, up to <see cref="ReportingUntil"/> included.</summary>
    public bool InReportingPeriod(DateOnly day) => End < day && day <= ReportingUntil;

    /// <summary>True for the calendar years the term covers, even in part (an annual table is per year).</summary>
    public bool Covers(int year) => Start.Year <= year && year <= End.Year;

    /// <summary>The default reporting period ends on the first 30 June after the end date (seed 004, "Tableau de suivi annuel").</summary>
    public static DateOnly DefaultReportingUntil(DateOnly end)
    {
        var june30 = new DateOnly(end.Year, 6, 30);
        return june30 > end ? june30 : june30.AddYears(1);
    }
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

    /// <summary>Roles that may touch payloads. <c>dpo</c> and <c>admin</c> never do.</summary>
    public static IReadOnlyList<string> DataRoles { get; } = [Agent, Pdp, ServiceSocial];

    /// <summary>
    /// Whether an organisation of <paramref name="kind"/> may hold <paramref name="role"/>: the PDP
    /// cell is the SPSTI's, the service social the caisse's.
    /// </summary>
    public static bool FitsKind(string role, OrganisationKind kind) => role switch
    {
        Pdp => kind == OrganisationKind.Spsti,
        ServiceSocial => kind == OrganisationKind.Caisse,
        _ => All.Contains(role),
    };
}

/// <summary>The legal basis of a purpose.</summary>
public sealed record LegalBasis(string Rgpd, string CodeDuTravail)
{
    /// <inheritdoc />
    public override string ToString() => $"RGPD {Rgpd} ; Code du travail {CodeDuTravail}";
}

/// <summary>A purpose (finalité, RGPD art. 5(1)(b)) with its French label and legal basis.</summary>
public sealed record Purpose(string Code, string Label, LegalBasis LegalBasis);

/// <summary>
/// Which roles may send, list and download an exchange, and which roles of its sender may withdraw
/// one person from a dataset it sent (RGPD art. 7(3)); none when the exchange names no persons.
/// </summary>
public sealed record ExchangeRoles(IReadOnlyList<string> Send, IReadOnlyList<string> List, IReadOnlyList<string> Download, IReadOnlyList<string> WithdrawConsent);

/// <summary>The minimisation rules the gateway knows.</summary>
public static class MinimisationRules
{
    /// <summary>Rows only for the SIRETs of the dataset this one answers (<c>replyTo</c>).</summary>
    public const string ReplyTo = "reply-to";
    /// <summary>Each recipient receives only the rows of its own adherents (its latest adherents dataset).</summary>
    public const string RecipientAdherents = "recipient-adherents";
    /// <summary>Only SIRETs the recipient targeted and sent to the sender.</summary>
    public const string TargetedByRecipient = "targeted-by-recipient";
    /// <summary>The reference names a signalement that was addressed to the sender.</summary>
    public const string AnswersSignalement = "answers-signalement";
    /// <summary>The reference names a line of an alert addressed to the sender, and the row's SIRET is that line's.</summary>
    public const string AnswersAlerte = "answers-alerte";

    /// <summary>Every rule, with what it means in French.</summary>
    public static IReadOnlyDictionary<string, string> All { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        [ReplyTo] = "uniquement les SIRET du jeu de données auquel celui-ci répond",
        [RecipientAdherents] = "chaque destinataire ne reçoit que les lignes de ses propres adhérents",
        [TargetedByRecipient] = "uniquement les SIRET que le destinataire a ciblés et transmis à l'expéditeur",
        [AnswersSignalement] = "la référence doit désigner un signalement adressé à l'expéditeur",
        [AnswersAlerte] = "la référence doit désigner une ligne d'une alerte adressée à l'expéditeur, et le SIRET être celui de cette ligne",
    };
}

/// <summary>
/// A minimisation rule of an exchange: a link to earlier datasets of <see cref="Exchange"/>, which it
/// resolves only among those sent for <see cref="Purpose"/> (purpose limitation, RGPD art. 5(1)(b)).
/// </summary>
public sealed record MinimisationRule(string Rule, string Exchange, string Purpose);

/// <summary>
/// A count that small-count masking protects, and the columns from which it could be recomputed or
/// that describe the few events it counts (a rate of it, the days they caused): masked with it.
/// </summary>
public sealed record MaskedCount(string Column, IReadOnlyList<string> RevealedBy);

/// <summary>
/// Small-count masking: a count from 1 to <see cref="Threshold"/> − 1 is replaced by <see cref="Marker"/>,
/// and every column declared as revealing it by <see cref="SecondaryMarker"/> (complementary
/// suppression, « secret secondaire »). Zero is shown.
/// </summary>
public sealed record MaskingRule(IReadOnlyList<MaskedCount> Counts, int Threshold, string Marker, string SecondaryMarker)
{
    /// <summary>The protected count columns.</summary>
    public IEnumerable<string> Columns => Counts.Select(c => c.Column);

    /// <summary>
    /// For a table of aggregates: the column counting the establishments of a cell (row); a row
    /// counting from 1 to <see cref="Threshold"/> − 1 of them (or not saying) is masked whole.
    /// </summary>
    public string? Establishments { get; init; }

    /// <summary>For a table of aggregates: its dimensions, additive columns, rates and margins (secondary suppression across rows).</summary>
    public TableMasking? Table { get; init; }
}

/// <summary>
/// Statistical secrecy across the rows of a table of aggregates (<c>masking.table</c>). A row is a
/// cell of the table, named by its <see cref="Dimensions"/> (unique in a file). A margin names a
/// dimension and the value that marks a total: the row holding that value is the sum, column by
/// <see cref="Additive"/> column, of the rows that differ from it only in that dimension.
/// <see cref="Uniform"/> dimensions take one value per file (a level whose totals the gateway cannot
/// know, such as CTN over NAF codes, must not be mixed in one file).
/// </summary>
public sealed record TableMasking(
    IReadOnlyList<string> Dimensions,
    IReadOnlyList<string> Additive,
    IReadOnlyList<MaskedRate> Rates,
    IReadOnlyList<TableMargin> Margins,
    IReadOnlyList<string> Uniform);

/// <summary>A rate computed from other columns of its row (IF from nb_at and effectif): masked whenever one of them is.</summary>
public sealed record MaskedRate(string Column, IReadOnlyList<string> Of);

/// <summary>A margin of a table: the row whose <see cref="Column"/> is <see cref="Total"/> sums the rows that differ from it only there.</summary>
public sealed record TableMargin(string Column, string Total);

/// <summary>
/// One exchange type: who sends it to whom, for which purposes, and its file schema. With
/// <see cref="RowReference"/>, the gateway writes in front of each stored row a column of that name
/// holding <c>{dataset}:{n}</c> (the n-th row of the file as sent), a reference that never changes,
/// not even when another row is removed: by it an answer names one row (a retour, one person).
/// </summary>
public sealed record ExchangeDefinition(
    string Type,
    string Label,
    IReadOnlyList<OrganisationKind> From,
    IReadOnlyList<OrganisationKind> To,
    ExchangeRoles Roles,
    IReadOnlyList<string> Purposes,
    DataCategory Category,
    int RetentionDays,
    IReadOnlyList<MinimisationRule> Minimisation,
    MaskingRule? Masking,
    CsvSchema Schema,
    string? RowReference = null)
{
    /// <summary>
    /// A report on the contract's execution (the annual table; later the final review): may also be
    /// exchanged during the contract's reporting period, and its <c>year</c> columns must name a year
    /// the contract covered.
    /// </summary>
    public bool Report { get; init; }

    /// <summary>
    /// The seed clause under which a DREETS may receive this company-level exchange (null: a DREETS
    /// receives it only if it is an aggregate). A contract must still name the DREETS in its <c>to</c>.
    /// </summary>
    public string? DreetsBasis { get; init; }

    /// <summary>
    /// For a document exchange (<see cref="DataCategory.Document"/>): the file types it accepts and its
    /// size limit; null for a CSV exchange.
    /// </summary>
    public CpomExchange.Rules.Documents.DocumentFormat? Document { get; init; }

    /// <summary>The roles allowed to do <paramref name="action"/>.</summary>
    public IReadOnlyList<string> RolesFor(DataAction action) => action switch
    {
        DataAction.Send => Roles.Send,
        DataAction.Download or DataAction.Acknowledge => Roles.Download,
        DataAction.WithdrawConsent => Roles.WithdrawConsent,
        _ => Roles.List,
    };

    /// <summary>
    /// The header of the file as stored and delivered: the schema's columns, after the column of
    /// row references (<see cref="RowReference"/>) when the gateway numbers the rows.
    /// </summary>
    public IReadOnlyList<string> DeliveredHeader { get; } =
        RowReference is null ? Schema.Columns.Select(c => c.Name).ToList() : [RowReference, .. Schema.Columns.Select(c => c.Name)];
}

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

    /// <summary>
    /// The contracts binding two organisations, each as amended on <paramref name="day"/>: the version a
    /// decision taken that day applies (seed 004 art. 8, "modifié, dans sa durée ou son contenu, par avenant").
    /// </summary>
    public IEnumerable<Contract> ContractsBetween(string a, string b, DateOnly day) => ContractsBetween(a, b).Select(c => c.On(day));

    /// <summary>The authorised disclosures to third parties (seed 001 art. 8).</summary>
    public IReadOnlyList<ThirdPartyAuthorisation> Authorisations { get; init; } = [];

    /// <summary>
    /// The SHA-256 of the policy files (<see cref="PolicyFiles.Hash"/>): which version of the rules took a
    /// decision. Every access-log entry records it.
    /// </summary>
    public string Hash { get; init; } = string.Empty;

    /// <summary>The policy files as read, by path relative to <see cref="Directory"/> (with <c>/</c>), line endings normalised.</summary>
    public IReadOnlyDictionary<string, string> Files { get; init; } = new Dictionary<string, string>();
}
