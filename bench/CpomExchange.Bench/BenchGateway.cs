using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using CpomExchange.Gateway.Hosting;
using CpomExchange.Infrastructure.Pki;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace CpomExchange.Bench;

/// <summary>
/// A real gateway (Kestrel, TLS, SQLite, local keys) in the benchmark's process, and clients that
/// present the development certificates, shared by the suites that talk HTTPS.
/// </summary>
internal sealed class BenchGateway : IAsyncDisposable
{
    private readonly WebApplication _app;

    private BenchGateway(WebApplication app, Uri address, string dev)
    {
        _app = app;
        Address = address;
        DevDirectory = dev;
    }

    public Uri Address { get; }

    /// <summary>The development PKI folder: CA, gateway and agent certificates.</summary>
    public string DevDirectory { get; }

    /// <summary>Starts a gateway on a free loopback port with its state under <paramref name="home"/>.</summary>
    public static async Task<BenchGateway> StartAsync(string home, IEnumerable<string> extraArguments, CancellationToken cancellationToken)
    {
        string[] arguments =
        [
            "--environment", "Development", "--urls", "https://127.0.0.1:0", "--Cpom:Home", home,
            "--Cpom:Policies", Path.Combine(FindRepository(), "policies"), "--Logging:LogLevel:Default", "Warning",
            // Benchmarks measure the gateway, not the rate and concurrency limiters.
            "--Cpom:Limits:RequestsPerMinutePerOrganisation", "100000000",
            "--Cpom:Limits:ConcurrentUploadsPerOrganisation", "100000",
            "--Cpom:Limits:ConcurrentDownloadsPerOrganisation", "100000",
            "--Cpom:Limits:ConcurrentIndicatorDraftsPerOrganisation", "100000",
            .. extraArguments,
        ];
        var app = await GatewayApp.CreateAsync(arguments);
        await app.StartAsync(cancellationToken);
        var address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/') + "/");
        return new BenchGateway(app, address, Path.Combine(home, "dev"));
    }

    public HttpClient Client(string identity, int connections = 4) => Client(Address, DevDirectory, identity, connections);

    /// <summary>A client presenting <paramref name="identity"/>'s certificate and trusting only the development CA.</summary>
    public static HttpClient Client(Uri address, string dev, string identity, int connections = 4)
    {
        var certificate = DevPki.LoadIdentity(dev, identity);
        var ca = X509CertificateLoader.LoadCertificateFromFile(Path.Combine(dev, DevPki.CaFile));
        var handler = new SocketsHttpHandler
        {
            MaxConnectionsPerServer = connections,
            SslOptions = new SslClientAuthenticationOptions
            {
                ClientCertificates = [certificate],
                RemoteCertificateValidationCallback = (_, server, _, _) =>
                {
                    using var chain = new X509Chain();
                    chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                    chain.ChainPolicy.CustomTrustStore.Add(ca);
                    chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                    return server is not null && chain.Build(X509CertificateLoader.LoadCertificate(server.GetRawCertData()));
                },
            },
        };
        return new HttpClient(handler) { BaseAddress = address, Timeout = TimeSpan.FromMinutes(10) };
    }

    /// <summary>The value below which a fraction <paramref name="p"/> of the sorted values lie.</summary>
    public static double Percentile(double[] sorted, double p) =>
        sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];

    public static string FindRepository() => Repository.Find() ?? Environment.CurrentDirectory;

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
    }
}
