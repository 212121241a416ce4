using CpomExchange.Gateway.Authentication;
using CpomExchange.Gateway.Health;
using CpomExchange.Infrastructure.AccessLog;
using CpomExchange.Infrastructure.Storage;
using Microsoft.Extensions.Options;

namespace CpomExchange.Gateway.Hosting;

/// <summary>
/// Every section of the gateway's settings, each bound once at start and validated before anything
/// is created: one wrong setting, or several, stop the start with one message naming each
/// (<c>Cpom:TimeZone</c>, <c>Cpom:Limits:MaxRows</c>, ...). The services receive these objects
/// (or <see cref="IOptions{TOptions}"/> of them), never the raw configuration.
/// </summary>
internal sealed record GatewaySettings(
    GatewayOptions Gateway,
    StorageOptions Storage,
    AccessLogOptions AccessLog,
    RefusalOptions Refusals,
    HealthOptions Health)
{
    /// <summary>Binds each section of <paramref name="configuration"/> once and validates them all.</summary>
    /// <param name="configuration">The configuration.</param>
    /// <param name="stopped">What the failure stops, in the message's first words (the start, an operator's command).</param>
    /// <exception cref="InvalidOperationException">One setting or more is invalid; the message names each, one a line.</exception>
    public static GatewaySettings Read(IConfiguration configuration, string stopped = "La passerelle ne démarre pas")
    {
        var settings = new GatewaySettings(
            configuration.GetSection("Cpom").Get<GatewayOptions>() ?? new GatewayOptions(),
            configuration.GetSection(StorageOptions.Section).Get<StorageOptions>() ?? new StorageOptions(),
            configuration.GetSection("Cpom:AccessLog").Get<AccessLogOptions>() ?? new AccessLogOptions(),
            configuration.GetSection(RefusalOptions.Section).Get<RefusalOptions>() ?? new RefusalOptions(),
            configuration.GetSection(HealthOptions.Section).Get<HealthOptions>() ?? new HealthOptions());
        var failures = new List<string>();
        failures.AddRange(Failures(new GatewayOptionsValidator().Validate(null, settings.Gateway)));
        failures.AddRange(Failures(new OtherSettingsValidator().Validate(null, settings)));
        if (failures.Count > 0)
        {
            throw new InvalidOperationException($"{stopped} : {failures.Count} réglage(s) invalide(s).\n- " + string.Join("\n- ", failures));
        }
        return settings;
    }

    /// <summary>Registers the bound and validated sections: <see cref="IOptions{TOptions}"/> of each, and the objects themselves.</summary>
    public void Register(IServiceCollection services)
    {
        services.AddSingleton<IOptions<GatewayOptions>>(Options.Create(Gateway));
        services.AddSingleton(Gateway);
        services.AddSingleton(Storage);
        services.AddSingleton(AccessLog);
        services.AddSingleton(Refusals);
        services.AddSingleton(Health);
        services.AddSingleton(Gateway.Retention);
    }

    private static IEnumerable<string> Failures(ValidateOptionsResult result) => result.Failed ? result.Failures ?? [] : [];
}

/// <summary>
/// The section <c>Cpom</c>: a time zone this system knows, limits that are positive, a known key
/// provider with what it needs, a retention period. Every failure names its setting.
/// </summary>
internal sealed class GatewayOptionsValidator : IValidateOptions<GatewayOptions>
{
    public ValidateOptionsResult Validate(string? name, GatewayOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.TimeZone) || !TimeZoneInfo.TryFindSystemTimeZoneById(options.TimeZone, out _))
        {
            failures.Add($"Cpom:TimeZone : fuseau horaire « {options.TimeZone} » inconnu de ce système (par exemple Europe/Paris).");
        }
        var limits = options.Limits;
        Positive(failures, "Cpom:Limits:MaxBodyBytes", limits.MaxBodyBytes);
        if (limits.MaxJsonBodyBytes <= 0 || limits.MaxJsonBodyBytes > limits.MaxBodyBytes)
        {
            failures.Add($"Cpom:Limits:MaxJsonBodyBytes doit être compris entre 1 et Cpom:Limits:MaxBodyBytes (valeur : {limits.MaxJsonBodyBytes}).");
        }
        Positive(failures, "Cpom:Limits:ConcurrentUploadsPerOrganisation", limits.ConcurrentUploadsPerOrganisation);
        Positive(failures, "Cpom:Limits:ConcurrentDownloadsPerOrganisation", limits.ConcurrentDownloadsPerOrganisation);
        Positive(failures, "Cpom:Limits:ConcurrentIndicatorDraftsPerOrganisation", limits.ConcurrentIndicatorDraftsPerOrganisation);
        Positive(failures, "Cpom:Limits:SpoolQuotaBytes", limits.SpoolQuotaBytes);
        Positive(failures, "Cpom:Limits:MaxRows", limits.MaxRows);
        Positive(failures, "Cpom:Limits:MaxDocumentBytes", limits.MaxDocumentBytes);
        Positive(failures, "Cpom:Limits:RequestsPerMinutePerOrganisation", limits.RequestsPerMinutePerOrganisation);
        Positive(failures, "Cpom:Limits:DatabaseBusyTimeoutSeconds", limits.DatabaseBusyTimeoutSeconds);
        if (limits.MinRequestBodyBytesPerSecond < 0)
        {
            failures.Add($"Cpom:Limits:MinRequestBodyBytesPerSecond : {limits.MinRequestBodyBytesPerSecond} ; une valeur positive ou nulle est attendue.");
        }
        Positive(failures, "Cpom:Limits:HandshakeTimeout", limits.HandshakeTimeout);
        Positive(failures, "Cpom:Limits:RequestHeadersTimeout", limits.RequestHeadersTimeout);
        Positive(failures, "Cpom:Tls:RevocationTimeout", options.Tls.RevocationTimeout);
        if (!string.IsNullOrWhiteSpace(options.Tls.ServerCertificate) && string.IsNullOrWhiteSpace(options.Tls.ServerKey))
        {
            failures.Add("Cpom:Tls:ServerKey est requis avec Cpom:Tls:ServerCertificate.");
        }
        if (options.Keys.Provider is not ("Local" or "AzureKeyVault"))
        {
            failures.Add($"Cpom:Keys:Provider « {options.Keys.Provider} » inconnu : Local ou AzureKeyVault.");
        }
        else if (options.Keys.Provider == "AzureKeyVault" && options.Keys.AzureKeyVault.VaultUri is null)
        {
            failures.Add("Cpom:Keys:AzureKeyVault:VaultUri est requis avec Cpom:Keys:Provider=AzureKeyVault.");
        }
        Positive(failures, "Cpom:Keys:MaintenanceEverySeconds", options.Keys.MaintenanceEverySeconds);
        if (options.Retention.CheckEverySeconds is <= 0)
        {
            failures.Add($"Cpom:Retention:CheckEverySeconds : {options.Retention.CheckEverySeconds} ; une valeur strictement positive est attendue.");
        }
        Positive(failures, "Cpom:Retention:CheckEveryMinutes", options.Retention.CheckEveryMinutes);
        Positive(failures, "Cpom:Policy:RefreshSeconds", options.Policy.RefreshSeconds);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    internal static void Positive(List<string> failures, string setting, long value)
    {
        if (value <= 0)
        {
            failures.Add($"{setting} : {value} ; une valeur strictement positive est attendue.");
        }
    }

    internal static void Positive(List<string> failures, string setting, TimeSpan value)
    {
        if (value <= TimeSpan.Zero)
        {
            failures.Add($"{setting} : {value} ; une durée strictement positive est attendue.");
        }
    }
}

/// <summary>The sections beside <c>Cpom</c>: <c>Storage</c>, <c>Cpom:AccessLog</c>, <c>Cpom:Refusals</c>, <c>Cpom:Health</c>.</summary>
internal sealed class OtherSettingsValidator : IValidateOptions<GatewaySettings>
{
    public ValidateOptionsResult Validate(string? name, GatewaySettings options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (options.Storage.Provider is not (StorageOptions.Sqlite or StorageOptions.Postgres))
        {
            failures.Add($"Storage:Provider « {options.Storage.Provider} » inconnu : {StorageOptions.Sqlite} ou {StorageOptions.Postgres}.");
        }
        if (options.Storage.PayloadStore is not (StorageOptions.FolderStore or StorageOptions.AzureBlobStore))
        {
            failures.Add($"Storage:PayloadStore « {options.Storage.PayloadStore} » inconnu : {StorageOptions.FolderStore} ou {StorageOptions.AzureBlobStore}.");
        }
        GatewayOptionsValidator.Positive(failures, "Cpom:AccessLog:CheckpointEveryEntries", options.AccessLog.CheckpointEveryEntries);
        GatewayOptionsValidator.Positive(failures, "Cpom:AccessLog:CheckpointEverySeconds", options.AccessLog.CheckpointEverySeconds);
        GatewayOptionsValidator.Positive(failures, "Cpom:AccessLog:RetentionDays", options.AccessLog.RetentionDays);
        // 0 turns a refusal limit off, and makes readiness checked at every probe.
        NotNegative(failures, "Cpom:Refusals:PerAddress", options.Refusals.PerAddress);
        NotNegative(failures, "Cpom:Refusals:PerCertificate", options.Refusals.PerCertificate);
        GatewayOptionsValidator.Positive(failures, "Cpom:Refusals:Window", options.Refusals.Window);
        if (options.Health.ReadinessInterval < TimeSpan.Zero)
        {
            failures.Add($"Cpom:Health:ReadinessInterval : {options.Health.ReadinessInterval} ; une durée positive ou nulle est attendue.");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void NotNegative(List<string> failures, string setting, int value)
    {
        if (value < 0)
        {
            failures.Add($"{setting} : {value} ; une valeur positive ou nulle est attendue.");
        }
    }
}
