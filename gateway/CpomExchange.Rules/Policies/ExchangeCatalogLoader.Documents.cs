using CpomExchange.Rules.Documents;

namespace CpomExchange.Rules.Policies;

/// <summary>The <c>document:</c> block of a document exchange (<c>category: document</c>).</summary>
internal static partial class ExchangeCatalogLoader
{
    /// <summary>
    /// The document format of <paramref name="x"/>: required for, and only for, <c>category: document</c>;
    /// its types among <see cref="DocumentTypes.All"/>; its size limit positive (default
    /// <see cref="DocumentFormat.DefaultMaxBytes"/>). A document exchange has no columns, minimisation,
    /// masking, row references nor report year: it carries no table.
    /// </summary>
    private static DocumentFormat? DocumentFormatOf(ExchangeEntry x, DataCategory category, Action<string> error)
    {
        if (category != DataCategory.Document)
        {
            if (x.Document is not null)
            {
                error("« document » ne sert qu'à un échange de documents (category: document).");
            }
            return null;
        }
        if (x.Columns is { Count: > 0 } || x.Minimisation is { Count: > 0 } || x.Masking is not null || x.RowReference is not null)
        {
            error("Un échange de documents ne porte ni colonnes, ni minimisation, ni masquage, ni références de ligne.");
        }
        if (x.Document?.MediaTypes is not { Count: > 0 } types)
        {
            error($"Un échange de documents nomme les types qu'il accepte (document.mediaTypes, parmi {string.Join(", ", DocumentTypes.All)}).");
            return null;
        }
        foreach (var type in types.Where(t => !DocumentTypes.All.Contains(t, StringComparer.Ordinal)))
        {
            error($"« document.mediaTypes » : type « {type} » non contrôlé par la passerelle ({string.Join(", ", DocumentTypes.All)}).");
        }
        if (x.Document.MaxBytes is <= 0)
        {
            error("« document.maxBytes » : taille maximale nulle ou négative.");
        }
        return new DocumentFormat([.. types.Distinct(StringComparer.Ordinal)], x.Document.MaxBytes ?? DocumentFormat.DefaultMaxBytes);
    }

    private sealed class DocumentEntry
    {
        public List<string>? MediaTypes { get; set; }
        public long? MaxBytes { get; set; }
    }
}
