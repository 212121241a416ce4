using System.Globalization;
using System.Text.Json;
using CpomExchange.Rules.Policies;
using CpomExchange.Tests.Shared;

namespace CpomExchange.Cli.Tests;

/// <summary>
/// <c>cpom admin authorisation add</c> records a third-party authorisation; <c>cpom policy history</c> then
/// lists the version it made, and <c>cpom policy diff</c> shows exactly what changed between two recorded
/// versions: the administered file added, then one entry appended to it. A gateway of its own: the versions
/// are this class's.
/// </summary>
public sealed class PolicyDiffCliTests(GatewayFixture gateway) : IClassFixture<GatewayFixture>
{
    private static readonly DateOnly Today = DateOnly.FromDateTime(DateTime.UtcNow);

    private string[] As(string identity, params string[] args) =>
        [.. args, "--as", identity, "--home", gateway.Home, "--gateway", gateway.BaseAddress.ToString()];

    private static string Day(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private async Task AddAsync(string reference, string to, string exchange, string purpose)
    {
        var result = await CliRunner.RunAsync(As("admin", "admin", "authorisation", "add", "--reference", reference, "--date", Day(Today), "--until", Day(Today.AddYears(1)),
            "--contract", "cpom-pst38-2025", "--from", "pst38", "--to", to, "--exchanges", exchange, "--purpose", purpose));
        Assert.True(result.Exit == ExitCodes.Ok, result.Err);
        Assert.Contains($"Autorisation enregistrée : {reference}", result.Out, StringComparison.Ordinal);
        var controllers = string.Join(", ", new[] { "carsat-ra", "dreets-aura", "pst38", to }.Order(StringComparer.Ordinal));
        Assert.Contains("inscrite au journal de : " + controllers, result.Out, StringComparison.Ordinal);
    }

    private static string[] Entry(string reference, string to, string exchange, string purpose) =>
    [
        $"+  - reference: \"{reference}\"",
        $"+    date: {Day(Today)}",
        $"+    until: {Day(Today.AddYears(1))}",
        "+    contract: \"cpom-pst38-2025\"",
        "+    from: \"pst38\"",
        $"+    to: \"{to}\"",
        $"+    exchanges: [\"{exchange}\"]",
        $"+    purpose: \"{purpose}\"",
        "+    addedBy: \"admin\"",
    ];

    [Fact]
    public async Task PolicyDiff_ShowsTheFileAdded_ThenTheOneEntryAppended_BetweenRecordedVersions()
    {
        await AddAsync("PST38/CARSAT-LR 2026-12", "carsat-lr", "adherents", "ciblage");
        await AddAsync("PST38/PREVY 2026-12", "prevy", "alertes-risque", "alerte-risque");

        var history = await CliRunner.RunAsync(As("pst38-dpo", "policy", "history", "--json"));
        Assert.True(history.Exit == ExitCodes.Ok, history.Err);
        var versions = JsonDocument.Parse(history.Out).RootElement.GetProperty("versions").EnumerateArray()
            .Select(v => (Hash: v.GetProperty("hash").GetString()!, By: v.GetProperty("deployedBy").GetString())).ToList();
        Assert.Equal(3, versions.Count);
        Assert.Equal(PolicyLoader.Load(TestPaths.Policies).Hash, versions[0].Hash);
        Assert.Equal(["admin", "admin"], versions.Skip(1).Select(v => v.By));

        var added = await CliRunner.RunAsync(As("pst38-dpo", "policy", "diff", versions[0].Hash[..12], versions[1].Hash[..12]));
        Assert.True(added.Exit == ExitCodes.Ok, added.Err);
        var lines = Lines(added.Out);
        Assert.Equal([$"--- {PolicyFiles.AdministeredFile} (ajouté)", "+authorisations:", .. Entry("PST38/CARSAT-LR 2026-12", "carsat-lr", "adherents", "ciblage")], lines[..^1]);
        Assert.Matches("^\\+    addedAt: \"\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}Z\"$", lines[^1]);

        // Between the second and the third: the same file, one entry appended, nothing else (the unchanged lines are not printed).
        var appended = await CliRunner.RunAsync(As("pst38-dpo", "policy", "diff", versions[1].Hash[..12], versions[2].Hash));
        Assert.True(appended.Exit == ExitCodes.Ok, appended.Err);
        lines = Lines(appended.Out);
        Assert.Equal([$"--- {PolicyFiles.AdministeredFile} (modifié)", .. Entry("PST38/PREVY 2026-12", "prevy", "alertes-risque", "alerte-risque")], lines[..^1]);
        Assert.Matches("^\\+    addedAt: \"\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}Z\"$", lines[^1]);

        var same = await CliRunner.RunAsync(As("pst38-dpo", "policy", "diff", versions[2].Hash[..12], versions[2].Hash[..12]));
        Assert.Equal("Aucune différence entre ces deux versions.", same.Out.Trim());
    }

    private static string[] Lines(string output) => output.ReplaceLineEndings("\n").Split('\n', StringSplitOptions.RemoveEmptyEntries);
}
