using System.Net;
using CpomExchange.Infrastructure;
using CpomExchange.Infrastructure.Keys;
using CpomExchange.Tests.Shared;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace CpomExchange.Gateway.Tests;

/// <summary>A key provider that counts how often the gateway asks for the signing key.</summary>
internal sealed class CountingKeyProvider(IKeyProvider inner) : IKeyProvider
{
    private int _signingKeyCalls;

    public int SigningKeyCalls => Volatile.Read(ref _signingKeyCalls);

    public Task<SigningKey> GetSigningKeyAsync(CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _signingKeyCalls);
        return inner.GetSigningKeyAsync(cancellationToken);
    }

    public Task<(string KeyId, byte[] Signature)> SignDigestAsync(byte[] digest, CancellationToken cancellationToken = default) => inner.SignDigestAsync(digest, cancellationToken);

    public Task<WrappedKey> WrapAsync(ReadOnlyMemory<byte> dataKey, CancellationToken cancellationToken = default) => inner.WrapAsync(dataKey, cancellationToken);

    public Task<string> CurrentKeyEncryptionKeyIdAsync(CancellationToken cancellationToken = default) => inner.CurrentKeyEncryptionKeyIdAsync(cancellationToken);

    public Task<string> RotateKeyEncryptionKeyAsync(CancellationToken cancellationToken = default) => inner.RotateKeyEncryptionKeyAsync(cancellationToken);

    public Task<byte[]> UnwrapAsync(WrappedKey wrapped, CancellationToken cancellationToken = default) => inner.UnwrapAsync(wrapped, cancellationToken);
}

/// <summary>A gateway whose key provider counts the readiness probe's calls; readiness reused for 10 minutes.</summary>
public sealed class ReadinessFixture : GatewayFixture
{
    internal CountingKeyProvider Keys { get; private set; } = null!;

    protected override void Configure(WebApplicationBuilder builder)
    {
        Keys = new CountingKeyProvider(new LocalKeyProvider(new CpomHome(Home).KeyDirectory));
        builder.Services.AddSingleton<IKeyProvider>(Keys);
        builder.Configuration["Cpom:Health:ReadinessInterval"] = "00:10:00";
    }
}

/// <summary>Readiness is computed once for all the callers of an interval, whatever their number and rate.</summary>
public sealed class ReadinessTests(ReadinessFixture gateway) : IClassFixture<ReadinessFixture>
{
    [Fact]
    public async Task ConcurrentAndRepeatedReadinessCalls_ShareOneProbe()
    {
        // An unregistered certificate of the trusted CA, as a monitoring probe (or anyone) has.
        using var certificate = Infrastructure.Pki.DevPki.IssueClientCertificate(gateway.Ca, "sonde", null, null, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        var clients = Enumerable.Range(0, 12).Select(_ => gateway.Client(certificate)).ToList();
        try
        {
            var before = gateway.Keys.SigningKeyCalls;
            var concurrent = await Task.WhenAll(clients.Select(c => c.GetAsync("health/ready")));
            var sequential = new List<HttpResponseMessage>();
            for (var i = 0; i < 8; i++)
            {
                sequential.Add(await clients[0].GetAsync("health/ready"));
            }
            Assert.All(concurrent.Concat(sequential), r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
            Assert.Equal(20, concurrent.Length + sequential.Count);
            Assert.Equal(before + 1, gateway.Keys.SigningKeyCalls);
        }
        finally
        {
            clients.ForEach(c => c.Dispose());
        }
    }
}
