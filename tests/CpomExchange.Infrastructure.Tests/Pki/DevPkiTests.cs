using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using CpomExchange.Infrastructure.Pki;
using CpomExchange.Infrastructure.Storage;
using CpomExchange.Rules.Policies;
using CpomExchange.Tests.Shared;

namespace CpomExchange.Infrastructure.Tests.Pki;

/// <summary>The development PKI's files, as curl, ab or openssl take them.</summary>
public sealed class DevPkiTests : IAsyncLifetime
{
    private readonly CpomHome _home = new(Directory.CreateTempSubdirectory("cpom-devpki-").FullName);

    public async Task InitializeAsync()
    {
        await using var db = await CpomDatabase.OpenSqliteAsync(_home);
        await DevPki.EnsureAsync(_home, PolicyLoader.Load(TestPaths.Policies), db);
    }

    public Task DisposeAsync()
    {
        CpomDatabase.ClearPools();
        Directory.Delete(_home.Root, recursive: true);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task ANewPki_IsIssued_WhenTheClockTicksOverASecondBetweenTwoReadings()
    {
        // Every reading of this clock is 0.6 s after the previous one, starting 0.7 s into a second: a CA made
        // after the issuing instant was read would start (truncated to the second) after its certificates.
        var home = new CpomHome(Directory.CreateTempSubdirectory("cpom-devpki-clock-").FullName);
        try
        {
            await using (var db = await CpomDatabase.OpenSqliteAsync(home))
            {
                await DevPki.EnsureAsync(home, PolicyLoader.Load(TestPaths.Policies), db, time: new SteppingClock(new DateTimeOffset(2026, 12, 2, 4, 36, 36, 700, TimeSpan.Zero)));
            }
            using var ca = X509Certificate2.CreateFromPem(await File.ReadAllTextAsync(Path.Combine(home.DevDirectory, "ca.pem")));
            using var gateway = X509Certificate2.CreateFromPem(await File.ReadAllTextAsync(Path.Combine(home.DevDirectory, "gateway.pem")));
            Assert.True(gateway.NotBefore >= ca.NotBefore, $"gateway from {gateway.NotBefore:O}, CA from {ca.NotBefore:O}");
        }
        finally
        {
            CpomDatabase.ClearPools();
            Directory.Delete(home.Root, recursive: true);
        }
    }

    /// <summary>A clock that moves 0.6 s forward at each reading.</summary>
    private sealed class SteppingClock(DateTimeOffset start) : TimeProvider
    {
        private DateTimeOffset _next = start;

        public override DateTimeOffset GetUtcNow()
        {
            var now = _next;
            _next = _next.AddMilliseconds(600);
            return now;
        }
    }

    [Theory]
    [InlineData("ca.pem")]
    [InlineData("ca.key")]
    [InlineData("gateway.pem")]
    [InlineData("gateway.key")]
    [InlineData("prevy-agent.pem")]
    [InlineData("prevy-agent.key")]
    [InlineData("admin.pem")]
    [InlineData("admin.key")]
    public async Task EveryPemFile_EndsWithALineFeed(string file)
    {
        var text = await File.ReadAllTextAsync(Path.Combine(_home.DevDirectory, file));
        Assert.EndsWith("-----\n", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("prevy-agent")]
    [InlineData("gateway")]
    public async Task CertificateThenKey_Concatenated_IsABundleThatLoads(string identity)
    {
        // What `cat prevy-agent.pem prevy-agent.key > bundle.pem` makes.
        var bundle = await File.ReadAllTextAsync(Path.Combine(_home.DevDirectory, identity + ".pem"))
            + await File.ReadAllTextAsync(Path.Combine(_home.DevDirectory, identity + ".key"));

        var labels = new List<string>();
        var rest = bundle.AsSpan();
        while (PemEncoding.TryFind(rest, out var field))
        {
            labels.Add(rest[field.Label].ToString());
            rest = rest[field.Location.End..];
        }
        Assert.Equal(["CERTIFICATE", "PRIVATE KEY"], labels);
        // Each boundary alone on its line, as RFC 7468 and openssl require.
        Assert.Equal(4, bundle.Split('\n').Count(l => l.StartsWith("-----", StringComparison.Ordinal) && l.EndsWith("-----", StringComparison.Ordinal) && l.Length > 10 && !l[5..^5].Contains("-----", StringComparison.Ordinal)));

        using var certificate = X509Certificate2.CreateFromPem(bundle, bundle);
        Assert.True(certificate.HasPrivateKey);
        Assert.Contains(identity == "gateway" ? "CN=localhost" : "CN=" + identity, certificate.Subject, StringComparison.Ordinal);
    }
}
