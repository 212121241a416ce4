using System.Text;
using CpomExchange.Rules.Errors;
using UglyToad.PdfPig;
using UglyToad.PdfPig.Tokens;

namespace CpomExchange.Rules.Documents;

/// <summary>
/// Checks that bytes are a whole PDF without active or hidden content: the header at the first
/// byte, a cross-reference (<c>startxref</c>) and <c>%%EOF</c> at the end, then every object the
/// cross-reference names — those inside compressed object streams included — parsed by PdfPig and
/// walked: a name <c>/JavaScript</c>, <c>/JS</c> or <c>/Launch</c> (scripts, actions that start a
/// program, an <c>/OpenAction</c> running either) or <c>/EmbeddedFile(s)</c>, <c>/FileAttachment</c>
/// (files carried inside the document) refuses it. The raw bytes are also scanned for the same names,
/// so that an object the cross-reference forgets (a viewer's repair may still find it) cannot hide
/// one. A file PdfPig cannot read (encrypted, damaged) is refused: nothing is accepted unchecked.
/// </summary>
internal static class PdfInspector
{
    private static readonly string[] ActiveNames = ["JavaScript", "JS", "Launch"];
    private static readonly string[] EmbeddedNames = ["EmbeddedFile", "EmbeddedFiles", "FileAttachment"];

    /// <summary>True when the bytes start as a PDF does (<c>%PDF-</c> and a version digit).</summary>
    public static bool LooksLikePdf(ReadOnlySpan<byte> content) =>
        content.Length >= 8 && content.StartsWith("%PDF-"u8) && char.IsAsciiDigit((char)content[5]);

    /// <summary>Null when the PDF may be stored, else why not.</summary>
    public static Refusal? Check(ReadOnlyMemory<byte> content)
    {
        var span = content.Span;
        var tail = span[Math.Max(0, span.Length - 1024)..];
        if (tail.IndexOf("%%EOF"u8) < 0 || tail.IndexOf("startxref"u8) < 0)
        {
            return Malformed("la fin du fichier (startxref, %%EOF) manque : il est tronqué ou abîmé");
        }
        if (FindName(span, ActiveNames) is { } active)
        {
            return Active(active);
        }
        if (FindName(span, EmbeddedNames) is { } embedded)
        {
            return Embedded(embedded);
        }
        try
        {
            using var document = PdfDocument.Open(content.ToArray(), new ParsingOptions { UseLenientParsing = false });
            var structure = document.Structure;
            if (structure.Trailer.EncryptionToken is not null)
            {
                return Malformed("il est chiffré : son contenu ne peut pas être contrôlé");
            }
            foreach (var reference in structure.CrossReferenceTable.ObjectOffsets.Keys)
            {
                if (Walk(structure.GetObject(reference).Data) is { } found)
                {
                    return found;
                }
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Encrypted, damaged, or a construct the reader rejects: never stored unchecked.
            return Malformed("sa structure est illisible (fichier abîmé, chiffré ou non conforme)");
        }
        return null;
    }

    /// <summary>Every name in a token and what it contains (dictionaries' keys and values, arrays, streams' dictionaries).</summary>
    private static Refusal? Walk(IToken? token)
    {
        var pending = new Stack<IToken>();
        if (token is not null)
        {
            pending.Push(token);
        }
        var seen = 0;
        while (pending.Count > 0)
        {
            if (++seen > 10_000_000)
            {
                return Malformed("il contient trop d'objets");
            }
            switch (pending.Pop())
            {
                case NameToken name when Classify(name.Data) is { } refusal:
                    return refusal;
                case DictionaryToken dictionary:
                    foreach (var (key, value) in dictionary.Data)
                    {
                        if (Classify(key) is { } refusal)
                        {
                            return refusal;
                        }
                        pending.Push(value);
                    }
                    break;
                case ArrayToken array:
                    foreach (var item in array.Data)
                    {
                        pending.Push(item);
                    }
                    break;
                case StreamToken stream:
                    pending.Push(stream.StreamDictionary);
                    break;
            }
        }
        return null;
    }

    private static Refusal? Classify(string name) =>
        ActiveNames.Contains(name, StringComparer.Ordinal) ? Active(name)
        : EmbeddedNames.Contains(name, StringComparer.Ordinal) ? Embedded(name)
        : null;

    /// <summary>The first of <paramref name="names"/> present as a whole PDF name token (<c>/Name</c> followed by a delimiter) in the raw bytes.</summary>
    private static string? FindName(ReadOnlySpan<byte> content, string[] names)
    {
        foreach (var name in names)
        {
            var token = Encoding.ASCII.GetBytes("/" + name);
            var rest = content;
            int at;
            while ((at = rest.IndexOf(token)) >= 0)
            {
                var end = at + token.Length;
                if (end >= rest.Length || IsDelimiter(rest[end]))
                {
                    return name;
                }
                rest = rest[end..];
            }
        }
        return null;
    }

    private static bool IsDelimiter(byte b) => b is (byte)' ' or (byte)'\n' or (byte)'\r' or (byte)'\t' or (byte)'\f' or 0
        or (byte)'/' or (byte)'(' or (byte)')' or (byte)'<' or (byte)'>' or (byte)'[' or (byte)']' or (byte)'{' or (byte)'}' or (byte)'%';

    private static Refusal Malformed(string why) =>
        new(ErrorCatalog.DocumentMalformed, $"Ce PDF est refusé : {why}. Rien n'a été enregistré ; exportez-le de nouveau depuis son logiciel d'origine.");

    private static Refusal Active(string name) =>
        new(ErrorCatalog.DocumentActiveContent,
            $"Ce PDF contient du contenu actif (/{name} : script JavaScript ou lancement de programme) : il est refusé. Rien n'a été enregistré ; exportez-le sans script (« PDF/A » par exemple).");

    private static Refusal Embedded(string name) =>
        new(ErrorCatalog.DocumentEmbeddedFile,
            $"Ce PDF contient des fichiers joints ou incorporés (/{name}) : il est refusé, un fichier joint échapperait aux contrôles. Rien n'a été enregistré ; envoyez chaque fichier par l'échange qui lui est propre.");
}
