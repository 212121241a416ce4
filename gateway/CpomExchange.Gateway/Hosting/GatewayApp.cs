using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using CpomExchange.Gateway.AccessLog;
using CpomExchange.Gateway.Admin;
using CpomExchange.Gateway.Authentication;
using CpomExchange.Gateway.Datasets;
using CpomExchange.Gateway.Health;
using CpomExchange.Gateway.Indicators;
using CpomExchange.Gateway.Limits;
using CpomExchange.Gateway.Me;
using CpomExchange.Gateway.OpenApi;
using CpomExchange.Gateway.Telemetry;
using CpomExchange.Gateway.Registre;
using CpomExchange.Gateway.WebConsole;
using CpomExchange.Infrastructure;
using CpomExchange.Infrastructure.AccessLog;
using CpomExchange.Infrastructure.Keys;
using CpomExchange.Infrastructure.Payloads;
using CpomExchange.Infrastructure.Pki;
using CpomExchange.Infrastructure.PolicyHistory;
using CpomExchange.Infrastructure.Storage;
using CpomExchange.Rules.Policies;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.EntityFrameworkCore;

namespace CpomExchange.Gateway.Hosting;

/// <summary>Builds the gateway: settings, policies, state folder, TLS, services and routes.</summary>
public static partial class GatewayApp
{
    /// <summary>The address used when none is configured.</summary>
    public const string DefaultUrl = "https://localhost:5443";

    /// <summary>
    /// Creates the gateway for <paramref name="args"/>. Refuses to start (throws) on an invalid
    /// policy, a non-HTTPS address or missing TLS material, saying which.
    /// </summary>
    public static async Task<WebApplication> CreateAsync(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        // appsettings.json ships beside the binary, whatever the working directory.
        // The application is this assembly whoever hosts it (a test runner too): the console's pages are found in it.
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            ContentRootPath = AppContext.BaseDirectory,
            ApplicationName = typeof(GatewayApp).Assembly.GetName().Name,
        });
        configure?.Invoke(builder);
        var options = builder.Configuration.GetSection("Cpom").Get<GatewayOptions>() ?? new GatewayOptions();
        var home = CpomHome.FromEnvironment(options.Home);
        CpomHome.CreatePrivateDirectory(home.Root);
        var policies = PolicyLoader.Load(PolicyLoader.ResolveDirectory(options.Policies));
        var storage = builder.Configuration.GetSection(StorageOptions.Section).Get<StorageOptions>() ?? new StorageOptions();
        // Fails now, in French, on an unknown provider or a missing connection string.
        var connectionString = CpomDatabase.ConnectionString(storage, home, options.Limits.DatabaseBusyTimeoutSeconds);

        if (builder.Environment.IsDevelopment())
        {
            await using var db = await CpomDatabase.OpenAsync(storage, home, migrate: storage.MigrateAtStartup);
            await DevPki.EnsureAsync(home, policies, db);
            await CpomExchange.Gateway.Notifications.NotificationsFeature.EnsureDemoAddressesAsync(db, TimeProvider.System);
        }

        var (serverCertificate, anchors, intermediates) = LoadTlsMaterial(options.Tls, home, builder.Environment);
        var urls = ResolveUrls(builder.Configuration["urls"]);
        builder.WebHost.UseUrls(urls);
        // A host may supply its own clock (the tests move it past a contract's term); else the system's.
        var time = builder.Services.LastOrDefault(d => d.ServiceType == typeof(TimeProvider))?.ImplementationInstance as TimeProvider ?? TimeProvider.System;
        var issuers = new X509Certificate2Collection();
        issuers.AddRange(anchors);
        issuers.AddRange(intermediates);
        var crls = new CrlStore(options.Tls.CrlFiles, issuers, time);
        var validator = new ClientCertificateValidator(anchors, intermediates, options.Tls.RevocationMode, time, crls);
        var refusals = new RefusalLimiter(builder.Configuration.GetSection(RefusalOptions.Section).Get<RefusalOptions>() ?? new RefusalOptions(), time);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = options.Limits.MaxBodyBytes;
            kestrel.Limits.MinRequestBodyDataRate = new Microsoft.AspNetCore.Server.Kestrel.Core.MinDataRate(options.Limits.MinRequestBodyBytesPerSecond, TimeSpan.FromSeconds(5));
            kestrel.Limits.RequestHeadersTimeout = options.Limits.RequestHeadersTimeout;
            kestrel.Limits.KeepAliveTimeout = TimeSpan.FromSeconds(120);
            kestrel.ConfigureEndpointDefaults(listen => listen.UseRefusedAddressGate(refusals));
            kestrel.ConfigureHttpsDefaults(https =>
            {
                https.ServerCertificate = serverCertificate;
                https.SslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13;
                https.HandshakeTimeout = options.Limits.HandshakeTimeout;
                // The certificate is required at the handshake (HTTP/2 forbids renegotiation).
                https.ClientCertificateMode = ClientCertificateMode.RequireCertificate;
                https.CheckCertificateRevocation = false; // done by the validator, as configured
                https.ClientCertificateValidation = (certificate, _, _) => HandshakeGuard.Validate(certificate, validator, refusals);
                https.OnAuthenticate = (connection, ssl) =>
                {
                    // No network call and a bounded cost for refused certificates, at the handshake too.
                    HandshakeGuard.Prepare(connection, ssl, validator);
                    // ANSSI (TLS guide): TLS 1.2 only with ECDHE and AES-GCM or ChaCha20-Poly1305;
                    // TLS 1.3 suites are all AEAD. No renegotiation.
                    ssl.AllowRenegotiation = false;
                    if (!OperatingSystem.IsWindows() && !OperatingSystem.IsMacOS())
                    {
                        ssl.CipherSuitesPolicy = TlsPolicy.CipherSuites;
                    }
                };
            });
        });

        var services = builder.Services;
        services.AddOptions<GatewayOptions>().BindConfiguration("Cpom");
        services.AddSingleton(home);
        services.AddSingleton(time);
        services.AddSingleton(validator);
        services.AddSingleton(crls);
        // A host may supply its own key provider instance; else it comes from the configuration.
        var keys = services.LastOrDefault(d => d.ServiceType == typeof(IKeyProvider))?.ImplementationInstance as IKeyProvider
            ?? CreateKeyProvider(options.Keys, home);
        services.AddSingleton<IKeyProvider>(new MeteredKeyProvider(keys));
        await using (var db = await CpomDatabase.OpenAsync(storage, home, migrate: storage.MigrateAtStartup))
        {
            if (!storage.MigrateAtStartup && (await CpomDatabase.PendingMigrationsAsync(db)).Count > 0)
            {
                throw new InvalidOperationException("La base de données n'est pas à jour : lancez « dotnet CpomExchange.Gateway.dll migrate » (Storage:MigrateAtStartup=false).");
            }
            // The deployment's one pseudonymisation key, from the shared database (created or imported once).
            services.AddSingleton(await PseudonymKeyStore.LoadAsync(db, keys, home.KeyDirectory, time));
            // The policy history (RGPD art. 5(2)): this policy is recorded once, when an instance first runs it.
            // With the third-party authorisations administrators added (kept there); PolicySet resolves to the one in force.
            var (current, _, _) = await PolicyHistoryStore.RecordAsync(db, policies, builder.Configuration["Cpom:Policy:DeployedBy"], Environment.MachineName, time.GetUtcNow());
            services.AddPolicyState(new PolicyState(policies, current), builder.Configuration);
        }
        var accessLogOptions = builder.Configuration.GetSection("Cpom:AccessLog").Get<AccessLogOptions>() ?? new AccessLogOptions();
        services.AddSingleton(accessLogOptions);
        services.AddSingleton<AccessLogWriter>();
        services.AddSingleton<AccessLogMaintenance>();
        services.AddSingleton<AccessLogBatcher>();
        services.AddHostedService(sp => sp.GetRequiredService<AccessLogBatcher>());
        services.AddHostedService<AccessLogMaintenanceService>();
        services.AddSingleton(storage);
        services.AddSingleton<GatewayInstance>();
        services.AddSingleton(await CreatePayloadStoreAsync(storage, home));
        if (storage.Provider == StorageOptions.Postgres)
        {
            services.AddDbContextPool<CpomDbContext, PostgresCpomDbContext>(o => o.UseNpgsql(connectionString));
        }
        else
        {
            services.AddDbContextPool<CpomDbContext, SqliteCpomDbContext>(o => o.UseSqlite(connectionString));
        }
        services.AddScoped<AccessJournal>();
        services.AddScoped<AccessLogReader>();
        services.AddScoped<AccessDecisions>();
        services.AddScoped<DatasetShredder>();
        services.AddScoped<AnnualTableReader>();
        services.AddDatasetOperations();
        services.AddAnnualTableDrafts();
        services.AddHostedService<DatasetRetentionService>();
        services.AddSingleton<KeyMaintenanceService>();
        services.AddHostedService(sp => sp.GetRequiredService<KeyMaintenanceService>());
        CpomExchange.Gateway.Notifications.NotificationsFeature.AddNotifications(services);
        services.AddProblemDetails();
        services.AddWebConsole();
        services.AddAccessLogReview();
        services.AddDirectoryAdministration();
        services.AddExceptionHandler<CpomExchange.Gateway.Problems.GatewayExceptionHandler>();
        services.AddCpomCertificateAuthentication(anchors, intermediates, options.Tls.RevocationMode, options.Tls.RevocationTimeout, refusals);
        services.AddReadiness(builder.Configuration);
        services.AddAuthorization();
        services.AddRateLimiter(limiter =>
        {
            // Per organisation (all its agents together), after authentication: a misbehaving
            // client slows down its own organisation, not the others.
            limiter.GlobalLimiter = System.Threading.RateLimiting.PartitionedRateLimiter.Create<HttpContext, string>(http =>
            {
                var organisation = http.User.FindFirst(CpomClaims.Organisation)?.Value
                    ?? http.User.FindFirst(System.Security.Claims.ClaimTypes.NameIdentifier)?.Value;
                return organisation is null
                    ? System.Threading.RateLimiting.RateLimitPartition.GetNoLimiter("anonymous")
                    : System.Threading.RateLimiting.RateLimitPartition.GetFixedWindowLimiter(organisation, _ => new System.Threading.RateLimiting.FixedWindowRateLimiterOptions
                    {
                        PermitLimit = options.Limits.RequestsPerMinutePerOrganisation,
                        Window = TimeSpan.FromMinutes(1),
                        QueueLimit = 0,
                    });
            });
            limiter.OnRejected = async (context, cancellationToken) =>
            {
                var retry = context.Lease.TryGetMetadata(System.Threading.RateLimiting.MetadataName.RetryAfter, out var after) ? after : TimeSpan.FromSeconds(60);
                CpomExchange.Infrastructure.Telemetry.GatewayMetrics.RateLimited(CpomExchange.Rules.Errors.ErrorCatalog.RateLimited);
                context.HttpContext.Response.Headers.RetryAfter = ((int)Math.Ceiling(retry.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
                await CpomExchange.Gateway.Problems.Problem.Of(429, CpomExchange.Rules.Errors.ErrorCatalog.RateLimited,
                    $"Votre organisation a dépassé {options.Limits.RequestsPerMinutePerOrganisation} requêtes par minute : réessayez dans {(int)Math.Ceiling(retry.TotalSeconds)} s.")
                    .ExecuteAsync(context.HttpContext);
            };
        });
        services.AddRequestLimits(options.Limits, home);
        services.AddGatewayMetrics(builder.Configuration);
        services.AddGatewayOpenApi();
        services.ConfigureHttpJsonOptions(json => json.SerializerOptions.DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.Never);

        var app = builder.Build();
        int leftovers;
        await using (var scope = app.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<CpomDbContext>();
            await BootstrapAdministratorAsync(db, options.Bootstrap, validator, app.Logger);
            // Files of datasets whose shredding a crash or a store outage interrupted.
            leftovers = await scope.ServiceProvider.GetRequiredService<DatasetShredder>().DeleteLeftoversAsync();
        }
        var payloads = app.Services.GetRequiredService<IPayloadStore>();
        var cleaned = await payloads.CleanTemporaryAsync();
        // The sorted runs those interrupted uploads spilled (encrypted with keys gone with the process).
        CpomExchange.Rules.Csv.SpillFiles.DeleteLeftovers(Path.Combine(home.Root, "spool"));
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("CpomExchange.Gateway");
        LogStarting(logger, home.Root, storage.Provider, payloads.Description, policies.Directory, policies.Contracts.Count, cleaned, leftovers);

        app.UseSecurityHeaders();
        app.UseDocsContentSecurityPolicy();
        app.UseWebConsole();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseRefusalGuard();
        app.UseRequestBodyLimits();
        app.UseAuthentication();
        app.UseRateLimiter();
        app.UseAuthorization();
        app.UseOrganisationLimits();
        app.MapGatewayApi();
        app.MapHealthApi();
        app.MapGatewayMetrics();
        app.MapGatewayOpenApi();
        app.MapWebConsole();
        return app;
    }

    /// <summary>The payload store the configuration names: a folder (default: <c>payloads/</c> in the state folder), or Azure Blob Storage.</summary>
    public static async Task<IPayloadStore> CreatePayloadStoreAsync(StorageOptions storage, CpomHome home, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(storage);
        ArgumentNullException.ThrowIfNull(home);
        switch (storage.PayloadStore)
        {
            case StorageOptions.FolderStore:
                return new FolderPayloadStore(string.IsNullOrWhiteSpace(storage.PayloadPath) ? home.PayloadDirectory : storage.PayloadPath);
            case StorageOptions.AzureBlobStore:
                // Content waiting for its commit is staged as uncommitted blocks of its final blob, not kept locally.
                try
                {
                    return await AzureBlobPayloadStore.CreateAsync(storage.AzureBlob, cancellationToken);
                }
                catch (ArgumentException e)
                {
                    throw new InvalidOperationException($"Storage:AzureBlob : {e.Message}", e);
                }
            default:
                throw new InvalidOperationException($"Storage:PayloadStore « {storage.PayloadStore} » inconnu : Folder ou AzureBlob.");
        }
    }

    /// <summary>The key provider the configuration names: local files, or Azure Key Vault.</summary>
    public static IKeyProvider CreateKeyProvider(KeyOptions options, CpomHome home)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(home);
        switch (options.Provider)
        {
            case "Local":
                return new LocalKeyProvider(string.IsNullOrWhiteSpace(options.Local.Directory) ? home.KeyDirectory : options.Local.Directory);
            case "AzureKeyVault":
                var vault = options.AzureKeyVault;
                if (vault.VaultUri is null)
                {
                    throw new InvalidOperationException("Cpom:Keys:AzureKeyVault:VaultUri est requis avec Cpom:Keys:Provider=AzureKeyVault.");
                }
                return new AzureKeyVaultKeyProvider(new AzureKeyVaultOptions
                {
                    VaultUri = vault.VaultUri,
                    KeyEncryptionKeyName = vault.KeyEncryptionKeyName,
                    SigningKeyName = vault.SigningKeyName,
                    OperationTimeout = vault.OperationTimeout,
                    MaxRetries = vault.MaxRetries,
                }, AzureKeyVaultKeyProvider.CreateCredential(vault.TenantId, vault.ClientId, vault.ClientCertificatePath));
            default:
                throw new InvalidOperationException($"Cpom:Keys:Provider « {options.Provider} » inconnu : Local ou AzureKeyVault.");
        }
    }

    /// <summary>The routes of version 1 of the API.</summary>
    public static WebApplication MapGatewayApi(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var api = app.MapGroup("/api/v1").RequireAuthorization();
        api.MapDatasetsApi();
        api.MapMeApi();
        api.MapAdminApi();
        api.MapAuditApi();
        api.MapIndicatorsApi();
        CpomExchange.Gateway.Notifications.NotificationsApi.MapNotificationsApi(api);
        api.MapAccountabilityApi();
        return app;
    }

    private static string[] ResolveUrls(string? configured)
    {
        var urls = string.IsNullOrWhiteSpace(configured)
            ? [DefaultUrl]
            : configured.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var plain = urls.FirstOrDefault(u => !u.StartsWith("https://", StringComparison.OrdinalIgnoreCase));
        if (plain is not null)
        {
            throw new InvalidOperationException($"La passerelle n'écoute qu'en HTTPS : adresse « {plain} » refusée (--urls / ASPNETCORE_URLS).");
        }
        return urls;
    }

    private static (X509Certificate2 Server, X509Certificate2Collection Anchors, X509Certificate2Collection Intermediates) LoadTlsMaterial(
        TlsOptions tls, CpomHome home, IWebHostEnvironment environment)
    {
        var development = environment.IsDevelopment();
        string certificatePath, keyPath;
        if (!string.IsNullOrWhiteSpace(tls.ServerCertificate))
        {
            certificatePath = tls.ServerCertificate;
            keyPath = tls.ServerKey ?? throw new InvalidOperationException("Cpom:Tls:ServerKey est requis avec Cpom:Tls:ServerCertificate.");
        }
        else if (development)
        {
            certificatePath = Path.Combine(home.DevDirectory, "gateway.pem");
            keyPath = Path.Combine(home.DevDirectory, "gateway.key");
        }
        else
        {
            throw new InvalidOperationException("Cpom:Tls:ServerCertificate et Cpom:Tls:ServerKey sont requis hors environnement Development.");
        }
        using var pemCertificate = X509Certificate2.CreateFromPemFile(certificatePath, keyPath);
        // Re-import through PKCS#12 so the key is usable by SslStream on every platform.
        var server = X509CertificateLoader.LoadPkcs12(pemCertificate.Export(X509ContentType.Pkcs12), null);

        var anchorFiles = tls.TrustAnchors.Count > 0
            ? tls.TrustAnchors
            : development
                ? [Path.Combine(home.DevDirectory, DevPki.CaFile)]
                : throw new InvalidOperationException("Cpom:Tls:TrustAnchors (autorités de certification des clients) est requis hors environnement Development.");
        var anchors = new X509Certificate2Collection();
        foreach (var file in anchorFiles)
        {
            anchors.ImportFromPemFile(file);
        }
        var intermediates = new X509Certificate2Collection();
        foreach (var file in tls.Intermediates)
        {
            intermediates.ImportFromPemFile(file);
        }
        return (server, anchors, intermediates);
    }

    /// <summary>
    /// Registers the configured first administrator when the directory has no enabled admin, so that a
    /// production deployment can register everyone else through the administration API.
    /// </summary>
    private static async Task BootstrapAdministratorAsync(CpomDbContext db, BootstrapOptions bootstrap, ClientCertificateValidator validator, ILogger logger)
    {
        if (string.IsNullOrWhiteSpace(bootstrap.AdminCertificate))
        {
            return;
        }
        var admins = await db.Agents.Where(a => !a.Disabled).Select(a => a.Roles).ToListAsync();
        if (admins.Any(r => r.Split(',').Contains(Roles.Admin)))
        {
            return;
        }
        using var certificate = X509Certificate2.CreateFromPem(await File.ReadAllTextAsync(bootstrap.AdminCertificate));
        if (validator.Validate(certificate) is { } problem)
        {
            throw new InvalidOperationException($"Cpom:Bootstrap:AdminCertificate : {problem}");
        }
        await CpomExchange.Infrastructure.Agents.AgentDirectory.RegisterIfAbsentAsync(db, bootstrap.AdminId, bootstrap.AdminName, null, [Roles.Admin], certificate);
        LogBootstrap(logger, bootstrap.AdminId);
    }

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "Administrateur initial {AgentId} enregistré : l'annuaire n'avait aucun administrateur actif.")]
    private static partial void LogBootstrap(ILogger logger, string agentId);

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Passerelle CpomExchange : état dans {Home}, base {Provider}, contenus dans {Payloads}, politique {Policies} ({Contracts} contrats) ; {Cleaned} dépôt(s) interrompu(s) nettoyé(s) ; fichiers de {Leftovers} jeu(x) de données détruit(s) supprimés.")]
    private static partial void LogStarting(ILogger logger, string home, string provider, string payloads, string policies, int contracts, int cleaned, int leftovers);
}
