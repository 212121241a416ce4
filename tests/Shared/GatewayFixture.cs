using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using CpomExchange.Gateway.Hosting;
using CpomExchange.Infrastructure;
using CpomExchange.Infrastructure.Pki;
using CpomExchange.Infrastructure.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CpomExchange.Tests.Shared;

/// <summary>
/// A real gateway for the tests: Kestrel on a loopback port with real TLS, a fresh state folder
/// (SQLite file, local keys, development PKI made for the run) and the repository's policies.
/// </summary>
public class GatewayFixture : IAsyncLifetime
{
    private WebApplication? _app;

    /// <summary>The state folder of this gateway.</summary>
    public string Home { get; } = Directory.CreateTempSubdirectory("cpom-test-").FullName;

    /// <summary>The development PKI folder.</summary>
    public string DevDirectory => Path.Combine(Home, "dev");

    /// <summary>The gateway's address.</summary>
    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>The running gateway's services (for tests that observe or drive its internals).</summary>
    public IServiceProvider Services => _app?.Services ?? throw new InvalidOperationException("The gateway is not started.");

    /// <summary>The development CA (with its key, to issue test certificates).</summary>
    public X509Certificate2 Ca { get; private set; } = null!;

    /// <summary>The repository's policy folder.</summary>
    public static string PoliciesDirectory => TestPaths.Policies;

    /// <summary>The sample files.</summary>
    public static string SamplesDirectory => TestPaths.Samples;

    /// <summary>
    /// Everything the gateway logs at Information and above (whatever the console shows), for the
    /// tests that check what a log may hold.
    /// </summary>
    public LogCapture Logs { get; } = new();

    /// <summary>The gateway's database: SQLite in its folder, or a database of its own on the test run's PostgreSQL server.</summary>
    public StorageOptions Storage { get; private set; } = new();

    /// <summary>The settings that put a gateway on <paramref name="storage"/>.</summary>
    public static string[] StorageArguments(StorageOptions storage) => storage.Provider == StorageOptions.Postgres
        ? ["--Storage:Provider", storage.Provider, "--Storage:ConnectionString", storage.ConnectionString!]
        : [];

    /// <summary>The database for a new gateway of this test run (see <see cref="PostgresServer.Selected"/>).</summary>
    public static async Task<StorageOptions> NewStorageAsync() =>
        PostgresServer.Selected ? await (await PostgresServer.GetAsync()).CreateStorageAsync() : new StorageOptions();

    public virtual async Task InitializeAsync()
    {
        Storage = await NewStorageAsync();
        await BeforeStartAsync();
        _app = await CreateInstanceAsync();
        await _app.StartAsync();
        var address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        BaseAddress = new Uri(address.TrimEnd('/') + "/");
        Ca = DevPki.LoadCa(DevDirectory);
    }

    /// <summary>
    /// Creates (without starting it) a gateway on this fixture's state folder and database, with its
    /// settings, on another port: what <see cref="InitializeAsync"/> starts, or a second instance, or
    /// a restart (creating it runs the start-up work: migrations, keys, sweeps).
    /// </summary>
    public Task<WebApplication> CreateInstanceAsync() => GatewayApp.CreateAsync(
    [
        .. StorageArguments(Storage),
        "--environment", "Development",
        "--urls", "https://127.0.0.1:0",
        "--Cpom:Home", Home,
        "--Cpom:Policies", PoliciesDirectory,
        "--Logging:LogLevel:Default", "Warning",
        // Small checkpoint interval so that the tests see several signed checkpoints.
        "--Cpom:AccessLog:CheckpointEveryEntries", "4",
        // No work that depends on the time of day: the nightly log check (from 03:30 Paris until 6 hours
        // later, it verifies every log at start) and the reminders run only in the tests that drive them.
        "--Notifications:LogCheck:Enabled", "false",
        "--Notifications:Reminders:Enabled", "false",
    ], builder =>
    {
        // Everything the gateway logs at Information and above, for the tests that search it for identifiers.
        builder.Logging.AddProvider(Logs);
        builder.Logging.AddFilter<LogCapture>(null, LogCapture.MinimumLevel);
        Configure(builder);
    });

    /// <summary>
    /// Stops the gateway, runs <paramref name="whileStopped"/>, and starts a new one on the same state
    /// folder and database (a restart; the address changes).
    /// </summary>
    public async Task RestartAsync(Func<Task>? whileStopped = null)
    {
        await _app!.StopAsync();
        await _app.DisposeAsync();
        _app = null;
        if (whileStopped is not null)
        {
            await whileStopped();
        }
        _app = await CreateInstanceAsync();
        await _app.StartAsync();
        var address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        BaseAddress = new Uri(address.TrimEnd('/') + "/");
    }

    /// <summary>Runs before the gateway is created, once <see cref="Storage"/> is chosen (a fixture may prepare the state folder or the database).</summary>
    protected virtual Task BeforeStartAsync() => Task.CompletedTask;

    /// <summary>Runs once the gateway has stopped, before its folder is deleted.</summary>
    protected virtual void OnStopped()
    {
    }

    /// <summary>Changes the host before it is built (a fixture may supply its own key provider).</summary>
    protected virtual void Configure(WebApplicationBuilder builder)
    {
    }

    public virtual async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
        CpomDatabase.ClearPools();
        Ca?.Dispose();
        OnStopped();
        try
        {
            Directory.Delete(Home, recursive: true);
        }
        catch (IOException)
        {
            // A file still held by a closing connection; the temp folder is cleaned by the system.
        }
    }

    /// <summary>The certificate (with key) of a development identity, such as <c>prevy-agent</c>.</summary>
    public X509Certificate2 Identity(string id) => DevPki.LoadIdentity(DevDirectory, id);

    /// <summary>An HTTP client presenting <paramref name="certificate"/> (or none), trusting the development CA for the gateway.</summary>
    public HttpClient Client(X509Certificate2? certificate) => CreateClient(DevDirectory, BaseAddress, certificate);

    /// <summary>
    /// An HTTP client for a gateway at <paramref name="baseAddress"/> whose development PKI is in
    /// <paramref name="devDirectory"/>: presents <paramref name="certificate"/> (or none), trusts only that CA.
    /// </summary>
    public static HttpClient CreateClient(string devDirectory, Uri baseAddress, X509Certificate2? certificate)
    {
        var ca = X509CertificateLoader.LoadCertificateFromFile(Path.Combine(devDirectory, "ca.pem"));
        var handler = new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                ClientCertificates = certificate is null ? null : [certificate],
                LocalCertificateSelectionCallback = certificate is null ? null : (_, _, _, _, _) => certificate,
                RemoteCertificateValidationCallback = (_, server, _, errors) =>
                {
                    if (server is null || errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch))
                    {
                        return false;
                    }
                    using var chain = new X509Chain();
                    chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                    chain.ChainPolicy.CustomTrustStore.Add(ca);
                    chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                    return chain.Build(X509CertificateLoader.LoadCertificate(server.GetRawCertData()));
                },
            },
        };
        return new HttpClient(handler) { BaseAddress = baseAddress };
    }

    /// <summary>An HTTP client for a development identity.</summary>
    public HttpClient ClientFor(string id) => Client(Identity(id));

    /// <summary>Opens the gateway's database (for checks and for registering test agents).</summary>
    public Task<CpomDbContext> OpenDatabaseAsync() => CpomDatabase.OpenAsync(Storage, new CpomHome(Home));
}
