using System.Text.Json;
using System.Text.Json.Nodes;
using CpomExchange.Infrastructure.Keys;
using CpomExchange.Rules.AccessLog;
using CpomExchange.Tests.Shared;

namespace CpomExchange.Cli.Tests;

/// <summary>
/// <c>cpom audit verify</c> online (issue 14.9): once this machine has pinned a signed checkpoint,
/// a gateway that presents none, a smaller one or an older one fails the verification; so does a
/// checkpoint of another organisation's log (signed by the same key, so its signature holds).
/// </summary>
public sealed class AuditPinningCliTests(GatewayFixture gateway) : IClassFixture<GatewayFixture>
{
    private string[] Via(CheckpointProxy proxy, string identity, params string[] args) =>
        [.. args, "--as", identity, "--home", gateway.Home, "--gateway", proxy.BaseAddress.ToString()];

    /// <summary>Entries (and so signed checkpoints, one every four) in <paramref name="organisation"/>'s log.</summary>
    private async Task ListInboxAsync(string organisation, int times)
    {
        using var client = gateway.ClientFor(organisation + "-agent");
        for (var i = 0; i < times; i++)
        {
            Assert.True((await client.GetAsync("api/v1/inbox")).IsSuccessStatusCode);
        }
    }

    /// <summary>The tree size this machine pinned for <paramref name="organisation"/> through <paramref name="proxy"/>.</summary>
    private long PinnedSize(CheckpointProxy proxy, string organisation)
    {
        var file = Path.Combine(gateway.Home, "audit", $"{proxy.BaseAddress.Host}-{proxy.BaseAddress.Port}", organisation + ".json");
        using var doc = JsonDocument.Parse(File.ReadAllText(file));
        return doc.RootElement.GetProperty("treeSize").GetInt64();
    }

    public static TheoryData<string, string> Lies() => new()
    {
        { "none", "ne présente plus aucun point de contrôle signé" },
        { "smaller", "le journal a rétréci" },
        { "older", "est plus ancien que celui vérifié" },
    };

    [Theory]
    [MemberData(nameof(Lies))]
    public async Task AfterAPinnedCheckpoint_NoneSmallerOrOlder_FailsTheVerification_AndThePinStays(string lie, string message)
    {
        // Each case its own organisation and its own proxy (its own pin).
        var organisation = lie switch { "none" => "carsat-ra", "smaller" => "cgss-guadeloupe", _ => "dreets-aura" };
        await ListInboxAsync(organisation, 9);
        await using var proxy = await CheckpointProxy.StartAsync(gateway, organisation + "-dpo");
        var first = await CliRunner.RunAsync(Via(proxy, organisation + "-dpo", "audit", "verify"));
        Assert.True(first.Exit == ExitCodes.Ok, first.Err);
        Assert.Contains("Première vérification", first.Out, StringComparison.Ordinal);
        var pinned = PinnedSize(proxy, organisation);
        Assert.True(pinned >= 8, $"pinned {pinned}");
        await ListInboxAsync(organisation, 4);

        var keys = new LocalKeyProvider(new CpomExchange.Infrastructure.CpomHome(gateway.Home).KeyDirectory);
        proxy.Rewrite = async checkpoints => lie switch
        {
            "none" => [],
            // Only those before the pinned one: the state of the log as it was earlier (a restored backup).
            "smaller" => [.. checkpoints.Where(c => c!["treeSize"]!.GetValue<long>() < pinned).Select(c => c!.DeepClone())],
            // The pinned checkpoint itself, re-signed an hour earlier: same size and root, an older state.
            _ => [await ResignAsync(checkpoints.Single(c => c!["treeSize"]!.GetValue<long>() == pinned)!, TimeSpan.FromHours(-1), keys)],
        };
        var lied = await CliRunner.RunAsync(Via(proxy, organisation + "-dpo", "audit", "verify"));
        Assert.Equal(ExitCodes.Integrity, lied.Exit);
        Assert.Contains("Journal NON intègre", lied.Err, StringComparison.Ordinal);
        Assert.Contains(message, lied.Err, StringComparison.Ordinal);
        Assert.Equal(pinned, PinnedSize(proxy, organisation));

        // The truth again: the log only grew since the pin.
        proxy.Rewrite = Task.FromResult;
        var honest = await CliRunner.RunAsync(Via(proxy, organisation + "-dpo", "audit", "verify"));
        Assert.True(honest.Exit == ExitCodes.Ok, honest.Err);
        Assert.Contains($"{pinned} entrées signées), le journal s'est allongé de", honest.Out, StringComparison.Ordinal);
        Assert.Contains("preuve de cohérence vérifiée", honest.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ALogWhoseSignedCheckpointDidNotMove_IsSaidUnchanged_AndItsUnsignedEntriesExplained()
    {
        await ListInboxAsync("carsat-pdl", 9);
        await using var proxy = await CheckpointProxy.StartAsync(gateway, "carsat-pdl-dpo");
        JsonArray? seen = null;
        proxy.Rewrite = checkpoints =>
        {
            seen ??= (JsonArray)checkpoints.DeepClone();
            return Task.FromResult((JsonArray)seen.DeepClone());
        };
        var first = await CliRunner.RunAsync(Via(proxy, "carsat-pdl-dpo", "audit", "verify"));
        Assert.True(first.Exit == ExitCodes.Ok, first.Err);
        var pinned = PinnedSize(proxy, "carsat-pdl");
        // Entries the checkpoint presented (the same as at the first review) does not cover.
        await ListInboxAsync("carsat-pdl", 4);

        var again = await CliRunner.RunAsync(Via(proxy, "carsat-pdl-dpo", "audit", "verify"));
        Assert.True(again.Exit == ExitCodes.Ok, again.Err);
        Assert.Contains($"le journal signé n'a pas changé : toujours {pinned} entrées.", again.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("allongé", again.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("→", again.Out, StringComparison.Ordinal);
        Assert.Contains("pas encore couverte(s) par un point de contrôle signé : c'est normal", again.Out, StringComparison.Ordinal);
        Assert.Contains("la prochaine les couvrira", again.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AReviewBeforeAnyCheckpoint_ThenTheFirstCheckpoint_AreEachSaidForWhatTheyAre()
    {
        await ListInboxAsync("satm", 9);
        await using var proxy = await CheckpointProxy.StartAsync(gateway, "satm-dpo");
        proxy.Rewrite = _ => Task.FromResult(new JsonArray());
        var before = await CliRunner.RunAsync(Via(proxy, "satm-dpo", "audit", "verify"));
        Assert.True(before.Exit == ExitCodes.Ok, before.Err);
        Assert.Contains("Première vérification depuis ce poste : la clé publique du journal est mémorisée", before.Out, StringComparison.Ordinal);
        Assert.Contains("pas encore couverte(s) par un point de contrôle signé", before.Out, StringComparison.Ordinal);

        proxy.Rewrite = Task.FromResult;
        var first = await CliRunner.RunAsync(Via(proxy, "satm-dpo", "audit", "verify"));
        Assert.True(first.Exit == ExitCodes.Ok, first.Err);
        Assert.Contains($"Premier point de contrôle signé depuis votre dernière vérification sur ce poste (le ", first.Out, StringComparison.Ordinal);
        Assert.Contains($"il ({PinnedSize(proxy, "satm")} entrées) est mémorisé", first.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("Première vérification", first.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ACheckpointOfAnotherOrganisationsLog_FailsTheVerification_EvenTheFirst()
    {
        await ListInboxAsync("dreets-pdl", 9);
        await ListInboxAsync("deets-guadeloupe", 5);
        using var other = gateway.ClientFor("dreets-pdl-dpo");
        var foreign = JsonNode.Parse(await other.GetStringAsync("api/v1/audit/checkpoints"))!.AsArray();
        Assert.NotEmpty(foreign);
        await using var proxy = await CheckpointProxy.StartAsync(gateway, "deets-guadeloupe-dpo");
        proxy.Rewrite = _ => Task.FromResult(foreign.DeepClone().AsArray());

        var result = await CliRunner.RunAsync(Via(proxy, "deets-guadeloupe-dpo", "audit", "verify"));
        Assert.Equal(ExitCodes.Integrity, result.Exit);
        Assert.Contains("celui du journal « dreets-pdl », pas celui de votre organisation « deets-guadeloupe »", result.Err, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(gateway.Home, "audit", $"{proxy.BaseAddress.Host}-{proxy.BaseAddress.Port}", "deets-guadeloupe.json")));
    }

    private static async Task<JsonNode> ResignAsync(JsonNode checkpoint, TimeSpan shift, IKeyProvider keys)
    {
        var signed = new Checkpoint(checkpoint["logId"]!.GetValue<string>(), checkpoint["treeSize"]!.GetValue<long>(),
            Convert.FromBase64String(checkpoint["rootHash"]!.GetValue<string>()),
            DateTimeOffset.FromUnixTimeMilliseconds(checkpoint["time"]!.GetValue<long>()) + shift);
        var (keyId, signature) = await keys.SignDigestAsync(SignedCheckpoint.Digest(signed));
        return new JsonObject
        {
            ["logId"] = signed.LogId,
            ["treeSize"] = signed.TreeSize,
            ["rootHash"] = Convert.ToBase64String(signed.RootHash),
            ["time"] = signed.Time.ToUnixTimeMilliseconds(),
            ["keyId"] = keyId,
            ["signature"] = Convert.ToBase64String(signature),
            ["note"] = System.Text.Encoding.UTF8.GetString(signed.SignedBytes()),
        };
    }
}
