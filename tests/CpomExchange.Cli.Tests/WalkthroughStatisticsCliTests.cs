using System.Text.Json;
using CpomExchange.Tests.Shared;

namespace CpomExchange.Cli.Tests;

/// <summary>
/// The README walkthrough's statistics steps (DOMAIN.md 9 and 10, seed 004), command for command:
/// the Carsat's table reaches P.S.T.38 masked and cpom says why; the DREETS is refused; the Dreets's
/// own statistics reach both partners.
/// </summary>
public sealed class WalkthroughStatisticsCliTests(GatewayFixture gateway) : IClassFixture<GatewayFixture>
{
    private Task<(int Exit, string Out, string Err)> RunAsync(string identity, params string[] args) =>
        CliRunner.RunAsync([.. args, "--as", identity, "--home", gateway.Home, "--gateway", gateway.BaseAddress.ToString()]);

    private async Task<(int Exit, string Out, string Err)> CpomAsync(string identity, params string[] args)
    {
        var result = await RunAsync(identity, args);
        Assert.True(result.Exit == ExitCodes.Ok, $"cpom {string.Join(' ', args)} --as {identity}: {result.Err}");
        return result;
    }

    private static string Sample(string name) => Path.Combine(GatewayFixture.SamplesDirectory, name);

    [Fact]
    public async Task Statistics_OfTheWalkthrough()
    {
        var sent = await CpomAsync("carsat-ra-agent", "upload", Sample("statistiques-sinistralite.csv"), "--type", "statistiques-sinistralite", "--to", "pst38", "--purpose", "diagnostic");
        Assert.Contains("les cases de moins de 5 établissements le sont entièrement", sent.Out, StringComparison.Ordinal);
        var json = await CpomAsync("carsat-ra-agent", "upload", Sample("statistiques-sinistralite.csv"), "--type", "statistiques-sinistralite", "--to", "pst38", "--purpose", "diagnostic", "--json");
        using (var doc = JsonDocument.Parse(json.Out))
        {
            var file = Path.Combine(Path.GetTempPath(), $"cpom-statistiques-{Guid.NewGuid():N}.csv");
            try
            {
                await CpomAsync("pst38-agent", "download", doc.RootElement.GetProperty("id").GetString()!, "--purpose", "diagnostic", "-o", file);
                Assert.Contains("\r\n2025;CTN;A;38;<5;secret;secret;secret;secret;secret;secret;secret;secret\r\n", await File.ReadAllTextAsync(file), StringComparison.Ordinal);
            }
            finally
            {
                File.Delete(file);
            }
        }
        var refused = await RunAsync("carsat-ra-agent", "upload", Sample("statistiques-sinistralite.csv"), "--type", "statistiques-sinistralite", "--to", "dreets-aura", "--purpose", "diagnostic");
        Assert.NotEqual(ExitCodes.Ok, refused.Exit);
        Assert.Contains("policy.direction-not-allowed", refused.Out + refused.Err, StringComparison.Ordinal);

        await CpomAsync("dreets-aura-agent", "upload", Sample("statistiques-dreets.csv"), "--type", "statistiques-dreets", "--to", "pst38", "--purpose", "diagnostic");
        await CpomAsync("dreets-aura-agent", "upload", Sample("statistiques-dreets.csv"), "--type", "statistiques-dreets", "--to", "carsat-ra", "--purpose", "diagnostic");
        var inbox = await CpomAsync("carsat-ra-agent", "inbox", "--json");
        using var listed = JsonDocument.Parse(inbox.Out);
        Assert.Contains(listed.RootElement.GetProperty("datasets").EnumerateArray(), d => d.GetProperty("type").GetString() == "statistiques-dreets"
            && d.GetProperty("from").GetString() == "dreets-aura");
    }
}
