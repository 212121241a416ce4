using System.Text;
using CpomExchange.Rules.Csv;
using CsvHelper;

namespace CpomExchange.Rules.Tests.Csv;

public sealed class CsvIngestorTests
{
    private static readonly Encoding Windows1252 = GetWindows1252();
    private static readonly CsvSchema Adherents = CpomExchange.Rules.Policies.PolicyLoader.Load(CpomExchange.Tests.Shared.TestPaths.Policies).Exchanges["adherents"].Schema;

    private static Encoding GetWindows1252()
    {
        Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);
        return Encoding.GetEncoding(1252);
    }

    private static async Task<(CsvIngestResult Result, string Output)> IngestAsync(byte[] bytes, CsvSchema? schema = null, CsvIngestOptions? options = null)
    {
        using var output = new MemoryStream();
        CsvIngestResult result;
        await using (var writer = CsvWriter.Create(output, CsvIngestor.OutputOptions, leaveOpen: true))
        {
            result = await CsvIngestor.IngestAsync(new MemoryStream(bytes), schema ?? Adherents, writer, options);
        }
        return (result, Encoding.UTF8.GetString(output.ToArray()));
    }

    private static Task<(CsvIngestResult Result, string Output)> IngestAsync(string text, CsvSchema? schema = null, CsvIngestOptions? options = null) =>
        IngestAsync(new UTF8Encoding(false).GetBytes(text), schema, options);

    private static string Sample(string name) => Path.Combine(SamplesDirectory, name);

    private static string SamplesDirectory => CpomExchange.Tests.Shared.TestPaths.Samples;

    [Fact]
    public async Task SampleFile_Utf8WithBom_IsValid()
    {
        var (result, output) = await IngestAsync(await File.ReadAllBytesAsync(Sample("adherents.csv")));
        Assert.True(result.IsValid, string.Join("; ", result.Errors));
        Assert.Equal(8, result.Rows);
        Assert.Equal("utf-8-bom", result.Encoding);
        Assert.Equal(';', result.Separator);
        Assert.StartsWith("\uFEFFsiret;raison_sociale;code_naf;effectif;code_postal\r\n10433218419605;BOULANGERIE DU CENTRE;", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SampleFile_ExcelWindows1252_WithTrailingColumnsSpacesAndQuotes_IsValid()
    {
        var (result, output) = await IngestAsync(await File.ReadAllBytesAsync(Sample("adherents-excel-1252.csv")));
        Assert.True(result.IsValid, string.Join("; ", result.Errors));
        Assert.Equal("windows-1252", result.Encoding);
        Assert.Equal(2, result.Rows);
        Assert.Contains("10433218419605;SOCIÉTÉ GÉNÉRALE DES EAUX;36.00Z;210;53000\r\n", output, StringComparison.Ordinal);
        Assert.Contains("01338908538633;\"SARL \"\"LE RELAIS\"\"\";56.10A;9;53100\r\n", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Utf8WithoutBom_AndCommaSeparator_AreAccepted()
    {
        var (result, output) = await IngestAsync("siret,raison_sociale\n10433218419605,Société générale\n");
        Assert.True(result.IsValid, string.Join("; ", result.Errors));
        Assert.Equal("utf-8", result.Encoding);
        Assert.Equal(',', result.Separator);
        Assert.Contains("10433218419605;Société générale;;;", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Windows1252_DecidedOnFirstNonAsciiByte_FarIntoTheFile()
    {
        var text = new StringBuilder("siret;raison_sociale\r\n");
        text.Append("10433218419605;").Append(new string('A', 100)).Append("\r\n");
        text.Append("01338908538633;SOCIÉTÉ\r\n");
        var (result, output) = await IngestAsync(Windows1252.GetBytes(text.ToString()));
        Assert.True(result.IsValid, string.Join("; ", result.Errors));
        Assert.Equal("windows-1252", result.Encoding);
        Assert.Contains("SOCIÉTÉ", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InvalidUtf8AfterUtf8Was_Detected_IsReportedAsEncodingError()
    {
        var bytes = Encoding.UTF8.GetBytes("siret;raison_sociale\r\n10433218419605;Société\r\n01338908538633;X")
            .Concat(new byte[] { 0xE9, 0x0D, 0x0A }).ToArray();
        var (result, _) = await IngestAsync(bytes);
        Assert.False(result.IsValid);
        Assert.Contains(result.Errors, e => e.Code == "csv.bad-encoding");
    }

    [Fact]
    public async Task EveryBadLine_IsReported_WithFileLineNumbers()
    {
        var (result, _) = await IngestAsync(
            "siret;raison_sociale;code_naf;effectif;code_postal\n" +
            "10433218419605;A;10.71C;12;53000\n" +
            "\n" +
            "1043321841960;B;1071C;1 200;5300\n" +
            ";C;;;\n" +
            "10433218419605;D;;;\n");
        Assert.False(result.IsValid);
        var found = result.Errors.Select(e => (e.Line, e.Column, e.Code)).ToList();
        Assert.Contains((4L, "siret", "csv.bad-siret"), found);
        Assert.Contains((4L, "code_naf", "csv.bad-naf"), found);
        Assert.Contains((4L, "effectif", "csv.bad-integer"), found);
        Assert.Contains((4L, "code_postal", "csv.bad-postal-code"), found);
        Assert.Contains((5L, "siret", "csv.required"), found);
        Assert.Contains((6L, "siret", "csv.duplicate-siret"), found);
        Assert.Equal(6, result.ErrorCount);
        Assert.Contains("ligne 2", result.Errors.Single(e => e.Code == "csv.duplicate-siret").Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("", "csv.empty")]
    [InlineData("siret;raison_sociale\r\n", "csv.no-rows")]
    [InlineData("siret;raison_sociale;inconnue\r\n10433218419605;A;x\r\n", "csv.unknown-column")]
    [InlineData("raison_sociale\r\nA\r\n", "csv.missing-column")]
    [InlineData("siret;siret\r\n10433218419605;10433218419605\r\n", "csv.duplicate-column")]
    [InlineData("raison_sociale;siret\r\nA;10433218419605\r\n", "csv.column-order")]
    [InlineData("siret\traison_sociale\r\n10433218419605\tA\r\n", "csv.bad-delimiter")]
    [InlineData("siret;raison_sociale\r\n10433218419605;\"A\r\nB\"\r\n", "csv.bad-quotes")]
    [InlineData("siret;raison_sociale\r\n10433218419605;A\"B\r\n", "csv.bad-quotes")]
    [InlineData("siret;raison_sociale\r\n10433218419605\r\n", "csv.field-count")]
    [InlineData("siret;raison_sociale\r\n10433218419605;A;extra\r\n", "csv.field-count")]
    [InlineData("siret;raison_sociale\r\n10433218419605;A\u200BB\r\n", "csv.bad-character")]
    [InlineData("siret;raison_sociale\r\n10433218419605;A\u202EB\r\n", "csv.bad-character")]
    [InlineData("siret;raison_sociale\r\n10433218419605;A\0B\r\n", "csv.bad-character")]
    [InlineData("siret;raison_sociale\r\n10433218419605;A\uFEFFB\r\n", "csv.bad-character")]
    public async Task BadFiles_AreRefused_WithTheirCode(string text, string code)
    {
        var (result, _) = await IngestAsync(text);
        Assert.False(result.IsValid);
        Assert.Contains(result.Errors, e => e.Code == code);
    }

    [Fact]
    public async Task TooLongCell_IsRefused()
    {
        var (result, _) = await IngestAsync("siret;raison_sociale\r\n10433218419605;" + new string('A', 201) + "\r\n");
        Assert.Contains(result.Errors, e => e.Code == "csv.too-long" && e.Line == 2);
    }

    [Fact]
    public async Task RowLimit_IsEnforced()
    {
        var (result, _) = await IngestAsync("siret\r\n10433218419605\r\n01338908538633\r\n79402654223514\r\n", options: new CsvIngestOptions { MaxRows = 2 });
        Assert.Contains(result.Errors, e => e.Code == "csv.too-many-rows" && e.Line == 4);
    }

    [Fact]
    public async Task ErrorList_IsCapped_ButEveryErrorIsCounted()
    {
        var text = new StringBuilder("siret\r\n");
        for (var i = 0; i < 50; i++)
        {
            text.Append("123\r\n");
        }
        var (result, _) = await IngestAsync(text.ToString(), options: new CsvIngestOptions { MaxReportedErrors = 10 });
        Assert.Equal(10, result.Errors.Count);
        Assert.Equal(50, result.ErrorCount);
    }

    [Fact]
    public async Task OptionalColumns_MayBeLeftOut_AndAreEmptyInTheOutput()
    {
        var (result, output) = await IngestAsync("siret;effectif\r\n10433218419605;12\r\n");
        Assert.True(result.IsValid, string.Join("; ", result.Errors));
        Assert.Contains("10433218419605;;;12;\r\n", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HeaderNames_AreMatchedWithoutCaseOrSurroundingSpaces()
    {
        var (result, _) = await IngestAsync("SIRET ; Raison_Sociale\r\n10433218419605;A\r\n");
        Assert.True(result.IsValid, string.Join("; ", result.Errors));
    }

    [Fact]
    public async Task FormulaCells_AreEscapedInOutput()
    {
        var (result, output) = await IngestAsync("siret;raison_sociale\r\n10433218419605;=1+1\r\n01338908538633;-2+3\r\n");
        Assert.True(result.IsValid);
        Assert.Contains("\"'=1+1\"", output, StringComparison.Ordinal);
        Assert.Contains("\"'-2+3\"", output, StringComparison.Ordinal);
    }
}
