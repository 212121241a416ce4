using System.Security.Cryptography;
using System.Text.Json;
using CpomExchange.Tests.Shared;

namespace CpomExchange.Cli.Tests;

/// <summary><c>cpom</c> against the real gateway: the walkthrough of the README, and the exit codes.</summary>
public sealed class CpomCliTests(GatewayFixture gateway) : IClassFixture<GatewayFixture>, IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("cpom-cli-").FullName;

    public void Dispose() => Directory.Delete(_work, recursive: true);

    private string[] As(string identity, params string[] args) =>
        [.. args, "--as", identity, "--home", gateway.Home, "--gateway", gateway.BaseAddress.ToString()];

    private static string Sample(string name) => Path.Combine(GatewayFixture.SamplesDirectory, name);

    [Fact]
    public async Task Walkthrough_UploadListDownload()
    {
        var upload = await CliRunner.RunAsync(As("prevy-agent", "upload", Sample("adherents.csv"), "--type", "adherents", "--to", "carsat-lr", "--purpose", "sinistralite", "--json"));
        Assert.True(upload.Exit == ExitCodes.Ok, upload.Err);
        using var created = JsonDocument.Parse(upload.Out);
        var id = created.RootElement.GetProperty("id").GetString()!;
        var sha = created.RootElement.GetProperty("sha256").GetString()!;
        Assert.Equal(8, created.RootElement.GetProperty("rows").GetInt32());

        var inbox = await CliRunner.RunAsync(As("carsat-lr-agent", "inbox"));
        Assert.Equal(ExitCodes.Ok, inbox.Exit);
        Assert.Contains(id, inbox.Out, StringComparison.Ordinal);
        Assert.Contains("prevy", inbox.Out, StringComparison.Ordinal);

        var file = Path.Combine(_work, "recu.csv");
        var download = await CliRunner.RunAsync(As("carsat-lr-agent", "download", id, "--purpose", "sinistralite", "-o", file));
        Assert.True(download.Exit == ExitCodes.Ok, download.Err);
        Assert.Contains("SHA-256 vérifié", download.Out, StringComparison.Ordinal);
        Assert.Equal(sha, Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(file))));
        Assert.False(File.Exists(file + ".part"));
    }

    [Fact]
    public async Task HumanUploadOutput_IsFrench()
    {
        var upload = await CliRunner.RunAsync(As("prevy-agent", "upload", Sample("adherents.csv"), "--type", "adherents", "--to", "carsat-lr", "--purpose", "sinistralite", "--object", "dossier 42"));
        Assert.Equal(ExitCodes.Ok, upload.Exit);
        Assert.Contains("Fichier déposé : 8 ligne(s) transmise(s) à carsat-lr.", upload.Out, StringComparison.Ordinal);
        Assert.Contains("objet : dossier 42", upload.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RefusedUpload_ShowsTheFrenchReason_AndExitsRefused()
    {
        var result = await CliRunner.RunAsync(As("satm-agent", "upload", Sample("adherents.csv"), "--type", "adherents", "--to", "carsat-lr", "--purpose", "sinistralite"));
        Assert.Equal(ExitCodes.Refused, result.Exit);
        Assert.Contains("policy.no-contract", result.Err, StringComparison.Ordinal);
        Assert.Contains("Aucun contrat CPOM entre SATM et la CARSAT Languedoc-Roussillon.", result.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InvalidFile_IsRefusedByTheGateway_WithItsLines_AndExitsInvalidFile()
    {
        var file = Path.Combine(_work, "bad.csv");
        await File.WriteAllTextAsync(file, "siret;raison_sociale\n10433218419605;A\n12345678901234;B\n");
        var result = await CliRunner.RunAsync(As("prevy-agent", "upload", file, "--type", "adherents", "--to", "carsat-lr", "--purpose", "sinistralite"));
        Assert.Equal(ExitCodes.InvalidFile, result.Exit);
        Assert.Contains("ligne 3, colonne siret", result.Err, StringComparison.Ordinal);
        Assert.Contains("csv.bad-siret", result.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_IsOffline_AndGivesTheSameReportAsTheGateway()
    {
        var file = Path.Combine(_work, "bad.csv");
        await File.WriteAllTextAsync(file, "siret;raison_sociale\n10433218419605;A\n12345678901234;B\n");
        var local = await CliRunner.RunAsync("validate", file, "--type", "adherents", "--json");
        Assert.Equal(ExitCodes.InvalidFile, local.Exit);
        var remote = await CliRunner.RunAsync(As("prevy-agent", "upload", file, "--type", "adherents", "--to", "carsat-lr", "--purpose", "sinistralite", "--json"));
        Assert.Equal(ExitCodes.InvalidFile, remote.Exit);
        static string Errors(string json)
        {
            using var doc = JsonDocument.Parse(json);
            return string.Join("|", doc.RootElement.GetProperty("errors").EnumerateArray()
                .Select(e => $"{e.GetProperty("line").GetInt64()}:{e.GetProperty("column").GetString()}:{e.GetProperty("code").GetString()}:{e.GetProperty("reason").GetString()}"));
        }
        Assert.Equal(Errors(local.Out), Errors(remote.Out));

        var ok = await CliRunner.RunAsync("validate", Sample("adherents-excel-1252.csv"), "--type", "adherents");
        Assert.Equal(ExitCodes.Ok, ok.Exit);
        Assert.Contains("Fichier valide : 2 ligne(s)", ok.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Download_OfAnotherOrganisationsDataset_ExitsNotFound()
    {
        var upload = await CliRunner.RunAsync(As("prevy-agent", "upload", Sample("adherents.csv"), "--type", "adherents", "--to", "carsat-lr", "--purpose", "sinistralite", "--json"));
        using var created = JsonDocument.Parse(upload.Out);
        var id = created.RootElement.GetProperty("id").GetString()!;
        var result = await CliRunner.RunAsync(As("carsat-pdl-agent", "download", id, "--purpose", "sinistralite", "-o", Path.Combine(_work, "x.csv")));
        Assert.Equal(ExitCodes.NotFound, result.Exit);
        Assert.False(File.Exists(Path.Combine(_work, "x.csv")));
    }

    [Fact]
    public async Task UnreachableGateway_ExitsUnreachable()
    {
        var result = await CliRunner.RunAsync("inbox", "--as", "prevy-agent", "--home", gateway.Home, "--gateway", "https://127.0.0.1:1/");
        Assert.Equal(ExitCodes.Unreachable, result.Exit);
        Assert.Contains("Passerelle injoignable", result.Err, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("frobnicate")]
    [InlineData("upload")]
    [InlineData("download", "x")]
    public async Task WrongUsage_ExitsUsage(params string[] args)
    {
        var result = await CliRunner.RunAsync(args);
        Assert.Equal(ExitCodes.Usage, result.Exit);
    }

    [Fact]
    public async Task MissingIdentity_ExitsUsage()
    {
        var result = await CliRunner.RunAsync("inbox", "--home", gateway.Home, "--config", Path.Combine(_work, "absent.json"));
        Assert.Equal(ExitCodes.Usage, result.Exit);
    }

    [Fact]
    public async Task ConfigFile_GivesGatewayAndCertificate()
    {
        var config = Path.Combine(_work, "cpom.json");
        await File.WriteAllTextAsync(config, JsonSerializer.Serialize(new
        {
            gateway = gateway.BaseAddress.ToString(),
            cert = Path.Combine(gateway.DevDirectory, "carsat-lr-agent.pem"),
            key = Path.Combine(gateway.DevDirectory, "carsat-lr-agent.key"),
            ca = Path.Combine(gateway.DevDirectory, "ca.pem"),
        }));
        var upload = await CliRunner.RunAsync(As("prevy-agent", "upload", Sample("adherents.csv"), "--type", "adherents", "--to", "carsat-lr", "--purpose", "sinistralite", "--json"));
        Assert.True(upload.Exit == ExitCodes.Ok, upload.Err);
        using var created = JsonDocument.Parse(upload.Out);
        var result = await CliRunner.RunAsync("inbox", "--config", config, "--json");
        Assert.True(result.Exit == ExitCodes.Ok, result.Err);
        using var doc = JsonDocument.Parse(result.Out);
        // The inbox of the certificate the file names: the Carsat's, with what PREVY just sent it.
        Assert.Contains(created.RootElement.GetProperty("id").GetString(), doc.RootElement.GetProperty("datasets").EnumerateArray().Select(d => d.GetProperty("id").GetString()));
    }
}
