using System.Text.Json;
using CpomExchange.Tests.Shared;

namespace CpomExchange.Cli.Tests;

/// <summary><c>cpom admin rotate-kek</c>: asks for the rotation, follows the background job to its end.</summary>
public sealed class KeyRotationCliTests(GatewayFixture gateway) : IClassFixture<GatewayFixture>
{
    private string[] As(string identity, params string[] args) =>
        [.. args, "--as", identity, "--home", gateway.Home, "--gateway", gateway.BaseAddress.ToString()];

    [Fact]
    public async Task RotateKek_FollowsTheJobToItsEnd_ThenStatusShowsIt()
    {
        var none = await CliRunner.RunAsync(As("admin", "admin", "rotate-kek", "--status"));
        Assert.Equal(ExitCodes.NotFound, none.Exit);
        Assert.Contains("Aucune rotation", none.Err, StringComparison.Ordinal);

        var result = await CliRunner.RunAsync(As("admin", "admin", "rotate-kek"));
        Assert.True(result.Exit == ExitCodes.Ok, result.Err);
        // This gateway holds no dataset: the pseudonymisation key is the one key to re-wrap.
        Assert.Contains("Rotation 1 terminée : clé de chiffrement des clés local:kek-v2 ; 1 clé(s) ré-enveloppée(s).", result.Out, StringComparison.Ordinal);

        var status = await CliRunner.RunAsync(As("admin", "admin", "rotate-kek", "--status", "--json"));
        Assert.True(status.Exit == ExitCodes.Ok, status.Err);
        using var json = JsonDocument.Parse(status.Out);
        Assert.Equal(("completed", "local:kek-v2", 1L, 0L), (json.RootElement.GetProperty("state").GetString(), json.RootElement.GetProperty("keyId").GetString(),
            json.RootElement.GetProperty("rewrapped").GetInt64(), json.RootElement.GetProperty("remaining").GetInt64()));

        var refused = await CliRunner.RunAsync(As("prevy-agent", "admin", "rotate-kek"));
        Assert.Equal(ExitCodes.Refused, refused.Exit);
    }
}
