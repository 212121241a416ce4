using System.Text.Json;
using CpomExchange.Tests.Shared;

namespace CpomExchange.Cli.Tests;

/// <summary>Seed 001 (PREVY – CARSAT Languedoc-Roussillon) through cpom: adherents, the sinistralité answering them, receipt, withdrawal.</summary>
public sealed class ExchangeStoryCliTests(GatewayFixture gateway) : IClassFixture<GatewayFixture>, IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("cpom-cli-story-").FullName;

    public void Dispose() => Directory.Delete(_work, recursive: true);

    private string[] As(string identity, params string[] args) =>
        [.. args, "--as", identity, "--home", gateway.Home, "--gateway", gateway.BaseAddress.ToString()];

    private static string Sample(string name) => Path.Combine(GatewayFixture.SamplesDirectory, name);

    private static string Id(string json)
    {
        using var doc = JsonDocument.Parse(json);
        return doc.RootElement.GetProperty("id").GetString()!;
    }

    [Fact]
    public async Task Prevy_SendsAdherents_Carsat_AnswersWithSinistralite_AcknowledgesAndPrevyWithdraws()
    {
        var upload = await CliRunner.RunAsync(As("prevy-agent", "upload", Sample("adherents.csv"), "--type", "adherents", "--to", "carsat-lr", "--purpose", "sinistralite", "--json"));
        Assert.True(upload.Exit == ExitCodes.Ok, upload.Err);
        var adherents = Id(upload.Out);

        // The caisse acknowledges receipt; the sender sees who did and when.
        var ack = await CliRunner.RunAsync(As("carsat-lr-agent", "ack", adherents, "--purpose", "sinistralite"));
        Assert.True(ack.Exit == ExitCodes.Ok, ack.Err);
        var status = await CliRunner.RunAsync(As("prevy-agent", "status", adherents));
        Assert.Contains("accusé de réception par carsat-lr-agent", status.Out, StringComparison.Ordinal);

        // The sinistralité answers that list, and only it.
        var answer = await CliRunner.RunAsync(As("carsat-lr-agent", "upload", Sample("sinistralite.csv"), "--type", "sinistralite", "--to", "prevy",
            "--purpose", "sinistralite", "--reply-to", adherents, "--json"));
        Assert.True(answer.Exit == ExitCodes.Ok, answer.Err);
        var sinistralite = Id(answer.Out);
        var file = Path.Combine(_work, "sinistralite.csv");
        var download = await CliRunner.RunAsync(As("prevy-agent", "download", sinistralite, "--purpose", "sinistralite", "-o", file));
        Assert.True(download.Exit == ExitCodes.Ok, download.Err);
        Assert.Contains("<5", await File.ReadAllTextAsync(file), StringComparison.Ordinal);

        var withoutReply = await CliRunner.RunAsync(As("carsat-lr-agent", "upload", Sample("sinistralite.csv"), "--type", "sinistralite", "--to", "prevy", "--purpose", "sinistralite"));
        Assert.Equal(ExitCodes.Refused, withoutReply.Exit);
        Assert.Contains("replyTo", withoutReply.Err, StringComparison.Ordinal);

        // The sender withdraws its list: destroyed at once, and the recipient sees it.
        var withdraw = await CliRunner.RunAsync(As("prevy-agent", "withdraw", adherents));
        Assert.True(withdraw.Exit == ExitCodes.Ok, withdraw.Err);
        var seen = await CliRunner.RunAsync(As("carsat-lr-agent", "status", adherents));
        Assert.Contains("retiré par l'expéditeur", seen.Out, StringComparison.Ordinal);
        var gone = await CliRunner.RunAsync(As("carsat-lr-agent", "download", adherents, "--purpose", "sinistralite", "-o", Path.Combine(_work, "x.csv")));
        Assert.Equal(ExitCodes.NotFound, gone.Exit);
        Assert.Contains("dataset.purged", gone.Err, StringComparison.Ordinal);
    }
}
