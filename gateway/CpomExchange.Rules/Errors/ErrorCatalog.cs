using System.Collections.Frozen;

namespace CpomExchange.Rules.Errors;

/// <summary>
/// Every stable error code the gateway and <c>cpom</c> emit, with its French title. Programs match
/// on the code; people read the title and the detail. A code, once published, never changes meaning.
/// </summary>
public static class ErrorCatalog
{
    // Authentication (after the TLS handshake).
    public const string CertificateRequired = "auth.certificate-required";
    public const string UnknownCertificate = "auth.unknown-certificate";
    public const string AgentDisabled = "auth.agent-disabled";
    public const string OrganisationMismatch = "auth.organisation-mismatch";
    public const string CertificateInvalid = "auth.certificate-invalid";
    public const string TooManyRefusals = "auth.too-many-refusals";

    // Request shape.
    public const string MissingPurpose = "request.missing-purpose";
    public const string UnknownPurpose = "request.unknown-purpose";
    public const string ObjectTooLong = "request.object-too-long";
    public const string MissingParameter = "request.missing-parameter";
    public const string ParameterTooLong = "request.parameter-too-long";
    public const string BadPaging = "request.bad-paging";
    public const string UnknownExchange = "request.unknown-exchange";
    public const string UnknownOrganisation = "request.unknown-organisation";
    public const string UnsupportedMediaType = "request.unsupported-media-type";
    public const string RequestTooLarge = "request.too-large";
    public const string BodyTooLarge = "request.body-too-large";
    public const string InvalidRequest = "request.invalid";
    public const string RateLimited = "request.rate-limited";
    public const string TooManyConcurrent = "request.too-many-concurrent";

    // Policy decisions.
    public const string NoContract = "policy.no-contract";
    public const string ContractNotInForce = "policy.contract-not-in-force";
    public const string ExchangeNotInContract = "policy.exchange-not-in-contract";
    public const string PurposeNotAllowed = "policy.purpose-not-allowed";
    public const string RoleNotAllowed = "policy.role-not-allowed";
    public const string DirectionNotAllowed = "policy.direction-not-allowed";
    public const string NoOrganisation = "policy.no-organisation";
    // A disclosure to a third party (seed 001 art. 8) whose authorisation does not cover it, or has ended.
    public const string DisclosureNotAuthorised = "policy.disclosure-not-authorised";
    // An administrator's third-party authorisation refused: form, dates, a reference used twice, an overlap, another organisation's data.
    public const string AuthorisationInvalid = "authorisation.invalid";
    public const string AuthorisationBadDates = "authorisation.bad-dates";
    public const string AuthorisationDuplicate = "authorisation.duplicate-reference";
    public const string AuthorisationOverlap = "authorisation.overlap";
    public const string AuthorisationNotDiscloser = "authorisation.not-discloser";
    // The record of processing (RGPD art. 30) and the policy history.
    public const string RegistreBadFormat = "registre.bad-format";
    public const string PolicyVersionNotFound = "policy.version-not-found";
    // A report (the annual table) for a year its contract did not cover, or that has not begun.
    public const string ReportYearNotCovered = "report.year-not-covered";

    // Exchanges the catalogue names but whose rules this gateway does not enforce yet.
    public const string ExchangeNotAvailable = "exchange.not-available";

    // Minimisation rules.
    public const string NotInReply = "minimisation.not-in-reply";
    public const string NotTargeted = "minimisation.not-targeted";
    public const string UnknownSignalement = "minimisation.unknown-signalement";
    public const string ReplyToRequired = "minimisation.reply-to-required";
    public const string ReplyToInvalid = "minimisation.reply-to-invalid";
    public const string NoAdherentsList = "minimisation.no-adherents-list";
    public const string LinkPurpose = "minimisation.link-purpose";
    public const string UnknownPerson = "minimisation.unknown-person";

    // Withdrawal of a worker's consent (RGPD art. 7(3)).
    public const string ConsentNotApplicable = "consent.not-applicable";
    public const string ConsentPersonNotFound = "consent.person-not-found";
    public const string ConsentConflict = "consent.conflict";

    // Datasets.
    public const string DatasetNotFound = "dataset.not-found";
    public const string DatasetCorrupted = "dataset.corrupted";
    public const string SubjectIndexCorrupted = "dataset.subjects-corrupted";

    // The DPO's review of the access log.
    public const string AuditEntryNotFound = "audit.entry-not-found";
    public const string AuditBadPeriod = "audit.bad-period";

    // Files (row by row validation). The file as a whole:
    public const string InvalidFile = "csv.invalid-file";
    public const string Empty = "csv.empty";
    public const string NoRows = "csv.no-rows";
    public const string BadEncoding = "csv.bad-encoding";
    public const string BadDelimiter = "csv.bad-delimiter";
    public const string MissingColumn = "csv.missing-column";
    public const string UnknownColumn = "csv.unknown-column";
    public const string DuplicateColumn = "csv.duplicate-column";
    public const string ColumnOrder = "csv.column-order";
    public const string BadQuotes = "csv.bad-quotes";
    public const string FieldCount = "csv.field-count";
    public const string TooManyRows = "csv.too-many-rows";
    public const string RecordTooLong = "csv.record-too-long";
    public const string NotCsv = "csv.not-csv";
    // ... and cells:
    public const string Required = "csv.required";
    public const string BadSiret = "csv.bad-siret";
    public const string DuplicateSiret = "csv.duplicate-siret";
    public const string BadNaf = "csv.bad-naf";
    public const string BadInteger = "csv.bad-integer";
    public const string BadPostalCode = "csv.bad-postal-code";
    public const string TooLong = "csv.too-long";
    public const string BadCharacter = "csv.bad-character";
    public const string BadNir = "csv.bad-nir";
    public const string BadDecimal = "csv.bad-decimal";
    public const string BadDate = "csv.bad-date";
    public const string BadYear = "csv.bad-year";
    public const string BadCode = "csv.bad-code";
    public const string BadEmail = "csv.bad-email";
    public const string BadPhone = "csv.bad-phone";
    public const string BadReference = "csv.bad-reference";
    public const string BadFormat = "csv.bad-format";
    public const string DuplicateValue = "csv.duplicate-value";

    // Administration of the directory.
    public const string AdminInvalidRequest = "admin.invalid-request";
    public const string AdminBadCertificate = "admin.bad-certificate";
    public const string AdminCertificateRefused = "admin.certificate-refused";
    public const string AdminAgentExists = "admin.agent-exists";
    public const string AdminCertificateInUse = "admin.certificate-in-use";
    public const string AdminAgentNotFound = "admin.agent-not-found";
    public const string AdminSelfLockout = "admin.self-lockout";
    public const string KeyRotationNotFound = "admin.no-key-rotation";

    // Notifications (addresses, outbox).
    public const string NotifyInvalidAddress = "notify.invalid-address";
    public const string NotifyUnknownEvent = "notify.unknown-event";
    public const string NotifyNotFound = "notify.not-found";

    // Operations.
    public const string KeysUnavailable = "keys.unavailable";
    public const string StorageUnavailable = "storage.unavailable";
    public const string SpoolFull = "storage.spool-full";
    public const string DatasetPurged = "dataset.purged";
    public const string Internal = "server.internal";

    private static readonly FrozenDictionary<string, string> Titles = new Dictionary<string, string>
    {
        [CertificateRequired] = "Certificat client requis",
        [UnknownCertificate] = "Certificat non enregistré",
        [AgentDisabled] = "Agent désactivé",
        [OrganisationMismatch] = "Le certificat ne correspond pas à l'organisation de l'agent",
        [CertificateInvalid] = "Certificat client invalide",
        [TooManyRefusals] = "Trop de tentatives refusées",
        [MissingPurpose] = "Finalité manquante",
        [UnknownPurpose] = "Finalité inconnue",
        [ObjectTooLong] = "Objet trop long",
        [MissingParameter] = "Paramètre manquant",
        [ParameterTooLong] = "Paramètre trop long",
        [BadPaging] = "Pagination invalide",
        [UnknownExchange] = "Type d'échange inconnu",
        [UnknownOrganisation] = "Organisation inconnue",
        [UnsupportedMediaType] = "Type de contenu non pris en charge",
        [RequestTooLarge] = "Fichier trop volumineux",
        [BodyTooLarge] = "Corps de requête trop volumineux",
        [InvalidRequest] = "Requête invalide",
        [RateLimited] = "Trop de requêtes",
        [TooManyConcurrent] = "Trop d'opérations simultanées",
        [NoContract] = "Aucun contrat CPOM entre ces organisations",
        [DisclosureNotAuthorised] = "Communication à un tiers non autorisée",
        [AuthorisationInvalid] = "Autorisation de communication à un tiers invalide",
        [AuthorisationBadDates] = "Dates de l'autorisation invalides",
        [AuthorisationDuplicate] = "Référence d'autorisation déjà utilisée",
        [AuthorisationOverlap] = "Autorisation chevauchant une autorisation existante",
        [AuthorisationNotDiscloser] = "Autorisation portant sur les données d'une autre organisation",
        [RegistreBadFormat] = "Format du registre des traitements inconnu",
        [PolicyVersionNotFound] = "Version de la politique inconnue",
        [ContractNotInForce] = "Contrat CPOM hors de sa période de validité",
        [ExchangeNotInContract] = "Échange non prévu par le contrat",
        [PurposeNotAllowed] = "Finalité non autorisée pour cet échange",
        [RoleNotAllowed] = "Rôle non autorisé pour cette opération",
        [DirectionNotAllowed] = "Sens d'échange non autorisé",
        [NoOrganisation] = "Agent sans organisation",
        [ReportYearNotCovered] = "Année hors du contrat",
        [ExchangeNotAvailable] = "Échange pas encore ouvert",
        [NotInReply] = "SIRET hors de la liste d'origine",
        [NotTargeted] = "Établissement non ciblé",
        [UnknownSignalement] = "Signalement inconnu",
        [ReplyToRequired] = "Jeu de données d'origine manquant",
        [ReplyToInvalid] = "Jeu de données d'origine invalide",
        [NoAdherentsList] = "Aucune liste d'adhérents",
        [LinkPurpose] = "Jeu de données lié transmis pour une autre finalité",
        [UnknownPerson] = "Personne absente du signalement",
        [ConsentNotApplicable] = "Retrait d'une personne impossible pour cet échange",
        [ConsentPersonNotFound] = "Personne absente de ce jeu de données",
        [ConsentConflict] = "Jeu de données modifié pendant le retrait",
        [DatasetNotFound] = "Jeu de données introuvable",
        [AuditEntryNotFound] = "Entrée du journal introuvable",
        [AuditBadPeriod] = "Période invalide",
        [DatasetCorrupted] = "Jeu de données altéré",
        [SubjectIndexCorrupted] = "Index d'un jeu de données altéré ou substitué",
        [InvalidFile] = "Fichier refusé",
        [Empty] = "Fichier vide",
        [NoRows] = "Aucune ligne de données",
        [BadEncoding] = "Encodage illisible",
        [BadDelimiter] = "Séparateur invalide",
        [MissingColumn] = "Colonne manquante",
        [UnknownColumn] = "Colonne inconnue",
        [DuplicateColumn] = "Colonne en double",
        [ColumnOrder] = "Colonnes dans le désordre",
        [BadQuotes] = "Guillemets mal fermés",
        [FieldCount] = "Nombre de champs incorrect",
        [TooManyRows] = "Trop de lignes",
        [RecordTooLong] = "Ligne trop longue",
        [NotCsv] = "Ce n'est pas un fichier CSV",
        [Required] = "Valeur obligatoire manquante",
        [BadSiret] = "SIRET invalide",
        [DuplicateSiret] = "SIRET en double",
        [BadNaf] = "Code NAF invalide",
        [BadInteger] = "Nombre entier invalide",
        [BadPostalCode] = "Code postal invalide",
        [TooLong] = "Valeur trop longue",
        [BadCharacter] = "Caractère interdit",
        [BadNir] = "NIR invalide",
        [BadDecimal] = "Nombre décimal invalide",
        [BadDate] = "Date invalide",
        [BadYear] = "Année invalide",
        [BadCode] = "Code non reconnu",
        [BadEmail] = "Adresse électronique invalide",
        [BadPhone] = "Numéro de téléphone invalide",
        [BadReference] = "Référence invalide",
        [BadFormat] = "Format invalide",
        [DuplicateValue] = "Valeur en double",
        [AdminInvalidRequest] = "Demande d'administration invalide",
        [AdminBadCertificate] = "Certificat illisible",
        [AdminCertificateRefused] = "Certificat refusé",
        [AdminAgentExists] = "Agent déjà enregistré",
        [AdminCertificateInUse] = "Certificat déjà attribué",
        [AdminAgentNotFound] = "Agent introuvable",
        [AdminSelfLockout] = "Opération sur son propre compte refusée",
        [KeyRotationNotFound] = "Aucune rotation de clé",
        [NotifyInvalidAddress] = "Adresse de notification invalide",
        [NotifyUnknownEvent] = "Événement de notification inconnu",
        [NotifyNotFound] = "Notification introuvable",
        [KeysUnavailable] = "Fournisseur de clés indisponible",
        [StorageUnavailable] = "Stockage indisponible",
        [SpoolFull] = "Espace de travail des gros fichiers plein",
        [DatasetPurged] = "Jeu de données détruit",
        [Internal] = "Erreur interne",
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>The French title of <paramref name="code"/>.</summary>
    public static string Title(string code) =>
        Titles.TryGetValue(code, out var title) ? title : throw new ArgumentOutOfRangeException(nameof(code), code, "Unknown error code.");

    /// <summary>Every code of the catalogue.</summary>
    public static IEnumerable<string> Codes => Titles.Keys;
}
