using System.Text.Json;
using CpomExchange.Tests.Shared;

namespace CpomExchange.Cli.Tests;

/// <summary>
/// Everyday commands that destroy or replace (issue 16.10): <c>withdraw</c> asks on a terminal and
/// wants <c>--yes</c> in a script; <c>-o FILE</c> never replaces an existing file without <c>--force</c>.
/// </summary>
public sealed class CliSafetyTests(GatewayFixture gateway) : IClassFixture<GatewayFixture>, IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("cpom-cli-safety-").FullName;

    public void Dispose() => Directory.Delete(_work, recursive: true);

    private string[] As(string identity, params string[] args) =>
        [.. args, "--as", identity, "--home", gateway.Home, "--gateway", gateway.BaseAddress.ToString()];

    private async Task<string> SendAsync()
    {
        var upload = await CliRunner.RunAsync(As("prevy-agent", "upload", Path.Combine(GatewayFixture.SamplesDirectory, "adherents.csv"),
            "--type", "adherents", "--to", "carsat-lr", "--purpose", "sinistralite", "--json"));
        Assert.True(upload.Exit == ExitCodes.Ok, upload.Err);
        using var doc = JsonDocument.Parse(upload.Out);
        return doc.RootElement.GetProperty("id").GetString()!;
    }

    private async Task<string> StatusAsync(string id)
    {
        var status = await CliRunner.RunAsync(As("prevy-agent", "status", id, "--json"));
        Assert.True(status.Exit == ExitCodes.Ok, status.Err);
        using var doc = JsonDocument.Parse(status.Out);
        return doc.RootElement.GetProperty("status").GetString()!;
    }

    [Fact]
    public async Task Withdraw_InAScript_WithoutYes_IsRefused_AndDestroysNothing()
    {
        var id = await SendAsync();
        var result = await CliRunner.RunAsync(As("prevy-agent", "withdraw", id));
        Assert.Equal(ExitCodes.Usage, result.Exit);
        Assert.Contains("ajoutez --yes dans un script", result.Err, StringComparison.Ordinal);
        Assert.Equal("available", await StatusAsync(id));
    }

    [Theory]
    [InlineData("non")]
    [InlineData("")]
    [InlineData("peut-être")]
    public async Task Withdraw_OnATerminal_AnythingButYes_CancelsIt(string answer)
    {
        var id = await SendAsync();
        var result = await CliRunner.RunAsync(CliRunner.Terminal(answer), As("prevy-agent", "withdraw", id));
        Assert.Equal(ExitCodes.Cancelled, result.Exit);
        // It said what it would do before asking.
        Assert.Contains($"Retirer le jeu de données {id} ?", result.Err, StringComparison.Ordinal);
        Assert.Contains("adherents, de prevy vers carsat-lr, 8 ligne(s)", result.Err, StringComparison.Ordinal);
        Assert.Contains("carsat-lr n'y aura plus accès et son contenu sera détruit aussitôt", result.Err, StringComparison.Ordinal);
        Assert.Contains("Retrait annulé : rien n'a été fait.", result.Err, StringComparison.Ordinal);
        Assert.Equal("available", await StatusAsync(id));
    }

    [Fact]
    public async Task Withdraw_OnATerminal_Confirmed_WithdrawsAndSaysWhatItDid()
    {
        var id = await SendAsync();
        var result = await CliRunner.RunAsync(CliRunner.Terminal("oui"), As("prevy-agent", "withdraw", id));
        Assert.True(result.Exit == ExitCodes.Ok, result.Err);
        Assert.Contains($"Jeu de données {id} retiré : carsat-lr n'y a plus accès", result.Out, StringComparison.Ordinal);
        Assert.Contains("son contenu est détruit", result.Out, StringComparison.Ordinal);
        Assert.Equal("withdrawn", await StatusAsync(id));
    }

    [Fact]
    public async Task Withdraw_WithYes_AsksNothing()
    {
        var id = await SendAsync();
        // A terminal that would answer no: --yes does not ask.
        var result = await CliRunner.RunAsync(CliRunner.Terminal("non"), As("prevy-agent", "withdraw", id, "--yes"));
        Assert.True(result.Exit == ExitCodes.Ok, result.Err);
        Assert.DoesNotContain("Tapez « oui »", result.Err, StringComparison.Ordinal);
        Assert.Equal("withdrawn", await StatusAsync(id));
    }

    [Fact]
    public async Task Download_OverAnExistingFile_IsRefusedWithoutForce_AndTheFileIsUntouched()
    {
        var id = await SendAsync();
        var file = Path.Combine(_work, "recu.csv");
        await File.WriteAllTextAsync(file, "mon travail\n");

        var refused = await CliRunner.RunAsync(As("carsat-lr-agent", "download", id, "--purpose", "sinistralite", "-o", file));
        Assert.Equal(ExitCodes.Usage, refused.Exit);
        Assert.Contains($"Le fichier {file} existe déjà : rien n'a été écrit", refused.Err, StringComparison.Ordinal);
        Assert.Contains("--force", refused.Err, StringComparison.Ordinal);
        Assert.Equal("mon travail\n", await File.ReadAllTextAsync(file));
        Assert.False(File.Exists(file + ".part"));

        var forced = await CliRunner.RunAsync(As("carsat-lr-agent", "download", id, "--purpose", "sinistralite", "-o", file, "--force"));
        Assert.True(forced.Exit == ExitCodes.Ok, forced.Err);
        var bytes = await File.ReadAllBytesAsync(file);
        // The dataset, as delivered (UTF-8 with BOM), in place of what was there.
        Assert.StartsWith("\uFEFFsiret;raison_sociale;", System.Text.Encoding.UTF8.GetString(bytes), StringComparison.Ordinal);
    }

    [Fact]
    public async Task IndicatorsAndExport_OverAnExistingFile_AreRefusedToo()
    {
        var draft = Path.Combine(_work, "indicateurs.csv");
        var export = Path.Combine(_work, "journal.jsonl");
        await File.WriteAllTextAsync(draft, "à garder");
        await File.WriteAllTextAsync(export, "à garder");
        var indicators = await CliRunner.RunAsync(As("pst38-agent", "indicators", "--contract", "cpom-pst38-2025", "--year", "2026", "-o", draft));
        var exported = await CliRunner.RunAsync(As("prevy-dpo", "audit", "export", "-o", export));
        Assert.Equal((ExitCodes.Usage, ExitCodes.Usage), (indicators.Exit, exported.Exit));
        Assert.Equal("à garder", await File.ReadAllTextAsync(draft));
        Assert.Equal("à garder", await File.ReadAllTextAsync(export));
        Assert.Equal(ExitCodes.Ok, (await CliRunner.RunAsync(As("prevy-dpo", "audit", "export", "-o", export, "--force"))).Exit);
        Assert.StartsWith("{", await File.ReadAllTextAsync(export), StringComparison.Ordinal);
    }
}
