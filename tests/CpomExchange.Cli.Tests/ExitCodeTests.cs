using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using CpomExchange.Tests.Shared;

namespace CpomExchange.Cli.Tests;

/// <summary>
/// The exit codes (issue 16.7): the README's table is the reference, every code is reached by a real
/// situation, and the same mistake gives the same code whichever command makes it.
/// </summary>
public sealed partial class ExitCodeTests(GatewayFixture gateway) : IClassFixture<GatewayFixture>, IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("cpom-cli-exit-").FullName;

    public void Dispose() => Directory.Delete(_work, recursive: true);

    private string[] As(string identity, params string[] args) =>
        [.. args, "--as", identity, "--home", gateway.Home, "--gateway", gateway.BaseAddress.ToString()];

    private static string Sample(string name) => Path.Combine(GatewayFixture.SamplesDirectory, name);

    /// <summary>The values of <see cref="ExitCodes"/>.</summary>
    public static IEnumerable<int> Codes() =>
        typeof(ExitCodes).GetFields(BindingFlags.Public | BindingFlags.Static).Select(f => (int)f.GetValue(null)!).Order();

    /// <summary>The rows of the README's table of cpom's exit codes.</summary>
    private static Dictionary<int, string> ReadmeTable()
    {
        var lines = File.ReadAllLines(Path.Combine(TestPaths.RepositoryRoot, "README.md"));
        var start = Array.FindIndex(lines, l => l.StartsWith("Exit codes of `cpom`", StringComparison.Ordinal));
        Assert.True(start >= 0, "README: no « Exit codes of `cpom` » table");
        return lines.Skip(start + 1).SkipWhile(l => !l.StartsWith('|')).TakeWhile(l => l.StartsWith('|'))
            .Select(l => Row().Match(l)).Where(m => m.Success)
            .ToDictionary(m => int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), m => m.Groups[2].Value);
    }

    [GeneratedRegex(@"^\| ([0-9]+) \| (.+) \|$")]
    private static partial Regex Row();

    [Fact]
    public void TheReadmeTable_HasEveryCode_AndOnlyThem()
    {
        var table = ReadmeTable();
        Assert.Equal(Codes(), table.Keys.Order());
        Assert.Contains("400", table[ExitCodes.Usage], StringComparison.Ordinal);
        Assert.Contains("--force", table[ExitCodes.Usage], StringComparison.Ordinal);
        Assert.Contains("422", table[ExitCodes.InvalidFile], StringComparison.Ordinal);
        Assert.Contains("403", table[ExitCodes.Refused], StringComparison.Ordinal);
        Assert.Contains("410", table[ExitCodes.NotFound], StringComparison.Ordinal);
        Assert.Contains("5xx", table[ExitCodes.ServerError], StringComparison.Ordinal);
        Assert.Contains("SHA-256", table[ExitCodes.Integrity], StringComparison.Ordinal);
        Assert.Contains("confirmation", table[ExitCodes.Cancelled], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Done_0()
    {
        Assert.Equal(ExitCodes.Ok, (await CliRunner.RunAsync("validate", Sample("adherents.csv"), "--type", "adherents")).Exit);
        Assert.Equal(ExitCodes.Ok, (await CliRunner.RunAsync(As("prevy-agent", "inbox"))).Exit);
    }

    [Fact]
    public async Task Unexpected_1_AnAnswerNoGatewayGives_IsOneLine()
    {
        await using var proxy = await CheckpointProxy.StartAsync(gateway, "prevy-dpo");
        proxy.Rewrite = _ => Task.FromResult(new JsonArray(new JsonObject { ["treeSize"] = "beaucoup" }));
        var result = await CliRunner.RunAsync("audit", "verify", "--as", "prevy-dpo", "--home", gateway.Home, "--gateway", proxy.BaseAddress.ToString());
        Assert.Equal(ExitCodes.Error, result.Exit);
        Assert.StartsWith("Erreur inattendue (", result.Err, StringComparison.Ordinal);
        Assert.Single(result.Err.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    public static TheoryData<string, string[]> UnknownType() => new()
    {
        { "validate", ["validate", "{adherents}", "--type", "adherent"] },
        { "upload", ["upload", "{adherents}", "--type", "adherent", "--to", "carsat-lr", "--purpose", "sinistralite"] },
    };

    [Theory]
    [MemberData(nameof(UnknownType))]
    public async Task Usage_2_AnUnknownType_WhicheverCommandNoticesIt(string command, string[] args)
    {
        var full = args.Select(a => a == "{adherents}" ? Sample("adherents.csv") : a).ToArray();
        var result = await CliRunner.RunAsync(command == "validate" ? full : As("prevy-agent", full));
        Assert.Equal(ExitCodes.Usage, result.Exit);
        Assert.Contains("« adherent » inconnu", result.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Usage_2_AnUnknownPurpose_InUploadDownloadAndAcknowledge()
    {
        var upload = await CliRunner.RunAsync(As("prevy-agent", "upload", Sample("adherents.csv"), "--type", "adherents", "--to", "carsat-lr", "--purpose", "sinistralité"));
        var sent = await CliRunner.RunAsync(As("prevy-agent", "upload", Sample("adherents.csv"), "--type", "adherents", "--to", "carsat-lr", "--purpose", "sinistralite", "--json"));
        using var doc = JsonDocument.Parse(sent.Out);
        var id = doc.RootElement.GetProperty("id").GetString()!;
        var download = await CliRunner.RunAsync(As("carsat-lr-agent", "download", id, "--purpose", "sinistralité", "-o", Path.Combine(_work, "x.csv")));
        var ack = await CliRunner.RunAsync(As("carsat-lr-agent", "ack", id, "--purpose", "sinistralité"));
        foreach (var result in new[] { upload, download, ack })
        {
            Assert.Equal(ExitCodes.Usage, result.Exit);
            Assert.Contains("request.unknown-purpose", result.Err, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Usage_2_AMissingFile_InUploadAndValidate()
    {
        var missing = Path.Combine(_work, "absent.csv");
        var upload = await CliRunner.RunAsync(As("prevy-agent", "upload", missing, "--type", "adherents", "--to", "carsat-lr", "--purpose", "sinistralite"));
        var validate = await CliRunner.RunAsync("validate", missing, "--type", "adherents");
        Assert.Equal((ExitCodes.Usage, ExitCodes.Usage), (upload.Exit, validate.Exit));
        Assert.Equal($"Fichier introuvable : {missing}", upload.Err.Trim());
        Assert.Equal($"Fichier introuvable : {missing}", validate.Err.Trim());
    }

    [Fact]
    public async Task InvalidFile_3_OfflineAndFromTheGateway()
    {
        var file = Path.Combine(_work, "bad.csv");
        await File.WriteAllTextAsync(file, "siret;raison_sociale\n12345678901234;B\n");
        Assert.Equal(ExitCodes.InvalidFile, (await CliRunner.RunAsync("validate", file, "--type", "adherents")).Exit);
        Assert.Equal(ExitCodes.InvalidFile, (await CliRunner.RunAsync(As("prevy-agent", "upload", file, "--type", "adherents", "--to", "carsat-lr", "--purpose", "sinistralite"))).Exit);
    }

    [Fact]
    public async Task Refused_4_ByThePolicy_AndByTheRole()
    {
        var noContract = await CliRunner.RunAsync(As("satm-agent", "upload", Sample("adherents.csv"), "--type", "adherents", "--to", "carsat-lr", "--purpose", "sinistralite"));
        var notDpo = await CliRunner.RunAsync(As("prevy-agent", "audit", "list"));
        Assert.Equal((ExitCodes.Refused, ExitCodes.Refused), (noContract.Exit, notDpo.Exit));
        Assert.Contains("policy.no-contract", noContract.Err, StringComparison.Ordinal);
        Assert.Contains("policy.role-not-allowed", notDpo.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NotFound_5_InStatusAndDownload()
    {
        var status = await CliRunner.RunAsync(As("prevy-agent", "status", "ds_00000000000000000000000000000000"));
        var download = await CliRunner.RunAsync(As("prevy-agent", "download", "ds_00000000000000000000000000000000", "--purpose", "sinistralite", "-o", Path.Combine(_work, "y.csv")));
        Assert.Equal((ExitCodes.NotFound, ExitCodes.NotFound), (status.Exit, download.Exit));
        Assert.False(File.Exists(Path.Combine(_work, "y.csv")));
    }

    [Fact]
    public async Task Unreachable_6()
    {
        var result = await CliRunner.RunAsync("inbox", "--as", "prevy-agent", "--home", gateway.Home, "--gateway", "https://127.0.0.1:1/");
        Assert.Equal(ExitCodes.Unreachable, result.Exit);
        Assert.Contains("Passerelle injoignable", result.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ServerError_7_WhenTheGatewayFails()
    {
        await using var proxy = await CheckpointProxy.StartAsync(gateway, "prevy-dpo");
        proxy.Rewrite = _ => throw new InvalidOperationException("panne simulée");
        var result = await CliRunner.RunAsync("audit", "verify", "--as", "prevy-dpo", "--home", gateway.Home, "--gateway", proxy.BaseAddress.ToString());
        Assert.Equal(ExitCodes.ServerError, result.Exit);
        Assert.StartsWith("Erreur de la passerelle (500, http.500) : Erreur de la passerelle", result.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Integrity_8_AnExportThatDoesNotVerify()
    {
        var export = Path.Combine(_work, "journal.jsonl");
        Assert.Equal(ExitCodes.Ok, (await CliRunner.RunAsync(As("prevy-agent", "inbox"))).Exit);
        Assert.Equal(ExitCodes.Ok, (await CliRunner.RunAsync(As("prevy-dpo", "audit", "export", "-o", export))).Exit);
        var lines = await File.ReadAllLinesAsync(export);
        var index = Array.FindIndex(lines, l => l.Contains("\"action\":\"list\"", StringComparison.Ordinal));
        lines[index] = lines[index].Replace("\"action\":\"list\"", "\"action\":\"download\"", StringComparison.Ordinal);
        await File.WriteAllLinesAsync(export, lines);
        Assert.Equal(ExitCodes.Integrity, (await CliRunner.RunAsync("audit", "verify", export)).Exit);
    }
}
