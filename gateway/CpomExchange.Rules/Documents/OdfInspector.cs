using System.IO.Compression;
using System.Text;
using CpomExchange.Rules.Errors;

namespace CpomExchange.Rules.Documents;

/// <summary>
/// Checks that bytes are an OpenDocument package of an accepted type without macros, scripts or
/// embedded objects (ODF 1.2 part 3, §3.3): a zip whose first entry is <c>mimetype</c>, stored
/// uncompressed without extra field, naming the type; a <c>content.xml</c> and a manifest; no
/// <c>Basic/</c> or <c>Scripts/</c> library, no <c>Object N/</c> sub-document or OLE object, and no
/// event listener or script URL (<c>vnd.sun.star.script:</c>, <c>macro:///</c>) in its XML parts, which
/// would run a macro installed on the reader's machine.
/// </summary>
internal static class OdfInspector
{
    private const int MaxEntries = 2_000;
    private const long MaxXmlBytes = 64L * 1024 * 1024;
    private static readonly string[] ScriptFolders = ["Basic/", "Scripts/"];
    private static readonly string[] ObjectFolders = ["Object ", "ObjectReplacements/"];
    private static readonly string[] ScriptMarkers = ["script:event-listener", "office:scripts", "vnd.sun.star.script:", "macro:///", "office:event-listeners"];
    private static readonly string[] ObjectMarkers = ["draw:object", "draw:object-ole", "draw:applet", "draw:plugin"];

    /// <summary>True when the bytes start as a zip does (a local file header).</summary>
    public static bool LooksLikeZip(ReadOnlySpan<byte> content) => content.Length >= 30 && content.StartsWith("PK\u0003\u0004"u8);

    /// <summary>
    /// The type the package's first entry names when it is an uncompressed <c>mimetype</c> (the ODF
    /// signature); null when the zip is not an OpenDocument package.
    /// </summary>
    public static string? MimetypeOf(ReadOnlySpan<byte> content)
    {
        if (!LooksLikeZip(content))
        {
            return null;
        }
        var method = BitConverter.ToUInt16(content[8..10]);
        var size = BitConverter.ToUInt32(content[18..22]);
        var nameLength = BitConverter.ToUInt16(content[26..28]);
        var extraLength = BitConverter.ToUInt16(content[28..30]);
        if (method != 0 || extraLength != 0 || nameLength != 8 || size is 0 or > 100 || content.Length < 30 + nameLength + size
            || !content.Slice(30, nameLength).SequenceEqual("mimetype"u8))
        {
            return null;
        }
        var value = content.Slice(38, (int)size);
        foreach (var b in value)
        {
            if (b is < 0x21 or > 0x7e)
            {
                return null;
            }
        }
        return Encoding.ASCII.GetString(value);
    }

    /// <summary>Null when the package may be stored, else why not.</summary>
    public static Refusal? Check(ReadOnlyMemory<byte> content)
    {
        try
        {
            using var zip = new ZipArchive(new MemoryStream(content.ToArray(), writable: false), ZipArchiveMode.Read);
            if (zip.Entries.Count > MaxEntries)
            {
                return Malformed("il contient trop de parties");
            }
            var names = zip.Entries.Select(e => e.FullName).ToList();
            if (!names.Contains("content.xml", StringComparer.Ordinal) || !names.Contains("META-INF/manifest.xml", StringComparer.Ordinal))
            {
                return Malformed("content.xml ou META-INF/manifest.xml manque");
            }
            if (names.FirstOrDefault(n => ScriptFolders.Any(f => n.StartsWith(f, StringComparison.OrdinalIgnoreCase))) is { } script)
            {
                return Macro($"la bibliothèque « {script.Split('/')[0]} »");
            }
            if (names.FirstOrDefault(n => ObjectFolders.Any(f => n.StartsWith(f, StringComparison.OrdinalIgnoreCase))) is { } inner)
            {
                return EmbeddedObject($"la partie « {inner.Split('/')[0]} »");
            }
            foreach (var entry in zip.Entries.Where(e => e.FullName.EndsWith(".xml", StringComparison.OrdinalIgnoreCase)))
            {
                var xml = ReadXml(entry);
                if (xml is null)
                {
                    return Malformed($"la partie « {entry.FullName} » est trop grande");
                }
                if (ScriptMarkers.FirstOrDefault(m => xml.Contains(m, StringComparison.OrdinalIgnoreCase)) is { } marker)
                {
                    return Macro($"« {marker} » dans {entry.FullName}");
                }
                if (ObjectMarkers.FirstOrDefault(m => xml.Contains("<" + m, StringComparison.Ordinal)) is { } element)
                {
                    return EmbeddedObject($"l'élément « {element} » dans {entry.FullName}");
                }
            }
        }
        catch (Exception e) when (e is InvalidDataException or IOException or NotSupportedException)
        {
            return Malformed("l'archive est illisible");
        }
        return null;
    }

    /// <summary>An XML part's text, read at most to <see cref="MaxXmlBytes"/> (a zip bomb stops there); null beyond.</summary>
    private static string? ReadXml(ZipArchiveEntry entry)
    {
        using var stream = entry.Open();
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = stream.Read(chunk)) > 0)
        {
            if (buffer.Length + read > MaxXmlBytes)
            {
                return null;
            }
            buffer.Write(chunk, 0, read);
        }
        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    private static Refusal Malformed(string why) =>
        new(ErrorCatalog.DocumentMalformed, $"Ce document OpenDocument est refusé : {why}. Rien n'a été enregistré ; enregistrez-le de nouveau depuis son logiciel d'origine.");

    private static Refusal Macro(string what) =>
        new(ErrorCatalog.DocumentMacro,
            $"Ce document OpenDocument contient des macros ou des scripts ({what}) : il est refusé. Rien n'a été enregistré ; enregistrez-le sans macro, ou envoyez-en l'export PDF.");

    private static Refusal EmbeddedObject(string what) =>
        new(ErrorCatalog.DocumentEmbeddedFile,
            $"Ce document OpenDocument contient un objet incorporé ({what}) : il est refusé, un objet incorporé échapperait aux contrôles. Rien n'a été enregistré ; envoyez-en l'export PDF.");
}
