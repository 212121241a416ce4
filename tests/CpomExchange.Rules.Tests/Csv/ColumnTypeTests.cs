using System.Text;
using CpomExchange.Rules.Csv;
using CpomExchange.Rules.Policies;
using CpomExchange.Tests.Shared;
using CsvHelper;

namespace CpomExchange.Rules.Tests.Csv;

/// <summary>
/// Every column type of exchanges.yaml: what it accepts, how it is written out (normalised), and the
/// error code of what it refuses. Then every sample file against its exchange's schema.
/// </summary>
public sealed class ColumnTypeTests
{
    private const string Reference = "ds_0123456789abcdef0123456789abcdef";

    private static readonly PolicySet Catalogue = PolicyLoader.Load(TestPaths.Policies);

    /// <summary>A file with a key column <c>id</c> and the column under test <c>c</c>.</summary>
    private static CsvSchema Schema(ColumnSpec spec) => new("t", [new ColumnSpec("id", ColumnKind.Text, Required: true), spec]);

    private static ColumnSpec Column(ColumnKind kind) =>
        new("c", kind, Required: true, Values: kind == ColumnKind.Enum ? ["TMS_PROS", "RPS", "CHIMIQUE"] : null);

    private static async Task<(CsvIngestResult Result, string Output)> IngestAsync(CsvSchema schema, string text)
    {
        using var output = new MemoryStream();
        CsvIngestResult result;
        await using (var writer = CsvWriter.Create(output, CsvIngestor.OutputOptions, leaveOpen: true))
        {
            result = await CsvIngestor.IngestAsync(new MemoryStream(new UTF8Encoding(false).GetBytes(text)), schema, writer);
        }
        return (result, Encoding.UTF8.GetString(output.ToArray()));
    }

    private static Task<(CsvIngestResult Result, string Output)> IngestCellsAsync(ColumnSpec spec, params string[] cells) =>
        IngestAsync(Schema(spec), $"id;{spec.Name}\r\n" + string.Concat(cells.Select((c, i) => $"{i + 1};{c}\r\n")));

    private static string Errors(CsvIngestResult result) => string.Join("; ", result.Errors);

    [Theory]
    [InlineData(ColumnKind.Text, "Boulangerie du Centre", "Boulangerie du Centre")]
    [InlineData(ColumnKind.Text, "  espaces autour  ", "espaces autour")]
    [InlineData(ColumnKind.Text, "SOCIÉTÉ « L'ÉCHO »", "SOCIÉTÉ « L'ÉCHO »")]
    [InlineData(ColumnKind.Siret, "10433218419605", "10433218419605")]
    [InlineData(ColumnKind.Siret, "104 332 184 19605", "10433218419605")]
    [InlineData(ColumnKind.Siret, "104\u00A0332\u00A0184\u00A019605", "10433218419605")]
    [InlineData(ColumnKind.Siret, "01338908538633", "01338908538633")]
    [InlineData(ColumnKind.Siret, "356 000 000 00048", "35600000000048")] // La Poste's head office: Luhn
    [InlineData(ColumnKind.Siret, "35600000009075", "35600000009075")] // another La Poste establishment: digit sum multiple of 5
    [InlineData(ColumnKind.Nir, "293116562420460", "293116562420460")]
    [InlineData(ColumnKind.Nir, "1 85 05 78 006 084 91", "185057800608491")]
    [InlineData(ColumnKind.Nir, "255082A00100187", "255082A00100187")] // Corsica 2A: key computed with 19
    [InlineData(ColumnKind.Nir, "255082a00100187", "255082A00100187")]
    [InlineData(ColumnKind.Nir, "2 55 08 2B 001 001 17", "255082B00100117")] // Corsica 2B: key computed with 18
    [InlineData(ColumnKind.Integer, "0", "0")]
    [InlineData(ColumnKind.Integer, "74208", "74208")]
    [InlineData(ColumnKind.Integer, "007", "007")]
    [InlineData(ColumnKind.Integer, "123456789", "123456789")]
    [InlineData(ColumnKind.Decimal, "28,8", "28,8")]
    [InlineData(ColumnKind.Decimal, "28.8", "28,8")]
    [InlineData(ColumnKind.Decimal, "0", "0")]
    [InlineData(ColumnKind.Decimal, "94", "94")]
    [InlineData(ColumnKind.Decimal, "0.125", "0,125")]
    [InlineData(ColumnKind.Decimal, "123456789012,123456", "123456789012,123456")]
    [InlineData(ColumnKind.Date, "31/12/2025", "31/12/2025")]
    [InlineData(ColumnKind.Date, "2025-12-31", "31/12/2025")]
    [InlineData(ColumnKind.Date, "29/02/2024", "29/02/2024")]
    [InlineData(ColumnKind.Date, "2024-02-29", "29/02/2024")]
    [InlineData(ColumnKind.Date, "01/01/1900", "01/01/1900")]
    [InlineData(ColumnKind.Date, "31/12/2100", "31/12/2100")]
    [InlineData(ColumnKind.Year, "2025", "2025")]
    [InlineData(ColumnKind.Year, "2000", "2000")]
    [InlineData(ColumnKind.Year, "2100", "2100")]
    [InlineData(ColumnKind.Enum, "RPS", "RPS")]
    [InlineData(ColumnKind.Enum, "rps", "RPS")]
    [InlineData(ColumnKind.Enum, "Tms_Pros", "TMS_PROS")]
    [InlineData(ColumnKind.Enum, "chimique", "CHIMIQUE")]
    [InlineData(ColumnKind.NafCode, "86.21Z", "86.21Z")]
    [InlineData(ColumnKind.NafCode, "10.71c", "10.71C")]
    [InlineData(ColumnKind.PostalCode, "53000", "53000")]
    [InlineData(ColumnKind.PostalCode, "01000", "01000")]
    [InlineData(ColumnKind.PostalCode, "97110", "97110")]
    [InlineData(ColumnKind.Email, "c.morel@carsat.example", "c.morel@carsat.example")]
    [InlineData(ColumnKind.Email, "cellule-pdp+38@spsti.example.fr", "cellule-pdp+38@spsti.example.fr")]
    [InlineData(ColumnKind.Phone, "02 00 00 00 01", "02 00 00 00 01")]
    [InlineData(ColumnKind.Phone, "0200000001", "0200000001")]
    [InlineData(ColumnKind.Phone, "02.00.00.00.01", "02.00.00.00.01")]
    [InlineData(ColumnKind.Phone, "02-00-00-00-01", "02-00-00-00-01")]
    [InlineData(ColumnKind.Phone, "0590 00 00 01", "0590 00 00 01")]
    [InlineData(ColumnKind.Reference, Reference, Reference)]
    [InlineData(ColumnKind.RowReference, Reference + ":1", Reference + ":1")]
    [InlineData(ColumnKind.RowReference, Reference + ":123456789", Reference + ":123456789")]
    public async Task ValidCell_IsAccepted_AndWrittenNormalised(ColumnKind kind, string cell, string normalised)
    {
        var (result, output) = await IngestCellsAsync(Column(kind), cell);
        Assert.True(result.IsValid, Errors(result));
        Assert.Equal($"\uFEFFid;c\r\n1;{normalised}\r\n", output);
    }

    [Fact]
    public async Task InternationalPhone_IsAccepted_AndEscapedForSpreadsheets()
    {
        // A cell starting with + is a formula to Excel: it is written with a leading apostrophe.
        var (result, output) = await IngestCellsAsync(Column(ColumnKind.Phone), "+33 2 00 00 00 01");
        Assert.True(result.IsValid, Errors(result));
        Assert.Equal("\uFEFFid;c\r\n1;\"'+33 2 00 00 00 01\"\r\n", output);
    }

    [Theory]
    [InlineData(ColumnKind.Siret, "10433218419606", "csv.bad-siret")] // bad checksum
    [InlineData(ColumnKind.Siret, "1043321841960", "csv.bad-siret")] // 13 digits
    [InlineData(ColumnKind.Siret, "104332184196050", "csv.bad-siret")] // 15 digits
    [InlineData(ColumnKind.Siret, "1043321841960A", "csv.bad-siret")]
    [InlineData(ColumnKind.Siret, "10433218-419605", "csv.bad-siret")]
    [InlineData(ColumnKind.Siret, "35600000009076", "csv.bad-siret")] // La Poste, digit sum not a multiple of 5
    [InlineData(ColumnKind.Nir, "293116562420461", "csv.bad-nir")] // wrong key
    [InlineData(ColumnKind.Nir, "29311656242046", "csv.bad-nir")] // 14 characters
    [InlineData(ColumnKind.Nir, "2931165624204600", "csv.bad-nir")] // 16 characters
    [InlineData(ColumnKind.Nir, "255082C00100187", "csv.bad-nir")] // no department 2C
    [InlineData(ColumnKind.Nir, "255082A00100117", "csv.bad-nir")] // 2B's key with 2A
    [InlineData(ColumnKind.Nir, "2931165624204AB", "csv.bad-nir")]
    [InlineData(ColumnKind.Integer, "-3", "csv.bad-integer")]
    [InlineData(ColumnKind.Integer, "+3", "csv.bad-integer")]
    [InlineData(ColumnKind.Integer, "1 200", "csv.bad-integer")]
    [InlineData(ColumnKind.Integer, "1.5", "csv.bad-integer")]
    [InlineData(ColumnKind.Integer, "12,0", "csv.bad-integer")]
    [InlineData(ColumnKind.Integer, "1234567890", "csv.bad-integer")] // 10 digits
    [InlineData(ColumnKind.Integer, "douze", "csv.bad-integer")]
    [InlineData(ColumnKind.Integer, "\u0661\u0662", "csv.bad-integer")] // Arabic-Indic digits
    [InlineData(ColumnKind.Decimal, "28,8,1", "csv.bad-decimal")]
    [InlineData(ColumnKind.Decimal, "28.8.1", "csv.bad-decimal")]
    [InlineData(ColumnKind.Decimal, "1 000,5", "csv.bad-decimal")]
    [InlineData(ColumnKind.Decimal, "-1,5", "csv.bad-decimal")]
    [InlineData(ColumnKind.Decimal, "28,", "csv.bad-decimal")]
    [InlineData(ColumnKind.Decimal, ",5", "csv.bad-decimal")]
    [InlineData(ColumnKind.Decimal, "1e3", "csv.bad-decimal")]
    [InlineData(ColumnKind.Decimal, "1,1234567", "csv.bad-decimal")] // 7 decimals
    [InlineData(ColumnKind.Decimal, "1234567890123", "csv.bad-decimal")] // 13 digits
    [InlineData(ColumnKind.Date, "31/02/2025", "csv.bad-date")]
    [InlineData(ColumnKind.Date, "29/02/2025", "csv.bad-date")] // 2025 is not a leap year
    [InlineData(ColumnKind.Date, "2025-02-30", "csv.bad-date")]
    [InlineData(ColumnKind.Date, "31/04/2025", "csv.bad-date")]
    [InlineData(ColumnKind.Date, "32/01/2025", "csv.bad-date")]
    [InlineData(ColumnKind.Date, "31/13/2025", "csv.bad-date")]
    [InlineData(ColumnKind.Date, "12/31/2025", "csv.bad-date")] // American order
    [InlineData(ColumnKind.Date, "31-12-2025", "csv.bad-date")]
    [InlineData(ColumnKind.Date, "2025/12/31", "csv.bad-date")]
    [InlineData(ColumnKind.Date, "31/12/25", "csv.bad-date")]
    [InlineData(ColumnKind.Date, "31/12/1899", "csv.bad-date")]
    [InlineData(ColumnKind.Date, "01/01/2101", "csv.bad-date")]
    [InlineData(ColumnKind.Date, "2025-12-31T10:00", "csv.bad-date")]
    [InlineData(ColumnKind.Date, "hier", "csv.bad-date")]
    [InlineData(ColumnKind.Year, "1999", "csv.bad-year")]
    [InlineData(ColumnKind.Year, "2101", "csv.bad-year")]
    [InlineData(ColumnKind.Year, "25", "csv.bad-year")]
    [InlineData(ColumnKind.Year, "20250", "csv.bad-year")]
    [InlineData(ColumnKind.Year, "+202", "csv.bad-year")]
    [InlineData(ColumnKind.Year, "2025,0", "csv.bad-year")]
    [InlineData(ColumnKind.Year, "\uFF12\uFF10\uFF12\uFF15", "csv.bad-year")] // full-width digits
    [InlineData(ColumnKind.Enum, "TMS", "csv.bad-code")]
    [InlineData(ColumnKind.Enum, "RPS2", "csv.bad-code")]
    [InlineData(ColumnKind.Enum, "R PS", "csv.bad-code")]
    [InlineData(ColumnKind.NafCode, "8621Z", "csv.bad-naf")]
    [InlineData(ColumnKind.NafCode, "86.21", "csv.bad-naf")]
    [InlineData(ColumnKind.NafCode, "86,21Z", "csv.bad-naf")]
    [InlineData(ColumnKind.NafCode, "86.2AZ", "csv.bad-naf")]
    [InlineData(ColumnKind.NafCode, "86.21ZZ", "csv.bad-naf")]
    [InlineData(ColumnKind.PostalCode, "5300", "csv.bad-postal-code")]
    [InlineData(ColumnKind.PostalCode, "530000", "csv.bad-postal-code")]
    [InlineData(ColumnKind.PostalCode, "53 000", "csv.bad-postal-code")]
    [InlineData(ColumnKind.PostalCode, "2A004", "csv.bad-postal-code")]
    [InlineData(ColumnKind.Email, "c.morel@", "csv.bad-email")]
    [InlineData(ColumnKind.Email, "@carsat.example", "csv.bad-email")]
    [InlineData(ColumnKind.Email, "c.morel@carsat", "csv.bad-email")]
    [InlineData(ColumnKind.Email, "c morel@carsat.example", "csv.bad-email")]
    [InlineData(ColumnKind.Email, "c@morel@carsat.example", "csv.bad-email")]
    [InlineData(ColumnKind.Email, "<c.morel@carsat.example>", "csv.bad-email")]
    [InlineData(ColumnKind.Email, "c.morel.carsat.example", "csv.bad-email")]
    [InlineData(ColumnKind.Phone, "12345", "csv.bad-phone")] // 5 digits
    [InlineData(ColumnKind.Phone, "0200000000000000", "csv.bad-phone")] // 16 digits
    [InlineData(ColumnKind.Phone, "(02) 00 00 00 01", "csv.bad-phone")]
    [InlineData(ColumnKind.Phone, "02 00 00 00 01 poste 3", "csv.bad-phone")]
    [InlineData(ColumnKind.Phone, "standard", "csv.bad-phone")]
    [InlineData(ColumnKind.Reference, "<id du signalement>", "csv.bad-reference")]
    [InlineData(ColumnKind.Reference, "ds_0123456789ABCDEF0123456789ABCDEF", "csv.bad-reference")] // upper-case hex
    [InlineData(ColumnKind.Reference, "DS_0123456789abcdef0123456789abcdef", "csv.bad-reference")]
    [InlineData(ColumnKind.Reference, "ds_0123456789abcdef0123456789abcde", "csv.bad-reference")] // 31 digits
    [InlineData(ColumnKind.Reference, "ds_0123456789abcdef0123456789abcdef0", "csv.bad-reference")] // 33 digits
    [InlineData(ColumnKind.Reference, "ds_0123456789abcdef0123456789abcdeg", "csv.bad-reference")]
    [InlineData(ColumnKind.Reference, "0123456789abcdef0123456789abcdef", "csv.bad-reference")]
    [InlineData(ColumnKind.Reference, "ds-0123456789abcdef0123456789abcdef", "csv.bad-reference")]
    // A retour names one person: the dataset and the row the gateway numbered, nothing less.
    [InlineData(ColumnKind.RowReference, Reference, "csv.bad-reference")]
    [InlineData(ColumnKind.RowReference, Reference + ":", "csv.bad-reference")]
    [InlineData(ColumnKind.RowReference, Reference + ":0", "csv.bad-reference")]
    [InlineData(ColumnKind.RowReference, Reference + ":01", "csv.bad-reference")]
    [InlineData(ColumnKind.RowReference, Reference + ":-1", "csv.bad-reference")]
    [InlineData(ColumnKind.RowReference, Reference + ":1234567890", "csv.bad-reference")] // 10 digits
    [InlineData(ColumnKind.RowReference, Reference + ":1:2", "csv.bad-reference")]
    [InlineData(ColumnKind.RowReference, "ds_0123456789ABCDEF0123456789ABCDEF:1", "csv.bad-reference")]
    [InlineData(ColumnKind.RowReference, "<id du signalement>:1", "csv.bad-reference")]
    public async Task InvalidCell_IsRefused_WithItsCode(ColumnKind kind, string cell, string code)
    {
        var (result, output) = await IngestCellsAsync(Column(kind), cell);
        Assert.False(result.IsValid);
        var error = Assert.Single(result.Errors);
        Assert.Equal((2L, "c", cell, code), (error.Line, error.Column, error.Value, error.Code));
        Assert.False(string.IsNullOrWhiteSpace(error.Reason));
        // Nothing of a refused row is written out.
        Assert.Equal("\uFEFFid;c\r\n", output);
    }

    [Theory]
    [InlineData(ColumnKind.Text)]
    [InlineData(ColumnKind.Siret)]
    [InlineData(ColumnKind.Nir)]
    [InlineData(ColumnKind.Integer)]
    [InlineData(ColumnKind.Decimal)]
    [InlineData(ColumnKind.Date)]
    [InlineData(ColumnKind.Year)]
    [InlineData(ColumnKind.Enum)]
    [InlineData(ColumnKind.NafCode)]
    [InlineData(ColumnKind.PostalCode)]
    [InlineData(ColumnKind.Email)]
    [InlineData(ColumnKind.Phone)]
    [InlineData(ColumnKind.Reference)]
    public async Task EmptyCell_OfARequiredColumn_IsRefused_AndOfAnOptionalOne_IsKeptEmpty(ColumnKind kind)
    {
        var (required, _) = await IngestCellsAsync(Column(kind), "");
        Assert.Equal("csv.required", Assert.Single(required.Errors).Code);

        var (optional, output) = await IngestCellsAsync(Column(kind) with { Required = false }, "");
        Assert.True(optional.IsValid, Errors(optional));
        Assert.Equal("\uFEFFid;c\r\n1;\r\n", output);
    }

    [Theory]
    [InlineData("602MB", true)]
    [InlineData("853AA", true)]
    [InlineData("60MB", false)]
    [InlineData("602mb", false)]
    [InlineData("602MB1", false)]
    [InlineData("X602MB", false)]
    public async Task TextWithPattern_AcceptsOnlyWhatMatches_AndGivesThePolicyMessage(string cell, bool valid)
    {
        var spec = new ColumnSpec("c", ColumnKind.Text, Required: true, MaxLength: 10, Pattern: "^[0-9]{3}[A-Z0-9]{2}$", Message: "Code risque attendu sous la forme 602MB.");
        var (result, output) = await IngestCellsAsync(spec, cell);
        if (valid)
        {
            Assert.True(result.IsValid, Errors(result));
            Assert.Equal($"\uFEFFid;c\r\n1;{cell}\r\n", output);
        }
        else
        {
            var error = Assert.Single(result.Errors);
            Assert.Equal(("csv.bad-format", cell, "Code risque attendu sous la forme 602MB."), (error.Code, error.Value, error.Reason));
        }
    }

    [Fact]
    public async Task Pattern_IsMatchedAgainstTheNormalisedValue()
    {
        // The date is normalised to JJ/MM/AAAA before the pattern is tried: "only in December".
        var spec = new ColumnSpec("c", ColumnKind.Date, Required: true, Pattern: "^[0-9]{2}/12/[0-9]{4}$");
        var (result, output) = await IngestCellsAsync(spec, "2025-12-31", "31/01/2025");
        Assert.Equal("csv.bad-format", Assert.Single(result.Errors).Code);
        Assert.Equal(3L, Assert.Single(result.Errors).Line);
        Assert.Contains("1;31/12/2025\r\n", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TextLongerThanMaxLength_IsRefused()
    {
        var spec = new ColumnSpec("c", ColumnKind.Text, Required: true, MaxLength: 5);
        var (result, _) = await IngestCellsAsync(spec, "12345", "123456");
        var error = Assert.Single(result.Errors);
        Assert.Equal((3L, "csv.too-long"), (error.Line, error.Code));
    }

    [Fact]
    public async Task EnumFromTheCatalogue_IsWrittenAsListed()
    {
        // The programme list of exchanges.yaml, through the entreprises-ciblees schema.
        var schema = Catalogue.Exchanges["entreprises-ciblees"].Schema;
        var (result, output) = await IngestAsync(schema, "siret;programme;statut\r\n79402654223514;tms_pros;SUIVIE\r\n");
        Assert.True(result.IsValid, Errors(result));
        Assert.Contains("79402654223514;;TMS_PROS;;;;;suivie\r\n", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(ColumnKind.Text, "A", "A")]
    [InlineData(ColumnKind.Text, "même texte", "même texte")]
    [InlineData(ColumnKind.Enum, "rps", "RPS")] // compared once normalised
    [InlineData(ColumnKind.Date, "2025-12-31", "31/12/2025")]
    [InlineData(ColumnKind.Decimal, "28.8", "28,8")]
    [InlineData(ColumnKind.Reference, Reference, Reference)]
    public async Task UniqueColumn_NotSiret_RefusesTheSecondOccurrence_WithDuplicateValue(ColumnKind kind, string first, string second)
    {
        var spec = Column(kind) with { Unique = true };
        var (result, _) = await IngestCellsAsync(spec, first, second);
        var error = Assert.Single(result.Errors);
        Assert.Equal((3L, "c", "csv.duplicate-value"), (error.Line, error.Column, error.Code));
        Assert.Contains("ligne 2", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UniqueColumn_AcceptsDistinctValues_AndANonUniqueColumnRepeats()
    {
        var (unique, _) = await IngestCellsAsync(Column(ColumnKind.Text) with { Unique = true }, "A", "B", "a");
        Assert.True(unique.IsValid, Errors(unique));
        var (repeated, _) = await IngestCellsAsync(Column(ColumnKind.Text), "A", "A");
        Assert.True(repeated.IsValid, Errors(repeated));
    }

    [Fact]
    public async Task UniqueColumn_WithAPolicyMessage_StillSaysTheValueIsADuplicate()
    {
        // The policy's message explains the column's format; a duplicate is not a format problem.
        var spec = new ColumnSpec("c", ColumnKind.Text, Required: true, Unique: true, Pattern: "^[0-9]{3}[A-Z0-9]{2}$", Message: "Code risque attendu sous la forme 602MB.");
        var (result, _) = await IngestCellsAsync(spec, "602MB", "602MB");
        var error = Assert.Single(result.Errors);
        Assert.Equal("csv.duplicate-value", error.Code);
        Assert.Contains("ligne 2", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UniqueSiret_StillReportsDuplicateSiret()
    {
        var (result, _) = await IngestCellsAsync(Column(ColumnKind.Siret) with { Unique = true }, "10433218419605", "104 332 184 19605");
        Assert.Equal("csv.duplicate-siret", Assert.Single(result.Errors).Code);
    }

    [Theory]
    [InlineData("293116562420461", "csv.bad-nir")]
    [InlineData("2931165624204", "csv.bad-nir")]
    [InlineData("293116562420460\u200B", "csv.bad-character")]
    [InlineData("2931165624204602931165624204602931165624204", "csv.too-long")]
    public async Task PseudonymisedColumn_NeverEchoesItsValue(string cell, string code)
    {
        var spec = new ColumnSpec("nir", ColumnKind.Nir, Required: true, MaxLength: 20, Unique: true, Pseudonymised: true);
        var (result, _) = await IngestCellsAsync(spec, cell);
        var error = Assert.Single(result.Errors);
        Assert.Equal(code, error.Code);
        Assert.Null(error.Value);
        Assert.DoesNotContain("2931165624204", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task PseudonymisedColumn_Duplicate_NeverEchoesItsValue()
    {
        // The same person twice, written two ways.
        var spec = new ColumnSpec("nir", ColumnKind.Nir, Required: true, Unique: true, Pseudonymised: true);
        var (result, _) = await IngestCellsAsync(spec, "293116562420460", "2 93 11 65 624 204 60");
        var error = Assert.Single(result.Errors);
        Assert.Equal(("csv.duplicate-value", (string?)null), (error.Code, error.Value));
        Assert.DoesNotContain("2931165624204", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SignalementsSchema_KeepsTheNirOutOfReports()
    {
        var schema = Catalogue.Exchanges["signalements-pdp"].Schema;
        Assert.True(schema.Find("nir")!.Pseudonymised);
        var text = (await File.ReadAllTextAsync(Path.Combine(TestPaths.Samples, "signalements-pdp.csv"))).Replace("293116562420460", "293116562420461", StringComparison.Ordinal);
        var (result, _) = await IngestAsync(schema, text);
        var error = Assert.Single(result.Errors);
        Assert.Equal(("nir", "csv.bad-nir", (string?)null), (error.Column, error.Code, error.Value));
    }

    // ---- the sample files ----

    [Theory]
    [InlineData("adherents.csv", "adherents")]
    [InlineData("adherents-excel-1252.csv", "adherents")]
    [InlineData("sinistralite.csv", "sinistralite")]
    [InlineData("entreprises-ciblees.csv", "entreprises-ciblees")]
    [InlineData("suivi-entreprises.csv", "suivi-entreprises")]
    [InlineData("alertes-risque.csv", "alertes-risque")]
    [InlineData("actions-entreprises.csv", "actions-entreprises")]
    [InlineData("signalements-pdp.csv", "signalements-pdp")]
    [InlineData("indicateurs.csv", "indicateurs")]
    [InlineData("entreprises-forte-sinistralite.csv", "entreprises-forte-sinistralite")]
    [InlineData("cible-spsti.csv", "cible-spsti")]
    public async Task SampleFile_IsValid_AgainstItsExchangeSchema(string file, string exchange)
    {
        var path = Path.Combine(TestPaths.Samples, file);
        var schema = Catalogue.Exchanges[exchange].Schema;
        using var output = new MemoryStream();
        CsvIngestResult result;
        await using (var writer = CsvWriter.Create(output, CsvIngestor.OutputOptions, leaveOpen: true))
        {
            await using var input = File.OpenRead(path);
            result = await CsvIngestor.IngestAsync(input, schema, writer);
        }
        Assert.True(result.IsValid, Errors(result));
        var dataLines = File.ReadAllLines(path).Skip(1).Count(l => l.Trim(';', ' ').Length > 0);
        Assert.Equal(dataLines, result.Rows);
        var written = Encoding.UTF8.GetString(output.ToArray());
        Assert.StartsWith("\uFEFF" + string.Join(";", schema.Columns.Select(c => c.Name)) + "\r\n", written, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RetourSignalementSample_WithItsPlaceholder_IsRefused_WithBadReference()
    {
        var schema = Catalogue.Exchanges["retour-signalement"].Schema;
        var text = await File.ReadAllTextAsync(Path.Combine(TestPaths.Samples, "retour-signalement.csv"));
        Assert.Contains("<id du signalement>", text, StringComparison.Ordinal);

        var (refused, _) = await IngestAsync(schema, text);
        var error = Assert.Single(refused.Errors);
        Assert.Equal((2L, "reference", "csv.bad-reference"), (error.Line, error.Column, error.Code));

        var (accepted, output) = await IngestAsync(schema, text.Replace("<id du signalement>", Reference, StringComparison.Ordinal));
        Assert.True(accepted.IsValid, Errors(accepted));
        Assert.Equal(1, accepted.Rows);
        // A retour answers one person: the signalement's identifier and that person's row in it.
        Assert.Contains($"\r\n{Reference}:1;PRIS_EN_CHARGE;20/01/2026;", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SuiteAlerteSample_WithItsPlaceholder_IsRefused_WithBadReference()
    {
        var schema = Catalogue.Exchanges["suite-alerte"].Schema;
        var text = await File.ReadAllTextAsync(Path.Combine(TestPaths.Samples, "suite-alerte.csv"));
        Assert.Contains("<id de l'alerte>", text, StringComparison.Ordinal);

        var (refused, _) = await IngestAsync(schema, text);
        var error = Assert.Single(refused.Errors);
        Assert.Equal((2L, "reference", "csv.bad-reference"), (error.Line, error.Column, error.Code));

        var (accepted, output) = await IngestAsync(schema, text.Replace("<id de l'alerte>", Reference, StringComparison.Ordinal));
        Assert.True(accepted.IsValid, Errors(accepted));
        Assert.Equal(1, accepted.Rows);
        // A suite answers one alert line: the alert's identifier, that line, and the line's company.
        Assert.Contains($"\r\n{Reference}:1;92832764283508;A_L_ETUDE;RPS;20/03/2026;", output, StringComparison.Ordinal);
    }
}
