using System.Text.Json;
using CpomExchange.Tests.Shared;

namespace CpomExchange.Cli.Tests;

/// <summary><c>cpom audit</c>: a DPO lists, exports, verifies online and offline, and looks a subject up.</summary>
public sealed class AuditCliTests(GatewayFixture gateway) : IClassFixture<GatewayFixture>, IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("cpom-cli-audit-").FullName;

    public void Dispose() => Directory.Delete(_work, recursive: true);

    private string[] As(string identity, params string[] args) =>
        [.. args, "--as", identity, "--home", gateway.Home, "--gateway", gateway.BaseAddress.ToString()];

    private async Task<string> UploadAsync()
    {
        var upload = await CliRunner.RunAsync(As("prevy-agent", "upload", Path.Combine(GatewayFixture.SamplesDirectory, "adherents.csv"),
            "--type", "adherents", "--to", "carsat-lr", "--purpose", "sinistralite", "--json"));
        Assert.True(upload.Exit == ExitCodes.Ok, upload.Err);
        using var doc = JsonDocument.Parse(upload.Out);
        return doc.RootElement.GetProperty("id").GetString()!;
    }

    [Fact]
    public async Task Dpo_ListsExportsAndVerifiesOffline()
    {
        var id = await UploadAsync();
        var list = await CliRunner.RunAsync(As("prevy-dpo", "audit", "list", "--action", "upload"));
        Assert.True(list.Exit == ExitCodes.Ok, list.Err);
        Assert.Contains("prevy-agent", list.Out, StringComparison.Ordinal);
        Assert.Contains("autorisé", list.Out, StringComparison.Ordinal);

        var jsonl = Path.Combine(_work, "journal.jsonl");
        Assert.Equal(ExitCodes.Ok, (await CliRunner.RunAsync(As("prevy-dpo", "audit", "export", "-o", jsonl))).Exit);
        var csv = Path.Combine(_work, "journal.csv");
        Assert.Equal(ExitCodes.Ok, (await CliRunner.RunAsync(As("prevy-dpo", "audit", "export", "-o", csv))).Exit);
        Assert.Contains(id, await File.ReadAllTextAsync(csv), StringComparison.Ordinal);

        // Offline: no identity, no gateway.
        var offline = await CliRunner.RunAsync("audit", "verify", jsonl);
        Assert.True(offline.Exit == ExitCodes.Ok, offline.Err);
        Assert.Contains("Journal intègre", offline.Out, StringComparison.Ordinal);

        // An export edited after the fact fails, naming the entry.
        var lines = (await File.ReadAllLinesAsync(jsonl)).ToList();
        var index = lines.FindIndex(l => l.Contains("\"action\":\"upload\"", StringComparison.Ordinal));
        lines[index] = lines[index].Replace("\"prevy-agent\"", "\"quelqu-un\"", StringComparison.Ordinal);
        var edited = Path.Combine(_work, "modifie.jsonl");
        await File.WriteAllLinesAsync(edited, lines);
        var bad = await CliRunner.RunAsync("audit", "verify", edited);
        Assert.Equal(ExitCodes.Integrity, bad.Exit);
        Assert.Contains("a été modifié", bad.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OnlineVerification_ProvesTheLogOnlyGrew_AndDetectsARewrittenHistory()
    {
        for (var i = 0; i < 4; i++)
        {
            await UploadAsync();
        }
        var first = await CliRunner.RunAsync(As("carsat-lr-dpo", "audit", "verify"));
        Assert.True(first.Exit == ExitCodes.Ok, first.Err);
        Assert.Contains("Première vérification", first.Out, StringComparison.Ordinal);
        for (var i = 0; i < 5; i++)
        {
            await UploadAsync();
        }
        var second = await CliRunner.RunAsync(As("carsat-lr-dpo", "audit", "verify"));
        Assert.True(second.Exit == ExitCodes.Ok, second.Err);
        Assert.Contains("le journal s'est allongé de", second.Out, StringComparison.Ordinal);
        Assert.Contains("sans qu'aucune des", second.Out, StringComparison.Ordinal);

        // Someone with write access to the gateway's database rewrites an entry already covered by
        // the checkpoint this machine pinned (as AccessLogTests does: triggers dropped first).
        Assert.Equal(1, await LogTampering.RewriteAsync(gateway, "UPDATE access_log_entries SET \"AgentId\" = 'quelqu-un-d-autre' WHERE \"Controller\" = 'carsat-lr' AND \"Seq\" = 2"));
        var third = await CliRunner.RunAsync(As("carsat-lr-dpo", "audit", "verify"));
        Assert.Equal(ExitCodes.Integrity, third.Exit);
        Assert.Contains("Journal NON intègre", third.Err, StringComparison.Ordinal);
        Assert.Contains("Première entrée en cause : n° 2.", third.Err, StringComparison.Ordinal);
        Assert.DoesNotContain("n'a fait que croître", third.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OnlineVerification_IsFullByDefault_AndWithIncremental_SaysFromWhichCheckpointTheGatewayReadTheLog()
    {
        for (var i = 0; i < 4; i++)
        {
            await UploadAsync();
        }
        var full = await CliRunner.RunAsync(As("prevy-dpo", "audit", "verify"));
        Assert.True(full.Exit == ExitCodes.Ok, full.Err);
        Assert.Contains("Vérification intégrale par la passerelle : tout le journal a été relu", full.Out, StringComparison.Ordinal);
        await UploadAsync();
        var incremental = await CliRunner.RunAsync(As("prevy-dpo", "audit", "verify", "--incremental"));
        Assert.True(incremental.Exit == ExitCodes.Ok, incremental.Err);
        Assert.Contains("Vérification incrémentale par la passerelle : seules les entrées ajoutées après le point de contrôle signé de ", incremental.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SubjectLookup_BySiret()
    {
        var id = await UploadAsync();
        var result = await CliRunner.RunAsync(As("prevy-dpo", "audit", "subject", "--siret", "104 332 184 19605"));
        Assert.True(result.Exit == ExitCodes.Ok, result.Err);
        Assert.Contains(id, result.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("10433218419605", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NonDpo_IsRefused()
    {
        var result = await CliRunner.RunAsync(As("prevy-agent", "audit", "list"));
        Assert.Equal(ExitCodes.Refused, result.Exit);
    }
}
