using System.Globalization;
using System.Security.Claims;
using System.Security.Cryptography.X509Certificates;
using CpomExchange.Gateway.Problems;
using CpomExchange.Infrastructure.Pki;
using CpomExchange.Rules.Errors;
using CpomExchange.Rules.Policies;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Certificate;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;

namespace CpomExchange.Gateway.Authentication;

/// <summary>The claims of an authenticated caller besides name, id and roles.</summary>
internal static class CpomClaims
{
    /// <summary>The agent's organisation.</summary>
    public const string Organisation = "cpom:org";

    /// <summary>The SHA-256 fingerprint of the certificate presented.</summary>
    public const string Fingerprint = "cpom:cert-sha256";
}

/// <summary>A certificate refused by the authentication handler's events: the code and the French detail it is answered with.</summary>
internal sealed class CertificateRefusedException(string code, string detail) : Exception(detail)
{
    public string Code { get; } = code;
}

/// <summary>
/// Authentication by client certificate with ASP.NET Core's handler
/// (<c>Microsoft.AspNetCore.Authentication.Certificate</c>): chained certificates only (never
/// self-signed), chain trust <see cref="X509ChainTrustMode.CustomRootTrust"/> with the configured
/// anchors and intermediates only, the clientAuth usage, the validity period, revocation as
/// configured, and its validation cache. Its events add what it does not do: a leaf with no EKU is
/// refused (the handler lets one through), <c>Online</c> revocation runs off the thread pool, and a
/// refusal is answered with its code and logged under the organisation concerned. The directory
/// binding runs at every request, after the cache (<see cref="AgentBinding"/>).
/// </summary>
internal static class CertificateAuthentication
{
    /// <summary>The scheme: the handler's own.</summary>
    public const string Scheme = CertificateAuthenticationDefaults.AuthenticationScheme;

    /// <summary>How long the handler keeps a certificate's verdict after its last use (the cache is bounded to 30 minutes and to the certificate's end).</summary>
    public static readonly TimeSpan CacheEntryExpiration = TimeSpan.FromMinutes(2);

    /// <summary>Registers the handler, its cache, the directory binding and the refusal guard.</summary>
    public static IServiceCollection AddCpomCertificateAuthentication(this IServiceCollection services, X509Certificate2Collection anchors,
        X509Certificate2Collection intermediates, X509RevocationMode revocationMode, TimeSpan revocationTimeout, RefusalLimiter refusals)
    {
        var online = revocationMode == X509RevocationMode.Online ? new OnlineRevocation(anchors, intermediates, revocationTimeout) : null;
        services.AddHttpContextAccessor();
        services.AddSingleton(refusals);
        services.AddSingleton<RefusalJournal>();
        services.AddHostedService(sp => sp.GetRequiredService<RefusalJournal>());
        services.AddSingleton<BoundAgents>();
        services.AddScoped<IClaimsTransformation, AgentBinding>();
        services.AddSingleton<IAuthorizationMiddlewareResultHandler, RefusalResultHandler>();
        services.AddAuthentication(Scheme)
            .AddCertificate(options =>
            {
                options.AllowedCertificateTypes = CertificateTypes.Chained;
                options.ChainTrustValidationMode = X509ChainTrustMode.CustomRootTrust;
                options.CustomTrustStore = [.. anchors];
                options.AdditionalChainCertificates = [.. intermediates];
                // The handler's chain building is synchronous: it never goes to the network (Online is
                // asked of the sources by OnlineRevocation, below, off the thread pool).
                options.RevocationMode = online is null ? revocationMode : X509RevocationMode.NoCheck;
                options.RevocationFlag = X509RevocationFlag.ExcludeRoot;
                options.ValidateCertificateUse = true;
                options.ValidateValidityPeriod = true;
                options.Events = new CertificateAuthenticationEvents
                {
                    OnCertificateValidated = context => OnCertificateValidatedAsync(context, online),
                    OnChallenge = OnChallengeAsync,
                };
            })
            .AddCertificateCache(cache => cache.CacheEntryExpiration = CacheEntryExpiration);
        return services;
    }

    /// <summary>
    /// What the handler does not check, decided once per certificate (the cache keeps the verdict):
    /// the clientAuth usage named explicitly, and, with <c>Online</c>, the revocation sources.
    /// </summary>
    private static async Task OnCertificateValidatedAsync(CertificateValidatedContext context, OnlineRevocation? online)
    {
        var certificate = context.ClientCertificate;
        if (!ClientCertificateValidator.HasClientAuthUsage(certificate))
        {
            context.Fail(new CertificateRefusedException(ErrorCatalog.CertificateInvalid, "Le certificat ne porte pas l'usage « authentification client »."));
            return;
        }
        if (online is not null && await online.CheckAsync(certificate, context.HttpContext.RequestAborted) is { } problem)
        {
            context.Fail(new CertificateRefusedException(ErrorCatalog.CertificateInvalid, problem));
            return;
        }
        // The identity of the certificate only; the agent is bound at each request (AgentBinding).
        context.Principal = new ClaimsPrincipal(new ClaimsIdentity(
            [new Claim(CpomClaims.Fingerprint, CertificateFacts.Sha256Fingerprint(certificate))], Scheme));
        context.Success();
    }

    /// <summary>A request that needs a caller and has none: 401 with the reason's code, and the refusal logged.</summary>
    private static async Task OnChallengeAsync(CertificateChallengeContext context)
    {
        var http = context.HttpContext;
        context.HandleResponse();
        var certificate = http.Connection.ClientCertificate;
        var refusal = AgentBinding.RefusalOf(http);
        if (refusal is null && certificate is not null)
        {
            // The handler keeps its result for the request: asking again costs nothing.
            var failure = (await http.AuthenticateAsync(Scheme)).Failure;
            var (code, detail) = failure is CertificateRefusedException refused
                ? (refused.Code, refused.Message)
                : (ErrorCatalog.CertificateInvalid, "Certificat client refusé : chaîne de certification, usage ou période de validité.");
            refusal = AgentBinding.Describe(code, detail, certificate, CertificateFacts.Sha256Fingerprint(certificate), null, null, null,
                http.RequestServices.GetRequiredService<PolicySet>());
        }
        if (refusal is null)
        {
            await Problem.WriteAsync(http, StatusCodes.Status401Unauthorized, ErrorCatalog.CertificateRequired, "Présentez un certificat client enregistré.");
            return;
        }
        await RefuseAsync(http, refusal);
    }

    /// <summary>Logs the refusal (first of its kind at once, the others counted) and answers 401 with its code.</summary>
    public static async Task RefuseAsync(HttpContext http, AuthenticationRefusal refusal)
    {
        await http.RequestServices.GetRequiredService<RefusalJournal>().RecordAsync(http, refusal);
        await Problem.WriteAsync(http, StatusCodes.Status401Unauthorized, refusal.Code, refusal.Detail);
    }

    /// <summary>
    /// Before authentication: an address or a certificate that has used its budget of refusals is
    /// answered 429 without reading the directory, and the attempt is counted in the log's summary.
    /// </summary>
    public static IApplicationBuilder UseRefusalGuard(this IApplicationBuilder app) => app.Use(async (http, next) =>
    {
        var certificate = http.Connection.ClientCertificate;
        var fingerprint = certificate is null ? null : CertificateFacts.Sha256Fingerprint(certificate);
        var limiter = http.RequestServices.GetRequiredService<RefusalLimiter>();
        if (!limiter.IsBlocked(http.Connection.RemoteIpAddress, fingerprint, out var retryAfter))
        {
            await next(http);
            return;
        }
        var journal = http.RequestServices.GetRequiredService<RefusalJournal>();
        var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
        var detail = $"Trop de tentatives refusées depuis cette adresse ou avec ce certificat : réessayez dans {seconds} s.";
        if (certificate is not null && fingerprint is not null)
        {
            var last = journal.LastRefusalOf(fingerprint);
            var refusal = last is null
                ? AgentBinding.Describe(ErrorCatalog.TooManyRefusals, detail, certificate, fingerprint, null, null, null, http.RequestServices.GetRequiredService<PolicySet>())
                : last with { Code = ErrorCatalog.TooManyRefusals, Detail = detail };
            await journal.RecordAsync(http, refusal);
        }
        CpomExchange.Infrastructure.Telemetry.GatewayMetrics.RateLimited(ErrorCatalog.TooManyRefusals);
        http.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        await Problem.WriteAsync(http, StatusCodes.Status429TooManyRequests, ErrorCatalog.TooManyRefusals, detail);
    });
}

/// <summary>
/// A request the directory binding refused reaches authorization as an unauthenticated caller of a
/// certificate the handler accepted, which ASP.NET Core would answer with a bare 403: it is answered
/// here, as every refusal of authentication, with 401 and the binding's code.
/// </summary>
internal sealed class RefusalResultHandler : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler _default = new();

    public Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult) =>
        !authorizeResult.Succeeded && AgentBinding.RefusalOf(context) is { } refusal
            ? CertificateAuthentication.RefuseAsync(context, refusal)
            : _default.HandleAsync(next, context, policy, authorizeResult);
}
