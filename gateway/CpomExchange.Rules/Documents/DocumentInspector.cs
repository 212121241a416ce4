using CpomExchange.Rules.Errors;

namespace CpomExchange.Rules.Documents;

/// <summary>What <see cref="DocumentInspector.Inspect"/> found: the type the content is, or why it is refused.</summary>
public sealed record DocumentCheck(string? MediaType, Refusal? Refusal);

/// <summary>
/// Decides what a document is by its content — never by its name, nor by the declared type alone —
/// and whether it may be stored: its signature (magic bytes) and structure say which type it is
/// (<see cref="PdfInspector"/>, <see cref="OdfInspector"/>); that type must be one the exchange
/// accepts and the one the sender declared; then the type's own checks (scripts, attachments,
/// macros, embedded objects) run. The size limit is checked before, while the body is read.
/// </summary>
public static class DocumentInspector
{
    /// <summary>Inspects <paramref name="content"/>, sent as <paramref name="declaredContentType"/>, for an exchange of <paramref name="format"/>.</summary>
    public static DocumentCheck Inspect(ReadOnlyMemory<byte> content, string? declaredContentType, DocumentFormat format)
    {
        ArgumentNullException.ThrowIfNull(format);
        var declared = DocumentTypes.MediaTypeOf(declaredContentType);
        var span = content.Span;
        string? actual = null;
        if (PdfInspector.LooksLikePdf(span))
        {
            actual = DocumentTypes.Pdf;
        }
        else if (OdfInspector.MimetypeOf(span) is { } odf)
        {
            if (!format.MediaTypes.Contains(odf, StringComparer.Ordinal))
            {
                return Refused(ErrorCatalog.DocumentTypeNotAccepted, odf.Contains("spreadsheet", StringComparison.Ordinal)
                    ? "Un tableur (OpenDocument classeur) n'est pas accepté comme document : un tableau de données passe par l'échange CSV qui lui est propre, avec ses contrôles. Rien n'a été enregistré."
                    : $"Ce document OpenDocument est de type « {odf} », que cet échange n'accepte pas ({string.Join(", ", format.MediaTypes)}). Rien n'a été enregistré ; envoyez-en l'export PDF.");
            }
            actual = odf;
        }
        if (actual is null || !format.MediaTypes.Contains(actual, StringComparer.Ordinal))
        {
            return Refused(ErrorCatalog.DocumentTypeNotAccepted,
                $"Le contenu de ce fichier n'est pas un document accepté ({string.Join(", ", format.MediaTypes)}) : son type est reconnu à son contenu, pas à son nom. Rien n'a été enregistré.");
        }
        if (declared != actual)
        {
            return Refused(ErrorCatalog.DocumentTypeMismatch,
                $"Le fichier est déclaré « {declared} » mais son contenu est « {actual} » : envoyez-le avec le type de son contenu. Rien n'a été enregistré.");
        }
        var refusal = actual == DocumentTypes.Pdf ? PdfInspector.Check(content) : OdfInspector.Check(content);
        return refusal is null ? new DocumentCheck(actual, null) : new DocumentCheck(null, refusal);
    }

    private static DocumentCheck Refused(string code, string detail) => new(null, new Refusal(code, detail));
}
