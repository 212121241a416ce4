using CpomExchange.Tests.Shared;

namespace CpomExchange.Cli.Tests;

/// <summary><c>cpom admin notify</c> and <c>cpom notify</c>: addresses per organisation and role, an agent's own, the outbox.</summary>
public sealed class NotificationCliTests(GatewayFixture gateway) : IClassFixture<GatewayFixture>
{
    private string[] As(string identity, params string[] args) =>
        [.. args, "--as", identity, "--home", gateway.Home, "--gateway", gateway.BaseAddress.ToString()];

    [Fact]
    public async Task AdminSetsRoleAddresses_AgentSetsTheirOwn_AndTheOutboxShowsTheWaitingMessage()
    {
        var set = await CliRunner.RunAsync(As("admin", "admin", "notify", "set", "satm", "agent", "accueil@satm.example", "--events", "file-received,file-withdrawn"));
        Assert.True(set.Exit == ExitCodes.Ok, set.Err);
        Assert.Contains("Adresses enregistrées : 1", set.Out, StringComparison.Ordinal);

        var own = await CliRunner.RunAsync(As("satm-agent", "notify", "set", "moi@satm.example", "--events", "file-acknowledged"));
        Assert.True(own.Exit == ExitCodes.Ok, own.Err);
        Assert.Contains("moi@satm.example", own.Out, StringComparison.Ordinal);

        var list = await CliRunner.RunAsync(As("admin", "admin", "notify", "list", "--org", "satm"));
        Assert.True(list.Exit == ExitCodes.Ok, list.Err);
        Assert.Contains("accueil@satm.example", list.Out, StringComparison.Ordinal);
        Assert.Contains("file-received,file-withdrawn", list.Out, StringComparison.Ordinal);
        Assert.Contains("moi@satm.example", list.Out, StringComparison.Ordinal);

        var bad = await CliRunner.RunAsync(As("admin", "admin", "notify", "set", "satm", "agent", "pas-une-adresse"));
        Assert.NotEqual(ExitCodes.Ok, bad.Exit);
        Assert.Contains("notify.invalid-address", bad.Err + bad.Out, StringComparison.Ordinal);

        // A refusal by someone who is not an administrator.
        var refused = await CliRunner.RunAsync(As("satm-agent", "admin", "notify", "outbox"));
        Assert.NotEqual(ExitCodes.Ok, refused.Exit);

        // No relay configured in this gateway: the development demo notifications wait in the outbox, visible to the administrator.
        var outbox = await CliRunner.RunAsync(As("admin", "admin", "notify", "outbox"));
        Assert.True(outbox.Exit == ExitCodes.Ok, outbox.Err);
        Assert.Contains("notification(s) :", outbox.Out, StringComparison.Ordinal);
    }
}
