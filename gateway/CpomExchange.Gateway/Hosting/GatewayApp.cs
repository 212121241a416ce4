using System.Security.Cryptography.X509Certificates;
using CpomExchange.Gateway.AccessLog;
using CpomExchange.Gateway.Admin;
using CpomExchange.Gateway.Authentication;
using CpomExchange.Gateway.Datasets;
using CpomExchange.Gateway.Health;
using CpomExchange.Gateway.Indicators;
using CpomExchange.Gateway.Limits;
using CpomExchange.Gateway.Me;
using CpomExchange.Gateway.Notifications;
using CpomExchange.Gateway.OpenApi;
using CpomExchange.Gateway.Targeting;
using CpomExchange.Gateway.Telemetry;
using CpomExchange.Gateway.Registre;
using CpomExchange.Gateway.WebConsole;
using CpomExchange.Infrastructure;
using CpomExchange.Infrastructure.Keys;
using CpomExchange.Infrastructure.Payloads;
using CpomExchange.Infrastructure.Pki;
using CpomExchange.Infrastructure.PolicyHistory;
using CpomExchange.Infrastructure.Storage;
using CpomExchange.Rules.Policies;
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
        var settings = GatewaySettings.Read(builder.Configuration);
        var options = settings.Gateway;
        var storage = settings.Storage;
        var home = CpomHome.FromEnvironment(options.Home);
        CpomHome.CreatePrivateDirectory(home.Root);
        var policies = PolicyLoader.Load(PolicyLoader.ResolveDirectory(options.Policies));
        // Fails now, in French, on a missing connection string.
        var connectionString = CpomDatabase.ConnectionString(storage, home, options.Limits.DatabaseBusyTimeoutSeconds);

        var time = builder.Services.LastOrDefault(d => d.ServiceType == typeof(TimeProvider))?.ImplementationInstance as TimeProvider ?? TimeProvider.System;
        if (builder.Environment.IsDevelopment())
        {
            await using var db = await CpomDatabase.OpenAsync(storage, home, migrate: storage.MigrateAtStartup);
            await DevPki.EnsureAsync(home, policies, db, time: time);
            await NotificationsFeature.EnsureDemoAddressesAsync(db, time);
        }

        // A host may supply its own clock (the tests move it past a contract's term); else the system's.
        var tls = KestrelSetup.LoadTlsMaterial(options.Tls, home, builder.Environment, time);
        var refusals = new RefusalLimiter(settings.Refusals, time);
        builder.WebHost.UseGatewayKestrel(builder.Configuration["urls"], options, tls, refusals);

        var services = builder.Services;
        settings.Register(services);
        services.AddSingleton(home);
        services.AddSingleton(time);
        services.AddSingleton(tls.Validator);
        services.AddSingleton(tls.Crls);
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
            var (current, _, _) = await PolicyHistoryStore.RecordAsync(db, policies, options.Policy.DeployedBy, Environment.MachineName, time.GetUtcNow());
            services.AddPolicyState(new PolicyState(policies, current), TimeSpan.FromSeconds(options.Policy.RefreshSeconds));
        }
        services.AddSingleton<GatewayInstance>();
        services.AddStorage(storage, connectionString, await CreatePayloadStoreAsync(storage, home));

        // The features, each registered beside its code.
        services.AddAccessLog();
        services.AddDatasets();
        services.AddIndicators();
        services.AddTargeting();
        services.AddKeyMaintenance();
        services.AddNotifications();
        services.AddAccessLogReview();
        services.AddDirectoryAdministration();
        services.AddWebConsole();
        services.AddCpomCertificateAuthentication(tls.Anchors, tls.Intermediates, options.Tls.RevocationMode, options.Tls.RevocationTimeout, refusals);
        services.AddReadiness();
        services.AddAuthorization();
        services.AddOrganisationRateLimit(options.Limits);
        services.AddRequestLimits(options.Limits, home);
        services.AddProblemDetails();
        services.AddExceptionHandler<CpomExchange.Gateway.Problems.GatewayExceptionHandler>();
        services.AddGatewayMetrics(builder.Configuration);
        services.AddGatewayOpenApi();
        services.ConfigureHttpJsonOptions(json => json.SerializerOptions.DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.Never);

        var app = builder.Build();
        int leftovers;
        await using (var scope = app.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<CpomDbContext>();
            await BootstrapAdministratorAsync(db, options.Bootstrap, tls.Validator, time, app.Logger);
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
        api.MapTargetingApi();
        api.MapNotificationsApi();
        api.MapAccountabilityApi();
        return app;
    }

    /// <summary>
    /// Registers the configured first administrator when the directory has no enabled admin, so that a
    /// production deployment can register everyone else through the administration API.
    /// </summary>
    private static async Task BootstrapAdministratorAsync(CpomDbContext db, BootstrapOptions bootstrap, ClientCertificateValidator validator, TimeProvider time, ILogger logger)
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
        await CpomExchange.Infrastructure.Agents.AgentDirectory.RegisterIfAbsentAsync(db, bootstrap.AdminId, bootstrap.AdminName, null, [Roles.Admin], certificate, time: time);
        LogBootstrap(logger, bootstrap.AdminId);
    }

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "Administrateur initial {AgentId} enregistré : l'annuaire n'avait aucun administrateur actif.")]
    private static partial void LogBootstrap(ILogger logger, string agentId);

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Passerelle CpomExchange : état dans {Home}, base {Provider}, contenus dans {Payloads}, politique {Policies} ({Contracts} contrats) ; {Cleaned} dépôt(s) interrompu(s) nettoyé(s) ; fichiers de {Leftovers} jeu(x) de données détruit(s) supprimés.")]
    private static partial void LogStarting(ILogger logger, string home, string provider, string payloads, string policies, int contracts, int cleaned, int leftovers);
}
