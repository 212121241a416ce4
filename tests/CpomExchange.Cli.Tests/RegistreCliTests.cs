using CpomExchange.Rules.Policies;
using CpomExchange.Rules.Registre;
using CpomExchange.Tests.Shared;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Spreadsheet;

namespace CpomExchange.Cli.Tests;

/// <summary><c>cpom registre</c> (offline, from the policy files) and <c>cpom policy history</c> (from the gateway).</summary>
public sealed class RegistreCliTests(GatewayFixture gateway) : IClassFixture<GatewayFixture>, IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("cpom-registre-").FullName;

    public void Dispose() => Directory.Delete(_work, recursive: true);

    [Fact]
    public async Task Registre_WritesTheSpreadsheetOfTheOrganisation_OneRowPerProcessing()
    {
        var file = Path.Combine(_work, "registre-prevy.xlsx");
        var result = await CliRunner.RunAsync("registre", "--org", "prevy", "-o", file, "--day", "2026-03-02", "--policies", TestPaths.Policies);
        Assert.True(result.Exit == ExitCodes.Ok, result.Err);
        Assert.Contains("Registre de PREVY écrit", result.Out, StringComparison.Ordinal);
        var expected = RegistreBuilder.Build(PolicyLoader.Load(TestPaths.Policies), "prevy", new DateOnly(2026, 3, 2), DateTimeOffset.UtcNow);
        Assert.NotEmpty(expected.Entries);
        using var document = SpreadsheetDocument.Open(file, isEditable: false);
        var sheet = document.WorkbookPart!.Workbook.Sheets!.Elements<Sheet>().Single(s => s.Name == "Traitements");
        var rows = ((WorksheetPart)document.WorkbookPart.GetPartById(sheet.Id!)).Worksheet.Descendants<Row>().ToList();
        Assert.Equal(expected.Entries.Count + 1, rows.Count);
        Assert.False(File.Exists(file + ".part"));
    }

    [Fact]
    public async Task Registre_InMarkdown_FromTheExtension()
    {
        var file = Path.Combine(_work, "registre.md");
        var result = await CliRunner.RunAsync("registre", "--org", "cist971", "-o", file, "--policies", TestPaths.Policies);
        Assert.True(result.Exit == ExitCodes.Ok, result.Err);
        Assert.StartsWith("# Registre des activités de traitement — CIST 97.1", await File.ReadAllTextAsync(file), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Registre_ForAnUnknownOrganisation_IsAUsageError_AndWritesNothing()
    {
        var file = Path.Combine(_work, "registre.json");
        var result = await CliRunner.RunAsync("registre", "--org", "prevyy", "-o", file, "--policies", TestPaths.Policies);
        Assert.Equal(ExitCodes.Usage, result.Exit);
        Assert.Contains("Organisation « prevyy » inconnue. Vouliez-vous dire « prevy » ?", result.Err, StringComparison.Ordinal);
        Assert.False(File.Exists(file));
    }

    [Fact]
    public async Task Registre_DoesNotOverwriteAFile_WithoutForce()
    {
        var file = Path.Combine(_work, "existant.json");
        await File.WriteAllTextAsync(file, "garde-moi");
        var result = await CliRunner.RunAsync("registre", "--org", "prevy", "-o", file, "--policies", TestPaths.Policies);
        Assert.Equal(ExitCodes.Usage, result.Exit);
        Assert.Equal("garde-moi", await File.ReadAllTextAsync(file));
    }

    [Fact]
    public async Task PolicyHistory_ListsTheVersionTheGatewayRuns()
    {
        var hash = PolicyLoader.Load(TestPaths.Policies).Hash;
        var result = await CliRunner.RunAsync("policy", "history", "--as", "prevy-dpo", "--home", gateway.Home, "--gateway", gateway.BaseAddress.ToString());
        Assert.True(result.Exit == ExitCodes.Ok, result.Err);
        Assert.Contains(hash[..16] + " (en vigueur)", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ALogWrittenBeforeEntriesNamedThePolicy_StillVerifiesOffline_AndAnEditToItIsCaught()
    {
        var legacy = Path.Combine(TestPaths.RepositoryRoot, "tests", "Legacy", "log-v1", "journal-prevy.jsonl");
        var lines = await File.ReadAllLinesAsync(legacy);
        Assert.DoesNotContain(lines, l => l.Contains("\"policy\"", StringComparison.Ordinal));
        var ok = await CliRunner.RunAsync("audit", "verify", legacy);
        Assert.True(ok.Exit == ExitCodes.Ok, ok.Err);
        Assert.Contains("Journal intègre", ok.Out, StringComparison.Ordinal);
        var index = Array.FindIndex(lines, l => l.Contains("\"action\":\"upload\"", StringComparison.Ordinal));
        lines[index] = lines[index].Replace("\"prevy-agent\"", "\"quelqu-un\"", StringComparison.Ordinal);
        var edited = Path.Combine(_work, "modifie.jsonl");
        await File.WriteAllLinesAsync(edited, lines);
        Assert.Equal(ExitCodes.Integrity, (await CliRunner.RunAsync("audit", "verify", edited)).Exit);
    }

    [Fact]
    public async Task PolicyHistory_IsRefusedToAnAgent()
    {
        var result = await CliRunner.RunAsync("policy", "history", "--as", "prevy-agent", "--home", gateway.Home, "--gateway", gateway.BaseAddress.ToString());
        Assert.Equal(ExitCodes.Refused, result.Exit);
    }
}
