using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using System.Xml.Linq;
using CpomExchange.Documents;

namespace CpomExchange.Rules.Tests.Registre;

/// <summary>
/// The record as an OpenDocument spreadsheet: a package a spreadsheet program recognises (ODF 1.3 part 2:
/// <c>mimetype</c> first, stored, no extra field, so that its type is readable at offset 38; a manifest
/// naming the package's type and its parts) whose <c>content.xml</c> holds the same sheets as the workbook.
/// </summary>
public sealed class RegistreOdsTests
{
    private const string OdsType = "application/vnd.oasis.opendocument.spreadsheet";
    private static readonly XNamespace Office = "urn:oasis:names:tc:opendocument:xmlns:office:1.0";
    private static readonly XNamespace Table = "urn:oasis:names:tc:opendocument:xmlns:table:1.0";
    private static readonly XNamespace Text = "urn:oasis:names:tc:opendocument:xmlns:text:1.0";
    private static readonly XNamespace Manifest = "urn:oasis:names:tc:opendocument:xmlns:manifest:1.0";

    [Fact]
    public async Task TheMimetype_IsTheFirstEntry_StoredWithoutExtraField_ReadableAtOffset38()
    {
        var bytes = await RegistreDocumentTests.RenderAsync(RegistreFormat.Ods);
        // The local file header of the first entry (APPNOTE 4.3.7).
        Assert.Equal(0x04034b50u, BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(0)));
        Assert.Equal(0, BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(6)) & 0x0008); // no data descriptor: sizes known in the header
        Assert.Equal(0, BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(8)));          // compression method 0: stored
        var nameLength = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(26));
        var extraLength = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(28));
        Assert.Equal(("mimetype", 0), (Encoding.ASCII.GetString(bytes, 30, nameLength), (int)extraLength));
        Assert.Equal(OdsType.Length, (int)BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(18)));
        Assert.Equal(OdsType, Encoding.ASCII.GetString(bytes, 38, OdsType.Length));
    }

    [Fact]
    public async Task TheManifest_NamesThePackageTypeAndEveryPart_AndEveryPartIsThere()
    {
        using var zip = new ZipArchive(new MemoryStream(await RegistreDocumentTests.RenderAsync(RegistreFormat.Ods)), ZipArchiveMode.Read);
        Assert.Equal("mimetype", zip.Entries[0].FullName);
        var manifest = Load(zip, "META-INF/manifest.xml");
        var entries = manifest.Root!.Elements(Manifest + "file-entry")
            .ToDictionary(e => (string)e.Attribute(Manifest + "full-path")!, e => (string)e.Attribute(Manifest + "media-type")!);
        Assert.Equal(OdsType, entries["/"]);
        Assert.Equal(["/", "content.xml", "styles.xml"], entries.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(["META-INF/manifest.xml", "content.xml", "mimetype", "styles.xml"], zip.Entries.Select(e => e.FullName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task TheContent_ParsedBack_HasTheTwoSheets_OneRowPerProcessing_AllStringCells()
    {
        var record = RegistreDocumentTests.Record;
        Assert.NotEmpty(record.Entries);
        using var zip = new ZipArchive(new MemoryStream(await RegistreDocumentTests.RenderAsync(RegistreFormat.Ods)), ZipArchiveMode.Read);
        var content = Load(zip, "content.xml");
        var tables = content.Descendants(Office + "spreadsheet").Single().Elements(Table + "table").ToList();
        Assert.Equal(["Responsable", "Traitements"], tables.Select(t => (string)t.Attribute(Table + "name")!));
        var rows = tables[1].Elements(Table + "table-row")
            .Select(r => r.Elements(Table + "table-cell").Select(c => (string)c.Element(Text + "p")!).ToArray()).ToList();
        Assert.Equal(record.Entries.Count + 1, rows.Count);
        Assert.Equal(RegistreSpreadsheet.Columns, rows[0]);
        Assert.Equal(record.Entries.Select(e => e.Number), rows.Skip(1).Select(r => r[0]));
        Assert.Equal(record.Entries.Select(e => e.ExchangeLabel + " (" + e.ExchangeType + ")"), rows.Skip(1).Select(r => r[1]));
        // No cell is anything but a string: nothing a spreadsheet program would evaluate.
        var types = content.Descendants(Table + "table-cell").Select(c => (string?)c.Attribute(Office + "value-type")).Distinct().ToList();
        Assert.Equal(["string"], types);
        Assert.DoesNotContain(content.Descendants(Table + "table-cell"), c => c.Attribute(Table + "formula") is not null);
        var controller = tables[0].Elements(Table + "table-row").Select(r => r.Elements(Table + "table-cell").Select(c => (string)c.Element(Text + "p")!).ToArray()).ToList();
        Assert.Contains(controller, r => r[0] == "Version de la politique (empreinte)" && r[1] == record.PolicyHash);
    }

    private static XDocument Load(ZipArchive zip, string name)
    {
        using var stream = zip.GetEntry(name)!.Open();
        return XDocument.Load(stream);
    }
}
