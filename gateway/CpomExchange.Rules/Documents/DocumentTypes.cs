namespace CpomExchange.Rules.Documents;

/// <summary>
/// The document types the <c>document</c> exchange accepts, by media type, and what each is stored
/// and delivered as. PDF, and OpenDocument text only: an OpenDocument spreadsheet (or any table) is a
/// list of personal data in disguise, which the CSV exchanges carry with their row-by-row checks and
/// minimisation; a presentation is sent as its PDF export (the fiches thématiques, the final review).
/// </summary>
public static class DocumentTypes
{
    /// <summary>A PDF file (ISO 32000).</summary>
    public const string Pdf = "application/pdf";

    /// <summary>An OpenDocument text (ODF 1.2+, <c>.odt</c>).</summary>
    public const string OdfText = "application/vnd.oasis.opendocument.text";

    /// <summary>Every type the gateway can check, in the order it names them.</summary>
    public static IReadOnlyList<string> All { get; } = [Pdf, OdfText];

    /// <summary>The file extension a type is delivered with.</summary>
    public static string Extension(string mediaType) => mediaType switch
    {
        Pdf => ".pdf",
        OdfText => ".odt",
        _ => throw new ArgumentOutOfRangeException(nameof(mediaType), mediaType, "Not a document type."),
    };

    /// <summary>The media type of a <c>Content-Type</c> value (parameters dropped, lower case), or null.</summary>
    public static string? MediaTypeOf(string? contentType) =>
        string.IsNullOrWhiteSpace(contentType) ? null : contentType.Split(';')[0].Trim().ToLowerInvariant();
}

/// <summary>
/// How an exchange carries documents rather than tables (<c>document:</c> in the catalogue): the
/// media types it accepts (a subset of <see cref="DocumentTypes.All"/>) and its size limit in bytes.
/// </summary>
public sealed record DocumentFormat(IReadOnlyList<string> MediaTypes, long MaxBytes)
{
    /// <summary>The size limit when the catalogue names none: 20 Mio, a long report with figures.</summary>
    public const long DefaultMaxBytes = 20L * 1024 * 1024;
}
