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
    public const string ObjectTooLong = "request.object-too-long";
    public const string MissingParameter = "request.missing-parameter";
    public const string UnknownExchange = "request.unknown-exchange";
    public const string UnknownOrganisation = "request.unknown-organisation";
    public const string UnsupportedMediaType = "request.unsupported-media-type";
    public const string RequestTooLarge = "request.too-large";
    public const string InvalidRequest = "request.invalid";
    public const string RateLimited = "request.rate-limited";

    // Policy decisions.
    public const string NoContract = "policy.no-contract";
    public const string ContractNotInForce = "policy.contract-not-in-force";
    public const string ExchangeNotInContract = "policy.exchange-not-in-contract";
    public const string PurposeNotAllowed = "policy.purpose-not-allowed";
    public const string RoleNotAllowed = "policy.role-not-allowed";
    public const string DirectionNotAllowed = "policy.direction-not-allowed";
    public const string NoOrganisation = "policy.no-organisation";

    // Exchanges the catalogue names but whose rules this gateway does not enforce yet.
    public const string ExchangeNotAvailable = "exchange.not-available";

    // Minimisation rules.
    public const string NotInReply = "minimisation.not-in-reply";
    public const string NotTargeted = "minimisation.not-targeted";
    public const string UnknownSignalement = "minimisation.unknown-signalement";
    public const string ReplyToRequired = "minimisation.reply-to-required";
    public const string ReplyToInvalid = "minimisation.reply-to-invalid";
    public const string NoAdherentsList = "minimisation.no-adherents-list";

    // Datasets.
    public const string DatasetNotFound = "dataset.not-found";
    public const string DatasetCorrupted = "dataset.corrupted";

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

    // Operations.
    public const string KeysUnavailable = "keys.unavailable";
    public const string StorageUnavailable = "storage.unavailable";
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
        [ObjectTooLong] = "Objet trop long",
        [MissingParameter] = "Paramètre manquant",
        [UnknownExchange] = "Type d'échange inconnu",
        [UnknownOrganisation] = "Organisation inconnue",
        [UnsupportedMediaType] = "Type de contenu non pris en charge",
        [RequestTooLarge] = "Fichier trop volumineux",
        [InvalidRequest] = "Requête invalide",
        [RateLimited] = "Trop de requêtes",
        [NoContract] = "Aucun contrat CPOM entre ces organisations",
        [ContractNotInForce] = "Contrat CPOM hors de sa période de validité",
        [ExchangeNotInContract] = "Échange non prévu par le contrat",
        [PurposeNotAllowed] = "Finalité non autorisée pour cet échange",
        [RoleNotAllowed] = "Rôle non autorisé pour cette opération",
        [DirectionNotAllowed] = "Sens d'échange non autorisé",
        [NoOrganisation] = "Agent sans organisation",
        [ExchangeNotAvailable] = "Échange pas encore ouvert",
        [NotInReply] = "SIRET hors de la liste d'origine",
        [NotTargeted] = "Établissement non ciblé",
        [UnknownSignalement] = "Signalement inconnu",
        [ReplyToRequired] = "Jeu de données d'origine manquant",
        [ReplyToInvalid] = "Jeu de données d'origine invalide",
        [NoAdherentsList] = "Aucune liste d'adhérents",
        [DatasetNotFound] = "Jeu de données introuvable",
        [DatasetCorrupted] = "Jeu de données altéré",
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
        [KeysUnavailable] = "Fournisseur de clés indisponible",
        [StorageUnavailable] = "Stockage indisponible",
        [DatasetPurged] = "Jeu de données détruit",
        [Internal] = "Erreur interne",
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>The French title of <paramref name="code"/>.</summary>
    public static string Title(string code) =>
        Titles.TryGetValue(code, out var title) ? title : throw new ArgumentOutOfRangeException(nameof(code), code, "Unknown error code.");

    /// <summary>Every code of the catalogue.</summary>
    public static IEnumerable<string> Codes => Titles.Keys;
}
