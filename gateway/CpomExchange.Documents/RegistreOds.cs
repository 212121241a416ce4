using System.IO.Compression;
using System.Text;
using System.Xml;
using CpomExchange.Rules.Registre;

namespace CpomExchange.Documents;

/// <summary>
/// The record of processing as an OpenDocument spreadsheet (.ods, ISO/IEC 26300; ODF 1.3 part 2, "Packages"),
/// the same two sheets as the Office workbook. No package on the feed writes ODF, and a spreadsheet of text
/// cells needs little: a ZIP whose first entry is <c>mimetype</c>, stored (not compressed) and without extra
/// field so that a program can read the type at a fixed offset (part 2 §3.3), then <c>content.xml</c>,
/// <c>styles.xml</c> and the manifest <c>META-INF/manifest.xml</c> listing them (part 2 §4). Every cell is a
/// string (<c>office:value-type="string"</c>): nothing is ever read back as a formula.
/// </summary>
internal static class RegistreOds
{
    /// <summary>The media type, also the content of the <c>mimetype</c> entry.</summary>
    public const string MediaType = "application/vnd.oasis.opendocument.spreadsheet";

    private const string Office = "urn:oasis:names:tc:opendocument:xmlns:office:1.0";
    private const string Table = "urn:oasis:names:tc:opendocument:xmlns:table:1.0";
    private const string Text = "urn:oasis:names:tc:opendocument:xmlns:text:1.0";
    private const string Manifest = "urn:oasis:names:tc:opendocument:xmlns:manifest:1.0";
    private const string Version = "1.3";

    private static readonly XmlWriterSettings Settings = new() { Encoding = new UTF8Encoding(false), Indent = false };

    /// <summary>Writes the package to <paramref name="output"/> (seekable: the sizes go in each entry's local header, no data descriptor).</summary>
    public static void Write(RecordOfProcessing record, Stream output)
    {
        using var zip = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true);
        var mimetype = zip.CreateEntry("mimetype", CompressionLevel.NoCompression);
        using (var stream = mimetype.Open())
        {
            stream.Write(Encoding.ASCII.GetBytes(MediaType));
        }
        WriteXml(zip, "content.xml", w => Content(w, record));
        WriteXml(zip, "styles.xml", Styles);
        WriteXml(zip, "META-INF/manifest.xml", ManifestXml);
    }

    private static void WriteXml(ZipArchive zip, string name, Action<XmlWriter> write)
    {
        using var stream = zip.CreateEntry(name, CompressionLevel.Optimal).Open();
        using var writer = XmlWriter.Create(stream, Settings);
        writer.WriteStartDocument();
        write(writer);
        writer.WriteEndDocument();
    }

    private static void Content(XmlWriter w, RecordOfProcessing record)
    {
        w.WriteStartElement("office", "document-content", Office);
        w.WriteAttributeString("xmlns", "table", null, Table);
        w.WriteAttributeString("xmlns", "text", null, Text);
        w.WriteAttributeString("office", "version", Office, Version);
        w.WriteStartElement("office", "body", Office);
        w.WriteStartElement("office", "spreadsheet", Office);
        Sheet(w, "Responsable", RegistreSpreadsheet.ControllerSheet(record));
        Sheet(w, "Traitements", RegistreSpreadsheet.ProcessingSheet(record));
        w.WriteEndElement();
        w.WriteEndElement();
        w.WriteEndElement();
    }

    private static void Sheet(XmlWriter w, string name, List<string[]> rows)
    {
        w.WriteStartElement("table", "table", Table);
        w.WriteAttributeString("table", "name", Table, name);
        w.WriteStartElement("table", "table-column", Table);
        w.WriteAttributeString("table", "number-columns-repeated", Table, rows.Max(r => r.Length).ToString(System.Globalization.CultureInfo.InvariantCulture));
        w.WriteEndElement();
        foreach (var row in rows)
        {
            w.WriteStartElement("table", "table-row", Table);
            foreach (var value in row)
            {
                w.WriteStartElement("table", "table-cell", Table);
                w.WriteAttributeString("office", "value-type", Office, "string");
                w.WriteElementString("text", "p", Text, Clean(value));
                w.WriteEndElement();
            }
            w.WriteEndElement();
        }
        w.WriteEndElement();
    }

    private static void Styles(XmlWriter w)
    {
        w.WriteStartElement("office", "document-styles", Office);
        w.WriteAttributeString("office", "version", Office, Version);
        w.WriteEndElement();
    }

    private static void ManifestXml(XmlWriter w)
    {
        w.WriteStartElement("manifest", "manifest", Manifest);
        w.WriteAttributeString("manifest", "version", Manifest, Version);
        Entry(w, "/", MediaType, Version);
        Entry(w, "content.xml", "text/xml", null);
        Entry(w, "styles.xml", "text/xml", null);
        w.WriteEndElement();
    }

    private static void Entry(XmlWriter w, string path, string mediaType, string? version)
    {
        w.WriteStartElement("manifest", "file-entry", Manifest);
        w.WriteAttributeString("manifest", "full-path", Manifest, path);
        if (version is not null)
        {
            w.WriteAttributeString("manifest", "version", Manifest, version);
        }
        w.WriteAttributeString("manifest", "media-type", Manifest, mediaType);
        w.WriteEndElement();
    }

    /// <summary>XML 1.0 refuses most control characters: a cell keeps tabs and line feeds only as spaces.</summary>
    private static string Clean(string value) => new(value.Select(c => char.IsControl(c) ? ' ' : c).ToArray());
}
