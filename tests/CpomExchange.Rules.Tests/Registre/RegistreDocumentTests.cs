using System.Text.Json;
using CpomExchange.Documents;
using CpomExchange.Rules.Policies;
using CpomExchange.Rules.Registre;
using CpomExchange.Tests.Shared;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Spreadsheet;

namespace CpomExchange.Rules.Tests.Registre;

/// <summary>The three renderings of the record say what the record says, one row or section per processing.</summary>
public sealed class RegistreDocumentTests
{
    internal static readonly RecordOfProcessing Record =
        RegistreBuilder.Build(PolicyLoader.Load(TestPaths.Policies), "pst38", new DateOnly(2026, 3, 2), new DateTimeOffset(2026, 3, 2, 10, 0, 0, TimeSpan.Zero));

    internal static async Task<byte[]> RenderAsync(RegistreFormat format)
    {
        using var output = new MemoryStream();
        await RegistreWriter.WriteAsync(Record, format, output);
        return output.ToArray();
    }

    [Fact]
    public async Task TheSpreadsheet_OpensAndHasOneRowPerProcessing_UnderTheColumnHeaders()
    {
        Assert.NotEmpty(Record.Entries);
        using var document = SpreadsheetDocument.Open(new MemoryStream(await RenderAsync(RegistreFormat.Xlsx)), isEditable: false);
        var workbook = document.WorkbookPart!;
        var sheets = workbook.Workbook.Sheets!.Elements<Sheet>().ToList();
        Assert.Equal(["Responsable", "Traitements"], sheets.Select(s => s.Name!.Value));
        var rows = Rows(workbook, sheets[1]);
        Assert.Equal(Record.Entries.Count + 1, rows.Count);
        Assert.Equal(RegistreSpreadsheet.Columns, rows[0]);
        for (var i = 0; i < Record.Entries.Count; i++)
        {
            Assert.Equal(Record.Entries[i].Number, rows[i + 1][0]);
            Assert.Equal(Record.Entries[i].RetentionDays.ToString(System.Globalization.CultureInfo.InvariantCulture), rows[i + 1][Array.IndexOf(RegistreSpreadsheet.Columns, "Conservation (jours)")]);
        }
        var controller = Rows(workbook, sheets[0]);
        Assert.Contains(controller, r => r[0] == "Version de la politique (empreinte)" && r[1] == Record.PolicyHash);
        Assert.Contains(controller, r => r[0] == "Délégué à la protection des données" && r[1].Contains("dpo@pst38.example", StringComparison.Ordinal));
    }

    private static List<string[]> Rows(WorkbookPart workbook, Sheet sheet) =>
        ((WorksheetPart)workbook.GetPartById(sheet.Id!)).Worksheet.Descendants<Row>()
            .Select(r => r.Elements<Cell>().Select(c => c.InlineString?.InnerText ?? string.Empty).ToArray()).ToList();

    [Fact]
    public async Task TheJson_HoldsEveryEntry()
    {
        using var json = JsonDocument.Parse(await RenderAsync(RegistreFormat.Json));
        var entries = json.RootElement.GetProperty("entries").EnumerateArray().ToList();
        Assert.Equal(Record.Entries.Select(e => (e.Number, e.ExchangeType, e.Role == ProcessingRole.Sender ? "sender" : "recipient")),
            entries.Select(e => (e.GetProperty("number").GetString()!, e.GetProperty("exchangeType").GetString()!, e.GetProperty("role").GetString()!)));
        Assert.Equal("pst38", json.RootElement.GetProperty("controller").GetProperty("id").GetString());
    }

    [Fact]
    public async Task TheMarkdown_HasASectionPerEntry()
    {
        var text = System.Text.Encoding.UTF8.GetString(await RenderAsync(RegistreFormat.Markdown));
        var headings = text.Split('\n').Where(l => l.StartsWith("## T", StringComparison.Ordinal)).ToList();
        Assert.Equal(Record.Entries.Select(e => e.Number), headings.Select(h => h[3..6]));
        Assert.Contains(Record.PolicyHash, text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("registre.xlsx", RegistreFormat.Xlsx)]
    [InlineData("registre.MD", RegistreFormat.Markdown)]
    [InlineData("registre.json", RegistreFormat.Json)]
    [InlineData("registre.ods", RegistreFormat.Ods)]
    public void TheFormat_FollowsTheExtension(string file, RegistreFormat format) => Assert.Equal(format, RegistreFormats.FromPath(file));

    [Fact]
    public void AnUnknownExtension_ImpliesNoFormat() => Assert.Null(RegistreFormats.FromPath("registre.pdf"));

    [Theory]
    [InlineData(0, "A")]
    [InlineData(25, "Z")]
    [InlineData(26, "AA")]
    [InlineData(18, "S")]
    public void ColumnNames(int index, string name) => Assert.Equal(name, RegistreSpreadsheet.ColumnName(index));
}
