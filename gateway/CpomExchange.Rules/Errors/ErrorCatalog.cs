using System.Collections.Frozen;

namespace CpomExchange.Rules.Errors;

/// <summary>
/// Every stable error code the gateway and <c>cpom</c> emit, with its French title and the HTTP
/// status of an answer whose code it is. Programs match on the code; people read the title and the
/// detail. A code, once published, never changes meaning. The status belongs to the entry, not to
/// the place that refuses: the API, the console and the CLI all read it from here. A row error
/// (<c>csv.*</c>, <c>minimisation.not-*</c>) travels inside a <c>csv.invalid-file</c> answer (422);
/// its own status is what it would be on its own.
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
    // A comparison of a contract's targeting lists asked by someone who is not its caisse or its SPSTI.
    public const string ComparisonNotParty = "policy.comparison-not-party";
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
    // A row of the annual table naming an indicator neither the DGT table nor the contract declares,
    // or a contract's indicator under another volet than its own.
    public const string ReportIndicatorNotInContract = "report.indicator-not-in-contract";
    public const string ReportIndicatorOutsideVolet = "report.indicator-outside-volet";

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
    public const string UnknownAlert = "minimisation.unknown-alerte";
    public const string UnknownAlertLine = "minimisation.unknown-alerte-line";
    public const string AlertSiretMismatch = "minimisation.alerte-siret-mismatch";

    // Withdrawal of a worker's consent (RGPD art. 7(3)).
    public const string ConsentNotApplicable = "consent.not-applicable";
    public const string ConsentPersonNotFound = "consent.person-not-found";
    public const string ConsentConflict = "consent.conflict";

    // Datasets.
    public const string DatasetNotFound = "dataset.not-found";
    public const string DatasetCorrupted = "dataset.corrupted";
    public const string SubjectIndexCorrupted = "dataset.subjects-corrupted";
    // A replacement (replaces=): the dataset named is not the caller's, not of the same exchange and recipient, or no longer available.
    public const string ReplaceNotFound = "dataset.replace-not-found";
    public const string ReplaceMismatch = "dataset.replace-mismatch";
    public const string ReplaceGone = "dataset.replace-gone";

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
    // ... and a table of aggregates as a whole (statistical secrecy across its rows):
    public const string DuplicateCell = "csv.duplicate-cell";
    public const string MixedLevels = "csv.mixed-levels";

    // Documents (the document exchange): title, type by content, size, active or hidden content.
    public const string DocumentMissingTitle = "document.missing-title";
    public const string DocumentBadTitle = "document.bad-title";
    public const string DocumentTypeNotAccepted = "document.type-not-accepted";
    public const string DocumentTypeMismatch = "document.type-mismatch";
    public const string DocumentMalformed = "document.malformed";
    public const string DocumentActiveContent = "document.active-content";
    public const string DocumentEmbeddedFile = "document.embedded-file";
    public const string DocumentMacro = "document.macro";
    public const string DocumentTooLarge = "document.too-large";

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

    /// <summary>A code's French title and the HTTP status of an answer carrying it.</summary>
    private readonly record struct Entry(string Title, int Status);

    private static readonly FrozenDictionary<string, Entry> Entries = new Dictionary<string, Entry>
    {
        [CertificateRequired] = new("Certificat client requis", 401),
        [UnknownCertificate] = new("Certificat non enregistré", 401),
        [AgentDisabled] = new("Agent désactivé", 401),
        [OrganisationMismatch] = new("Le certificat ne correspond pas à l'organisation de l'agent", 401),
        [CertificateInvalid] = new("Certificat client invalide", 401),
        [TooManyRefusals] = new("Trop de tentatives refusées", 429),
        [MissingPurpose] = new("Finalité manquante", 400),
        [UnknownPurpose] = new("Finalité inconnue", 400),
        [ObjectTooLong] = new("Objet trop long", 400),
        [MissingParameter] = new("Paramètre manquant", 400),
        [ParameterTooLong] = new("Paramètre trop long", 400),
        [BadPaging] = new("Pagination invalide", 400),
        [UnknownExchange] = new("Type d'échange inconnu", 400),
        [UnknownOrganisation] = new("Organisation inconnue", 400),
        [UnsupportedMediaType] = new("Type de contenu non pris en charge", 415),
        [RequestTooLarge] = new("Fichier trop volumineux", 413),
        [BodyTooLarge] = new("Corps de requête trop volumineux", 413),
        [InvalidRequest] = new("Requête invalide", 400),
        [RateLimited] = new("Trop de requêtes", 429),
        [TooManyConcurrent] = new("Trop d'opérations simultanées", 429),
        [NoContract] = new("Aucun contrat CPOM entre ces organisations", 403),
        [DisclosureNotAuthorised] = new("Communication à un tiers non autorisée", 403),
        [AuthorisationInvalid] = new("Autorisation de communication à un tiers invalide", 400),
        [AuthorisationBadDates] = new("Dates de l'autorisation invalides", 400),
        [AuthorisationDuplicate] = new("Référence d'autorisation déjà utilisée", 409),
        [AuthorisationOverlap] = new("Autorisation chevauchant une autorisation existante", 409),
        [AuthorisationNotDiscloser] = new("Autorisation portant sur les données d'une autre organisation", 403),
        [RegistreBadFormat] = new("Format du registre des traitements inconnu", 400),
        [PolicyVersionNotFound] = new("Version de la politique inconnue", 404),
        [ContractNotInForce] = new("Contrat CPOM hors de sa période de validité", 403),
        [ExchangeNotInContract] = new("Échange non prévu par le contrat", 403),
        [PurposeNotAllowed] = new("Finalité non autorisée pour cet échange", 403),
        [RoleNotAllowed] = new("Rôle non autorisé pour cette opération", 403),
        [DirectionNotAllowed] = new("Sens d'échange non autorisé", 403),
        [NoOrganisation] = new("Agent sans organisation", 403),
        [ComparisonNotParty] = new("Comparaison réservée à la caisse et au SPSTI du contrat", 403),
        [ReportYearNotCovered] = new("Année hors du contrat", 400),
        [ReportIndicatorNotInContract] = new("Indicateur non déclaré par le contrat", 422),
        [ReportIndicatorOutsideVolet] = new("Indicateur hors de son volet", 422),
        [ExchangeNotAvailable] = new("Échange pas encore ouvert", 501),
        [NotInReply] = new("SIRET hors de la liste d'origine", 422),
        [NotTargeted] = new("Établissement non ciblé", 422),
        [UnknownSignalement] = new("Signalement inconnu", 422),
        [ReplyToRequired] = new("Jeu de données d'origine manquant", 400),
        [ReplyToInvalid] = new("Jeu de données d'origine invalide", 400),
        [NoAdherentsList] = new("Aucune liste d'adhérents", 422),
        [LinkPurpose] = new("Jeu de données lié transmis pour une autre finalité", 403),
        [UnknownPerson] = new("Personne absente du signalement", 422),
        [UnknownAlert] = new("Alerte inconnue", 422),
        [UnknownAlertLine] = new("Ligne d'alerte inconnue", 422),
        [AlertSiretMismatch] = new("SIRET différent de celui de l'alerte", 422),
        [ConsentNotApplicable] = new("Retrait d'une personne impossible pour cet échange", 400),
        [ConsentPersonNotFound] = new("Personne absente de ce jeu de données", 404),
        [ConsentConflict] = new("Jeu de données modifié pendant le retrait", 409),
        [DatasetNotFound] = new("Jeu de données introuvable", 404),
        [AuditEntryNotFound] = new("Entrée du journal introuvable", 404),
        [AuditBadPeriod] = new("Période invalide", 400),
        [DatasetCorrupted] = new("Jeu de données altéré", 500),
        [SubjectIndexCorrupted] = new("Index d'un jeu de données altéré ou substitué", 500),
        [ReplaceNotFound] = new("Jeu de données à remplacer introuvable", 404),
        [ReplaceMismatch] = new("Jeu de données à remplacer d'un autre échange ou destinataire", 409),
        [ReplaceGone] = new("Jeu de données à remplacer déjà retiré, remplacé ou détruit", 409),
        [InvalidFile] = new("Fichier refusé", 422),
        [Empty] = new("Fichier vide", 422),
        [NoRows] = new("Aucune ligne de données", 422),
        [BadEncoding] = new("Encodage illisible", 422),
        [BadDelimiter] = new("Séparateur invalide", 422),
        [MissingColumn] = new("Colonne manquante", 422),
        [UnknownColumn] = new("Colonne inconnue", 422),
        [DuplicateColumn] = new("Colonne en double", 422),
        [ColumnOrder] = new("Colonnes dans le désordre", 422),
        [BadQuotes] = new("Guillemets mal fermés", 422),
        [FieldCount] = new("Nombre de champs incorrect", 422),
        [TooManyRows] = new("Trop de lignes", 422),
        [RecordTooLong] = new("Ligne trop longue", 422),
        [NotCsv] = new("Ce n'est pas un fichier CSV", 422),
        [Required] = new("Valeur obligatoire manquante", 422),
        [BadSiret] = new("SIRET invalide", 422),
        [DuplicateSiret] = new("SIRET en double", 422),
        [BadNaf] = new("Code NAF invalide", 422),
        [BadInteger] = new("Nombre entier invalide", 422),
        [BadPostalCode] = new("Code postal invalide", 422),
        [TooLong] = new("Valeur trop longue", 422),
        [BadCharacter] = new("Caractère interdit", 400),
        [BadNir] = new("NIR invalide", 422),
        [BadDecimal] = new("Nombre décimal invalide", 422),
        [BadDate] = new("Date invalide", 422),
        [BadYear] = new("Année invalide", 422),
        [BadCode] = new("Code non reconnu", 422),
        [BadEmail] = new("Adresse électronique invalide", 422),
        [BadPhone] = new("Numéro de téléphone invalide", 422),
        [BadReference] = new("Référence invalide", 422),
        [BadFormat] = new("Format invalide", 422),
        [DuplicateValue] = new("Valeur en double", 422),
        [DocumentMissingTitle] = new("Titre du document manquant", 400),
        [DocumentBadTitle] = new("Titre du document invalide", 400),
        [DocumentTypeNotAccepted] = new("Type de document non accepté", 415),
        [DocumentTypeMismatch] = new("Type déclaré différent du contenu", 415),
        [DocumentMalformed] = new("Document illisible ou tronqué", 422),
        [DocumentActiveContent] = new("Document avec script ou action", 422),
        [DocumentEmbeddedFile] = new("Document avec fichier joint ou objet incorporé", 422),
        [DocumentMacro] = new("Document avec macros", 422),
        [DocumentTooLarge] = new("Document trop volumineux", 413),
        [DuplicateCell] = new("Case du tableau en double", 422),
        [MixedLevels] = new("Niveaux mélangés dans un tableau", 422),
        [AdminInvalidRequest] = new("Demande d'administration invalide", 400),
        [AdminBadCertificate] = new("Certificat illisible", 400),
        [AdminCertificateRefused] = new("Certificat refusé", 400),
        [AdminAgentExists] = new("Agent déjà enregistré", 409),
        [AdminCertificateInUse] = new("Certificat déjà attribué", 409),
        [AdminAgentNotFound] = new("Agent introuvable", 404),
        [AdminSelfLockout] = new("Opération sur son propre compte refusée", 409),
        [KeyRotationNotFound] = new("Aucune rotation de clé", 404),
        [NotifyInvalidAddress] = new("Adresse de notification invalide", 400),
        [NotifyUnknownEvent] = new("Événement de notification inconnu", 400),
        [NotifyNotFound] = new("Notification introuvable", 404),
        [KeysUnavailable] = new("Fournisseur de clés indisponible", 503),
        [StorageUnavailable] = new("Stockage indisponible", 503),
        [SpoolFull] = new("Espace de travail des gros fichiers plein", 507),
        [DatasetPurged] = new("Jeu de données détruit", 410),
        [Internal] = new("Erreur interne", 500),
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>The French title of <paramref name="code"/>.</summary>
    public static string Title(string code) => Find(code).Title;

    /// <summary>The HTTP status of an answer whose code is <paramref name="code"/>.</summary>
    public static int Status(string code) => Find(code).Status;

    /// <summary>Every code of the catalogue.</summary>
    public static IEnumerable<string> Codes => Entries.Keys;

    private static Entry Find(string code) =>
        Entries.TryGetValue(code, out var entry) ? entry : throw new ArgumentOutOfRangeException(nameof(code), code, "Unknown error code.");
}
