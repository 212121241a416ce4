namespace CpomExchange.Infrastructure.Storage;

/// <summary>A registered agent: one certificate, one person (or service), one organisation, roles.</summary>
public sealed class AgentEntity
{
    /// <summary>The agent's identifier, such as <c>prevy-agent</c>.</summary>
    public required string Id { get; set; }

    /// <summary>The name shown in listings and the access log.</summary>
    public required string DisplayName { get; set; }

    /// <summary>The organisation; null only for an operator account whose sole role is <c>admin</c>.</summary>
    public string? OrganisationId { get; set; }

    /// <summary>The roles, comma-separated (<c>agent,dpo</c>).</summary>
    public required string Roles { get; set; }

    /// <summary>The SHA-256 fingerprint of the certificate, upper-case hex.</summary>
    public required string CertificateSha256 { get; set; }

    /// <summary>The certificate's subject, for people.</summary>
    public required string CertificateSubject { get; set; }

    /// <summary>The end of the certificate's validity (UTC).</summary>
    public DateTime CertificateNotAfterUtc { get; set; }

    /// <summary>The certificate's issuer, for people (null for agents registered before it was kept).</summary>
    public string? CertificateIssuer { get; set; }

    /// <summary>The start of the certificate's validity (UTC; null for agents registered before it was kept).</summary>
    public DateTime? CertificateNotBeforeUtc { get; set; }

    /// <summary>A disabled agent is refused at once.</summary>
    public bool Disabled { get; set; }

    /// <summary>When the agent was registered (UTC).</summary>
    public DateTime CreatedAtUtc { get; set; }

    /// <summary>The roles as a list.</summary>
    public IReadOnlyList<string> RoleList => Roles.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}

/// <summary>A dataset: a file sent by one organisation to another, stored encrypted.</summary>
public sealed class DatasetEntity
{
    /// <summary>The dataset's identifier.</summary>
    public required string Id { get; set; }

    /// <summary>The exchange type (<c>adherents</c>, ...).</summary>
    public required string Type { get; set; }

    /// <summary>The sending organisation.</summary>
    public required string FromOrganisation { get; set; }

    /// <summary>The receiving organisation.</summary>
    public required string ToOrganisation { get; set; }

    /// <summary>The purpose declared at upload.</summary>
    public required string Purpose { get; set; }

    /// <summary>The free-text object (case reference) given at upload, if any.</summary>
    public string? Object { get; set; }

    /// <summary>The contract the exchange was made under.</summary>
    public required string ContractId { get; set; }

    /// <summary>The agent who uploaded it.</summary>
    public required string CreatedBy { get; set; }

    /// <summary>The number of data rows.</summary>
    public long Rows { get; set; }

    /// <summary>The SHA-256 of the stored content as delivered (the normalised CSV), lower-case hex.</summary>
    public required string Sha256 { get; set; }

    /// <summary>The SHA-256 of the bytes as uploaded, lower-case hex.</summary>
    public required string SourceSha256 { get; set; }

    /// <summary>The length in bytes of the content as delivered.</summary>
    public long Length { get; set; }

    /// <summary>The name of the encrypted payload in the payload store.</summary>
    public required string PayloadName { get; set; }

    /// <summary>When the dataset was stored (UTC).</summary>
    public DateTime CreatedAtUtc { get; set; }

    /// <summary>The dataset this one answers (a <c>sinistralite</c> answers an <c>adherents</c> list), if any.</summary>
    public string? ReplyTo { get; set; }

    /// <summary>When the recipient acknowledged receipt (UTC), if it did.</summary>
    public DateTime? AcknowledgedAtUtc { get; set; }

    /// <summary>The agent who acknowledged receipt.</summary>
    public string? AcknowledgedBy { get; set; }

    /// <summary>When the recipient first downloaded the content (UTC), if it did: the file is then no longer new.</summary>
    public DateTime? FirstDownloadedAtUtc { get; set; }

    /// <summary>How many cells small-count masking replaced by its marker.</summary>
    public long MaskedCells { get; set; }

    /// <summary><c>available</c>, <c>withdrawn</c> (by its sender) or <c>expired</c> (retention ended): the last two are crypto-shredded.</summary>
    public string Status { get; set; } = DatasetStatus.Available;

    /// <summary>When the payload and its key were destroyed (UTC), if they were.</summary>
    public DateTime? ShreddedAtUtc { get; set; }

    /// <summary>
    /// When the files of a shredded dataset were confirmed deleted from the payload store (UTC): the
    /// retention round looks only at shredded datasets without it, not at every one ever shredded.
    /// </summary>
    public DateTime? FilesDeletedAtUtc { get; set; }

    /// <summary>
    /// The key-encryption key (id and version) that wraps <see cref="PayloadWrappedKey"/>. Null once the
    /// dataset is shredded (and, for a dataset stored before the keys moved here, until they are moved).
    /// </summary>
    public string? PayloadKeyId { get; set; }

    /// <summary>
    /// The payload's data key, wrapped: its only copy. The payload file does not hold it, so that
    /// destroying it here (crypto-shredding) makes every copy of the file unreadable.
    /// </summary>
    public byte[]? PayloadWrappedKey { get; set; }

    /// <summary>The key-encryption key that wraps <see cref="SubjectsWrappedKey"/>.</summary>
    public string? SubjectsKeyId { get; set; }

    /// <summary>The subject index's data key, wrapped: its only copy (see <see cref="PayloadWrappedKey"/>).</summary>
    public byte[]? SubjectsWrappedKey { get; set; }

    /// <summary>The SHA-256 of the subject index's plaintext, lower-case hex: another dataset's index is refused.</summary>
    public string? SubjectsSha256 { get; set; }

    /// <summary>
    /// True for a dataset stored before the data keys moved to the database (payload format 1) whose
    /// files may still hold their wrapped data key in their header: the key maintenance job moves the
    /// keys here, removes them from the headers, then clears this flag.
    /// </summary>
    public bool LegacyHeaders { get; set; }

    /// <summary>A document's title, as its sender gave it (no identifier: <c>DocumentTitle</c>); null for a CSV dataset.</summary>
    public string? Title { get; set; }

    /// <summary>A document's media type, decided by its content (<c>application/pdf</c>, ...); null for a CSV dataset.</summary>
    public string? MediaType { get; set; }

    /// <summary>The dataset this one replaced (withdrawn and crypto-shredded when this one was stored), if any.</summary>
    public string? Replaces { get; set; }
}

/// <summary>The states of a dataset.</summary>
public static class DatasetStatus
{
    public const string Available = "available";
    public const string Withdrawn = "withdrawn";
    public const string Expired = "expired";
}
