using System.Globalization;
using CpomExchange.Rules.Errors;

namespace CpomExchange.Rules.Documents;

/// <summary>
/// The title a document is sent with (<c>title=</c>): required, shown to the recipient, stored with
/// the dataset's row (in clear, like the free-text object: so it must never carry an identifier).
/// At most <see cref="MaxLength"/> characters, no control character, and no run of nine digits or
/// more — a SIREN, a SIRET, a NIR or a list of them has no place in a title.
/// </summary>
public static class DocumentTitle
{
    /// <summary>The longest title accepted.</summary>
    public const int MaxLength = 150;

    /// <summary>Null when <paramref name="title"/> may be stored and shown, else why not.</summary>
    public static Refusal? Check(string? title)
    {
        if (string.IsNullOrWhiteSpace(title))
        {
            return new Refusal(ErrorCatalog.DocumentMissingTitle, "Indiquez le titre du document (title), que verra son destinataire.");
        }
        if (title.Length > MaxLength)
        {
            return new Refusal(ErrorCatalog.DocumentBadTitle, $"Le titre du document dépasse {MaxLength} caractères.");
        }
        // Control characters, and the invisible format ones (bidirectional overrides, zero-width) that would disguise the title shown.
        if (title.Any(c => char.IsControl(c) || char.GetUnicodeCategory(c) is UnicodeCategory.Format or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator))
        {
            return new Refusal(ErrorCatalog.DocumentBadTitle, "Le titre du document contient un caractère de contrôle ou de mise en forme invisible.");
        }
        var run = 0;
        foreach (var c in title)
        {
            run = char.IsAsciiDigit(c) ? run + 1 : c is ' ' or '.' or '-' && run > 0 ? run : 0;
            if (run >= 9)
            {
                return new Refusal(ErrorCatalog.DocumentBadTitle,
                    "Le titre du document contient une suite d'au moins neuf chiffres (SIREN, SIRET ou NIR ?) : un titre ne porte aucun identifiant.");
            }
        }
        return null;
    }
}
