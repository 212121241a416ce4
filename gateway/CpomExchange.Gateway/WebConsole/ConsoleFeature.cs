using System.Security.Cryptography;
using CpomExchange.Gateway.Limits;
using System.Text.Encodings.Web;
using System.Text.Unicode;
using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Extensions.WebEncoders;

namespace CpomExchange.Gateway.WebConsole;

/// <summary>
/// The web console: server-rendered Razor Pages served by the gateway itself at <c>/</c>, on the same
/// port, under the same mutual TLS, for the same caller as the API. Razor Pages rather than Blazor
/// static rendering: every page is a plain request and response (no circuit, no framework script),
/// forms post back to their page with an antiforgery token the form tag helper writes and the
/// framework checks, and nothing needs JavaScript; the few scripts (upload progress) are files.
/// </summary>
internal static class ConsoleFeature
{
    /// <summary>The key under which a request's Content-Security-Policy nonce is kept.</summary>
    public const string NonceKey = "cpom:csp-nonce";

    /// <summary>Pages and antiforgery.</summary>
    public static IServiceCollection AddWebConsole(this IServiceCollection services)
    {
        services.AddRazorPages(pages =>
        {
            pages.RootDirectory = "/WebConsole/Pages";
            // Deny by default: every page needs an authenticated agent (the client certificate).
            pages.Conventions.AuthorizeFolder("/");
            // The pages that carry a file take the API's limits for the same work: the upload reads a
            // file body up to Cpom:Limits:MaxBodyBytes, and each counts against its organisation's concurrency.
            pages.Conventions.AddPageApplicationModelConvention("/Deposer", page =>
            {
                page.EndpointMetadata.Add(LargeBodyMetadata.Instance);
                page.EndpointMetadata.Add(new OrganisationWorkMetadata(OrganisationWork.Upload));
            });
            pages.Conventions.AddPageApplicationModelConvention("/Fichiers/Details",
                page => page.EndpointMetadata.Add(new OrganisationWorkMetadata(OrganisationWork.Download)));
            pages.Conventions.AddPageApplicationModelConvention("/Signalements/Details",
                page => page.EndpointMetadata.Add(new OrganisationWorkMetadata(OrganisationWork.Download)));
            pages.Conventions.AddPageApplicationModelConvention("/Ciblage",
                page => page.EndpointMetadata.Add(new OrganisationWorkMetadata(OrganisationWork.Download)));
            pages.Conventions.AddPageApplicationModelConvention("/TableauAnnuel",
                page => page.EndpointMetadata.Add(new OrganisationWorkMetadata(OrganisationWork.IndicatorsDraft)));
        });
        // French text as it is (é, not &#xE9;): the encoder still escapes what HTML needs escaped.
        services.Configure<WebEncoderOptions>(encoder => encoder.TextEncoderSettings = new TextEncoderSettings(UnicodeRanges.All));
        services.AddAntiforgery(antiforgery =>
        {
            // The client certificate is an ambient credential, like a cookie: without a token any
            // site could make the browser post a form here. The token's cookie never leaves TLS.
            antiforgery.Cookie.Name = "cpom-antiforgery";
            antiforgery.Cookie.SecurePolicy = CookieSecurePolicy.Always;
            antiforgery.Cookie.SameSite = SameSiteMode.Strict;
            antiforgery.Cookie.HttpOnly = true;
            antiforgery.FormFieldName = "__cpom_antiforgery";
            // The gateway already sends X-Frame-Options DENY and frame-ancestors 'none' on everything.
            antiforgery.SuppressXFrameOptionsHeader = true;
        });
        return services;
    }

    /// <summary>
    /// The console's Content-Security-Policy (no inline script or style: files, or a per-request
    /// nonce) and its static assets (the self-hosted DSFR).
    /// </summary>
    public static IApplicationBuilder UseWebConsole(this IApplicationBuilder app)
    {
        app.Use(async (context, next) =>
        {
            if (IsConsolePath(context.Request.Path))
            {
                var nonce = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16));
                context.Items[NonceKey] = nonce;
                context.Response.OnStarting(() =>
                {
                    context.Response.Headers.ContentSecurityPolicy =
                        $"default-src 'none'; script-src 'self' 'nonce-{nonce}'; style-src 'self'; img-src 'self' data:; font-src 'self'; " +
                        "connect-src 'self'; manifest-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
                    return Task.CompletedTask;
                });
            }
            await next();
        });
        var types = new FileExtensionContentTypeProvider();
        types.Mappings[".webmanifest"] = "application/manifest+json";
        app.UseStaticFiles(new StaticFileOptions
        {
            ContentTypeProvider = types,
            // Public design-system files, the same for everyone: they may be cached (pages never are).
            OnPrepareResponse = file => file.Context.Response.Headers.CacheControl = "private, max-age=86400",
        });
        return app;
    }

    /// <summary>The console's pages.</summary>
    public static IEndpointRouteBuilder MapWebConsole(this IEndpointRouteBuilder app)
    {
        app.MapRazorPages();
        return app;
    }

    /// <summary>Everything but the API, the health probes and the API's documents is the console's.</summary>
    public static bool IsConsolePath(PathString path) =>
        !path.StartsWithSegments("/api") && !path.StartsWithSegments("/health") && !path.StartsWithSegments("/openapi") && !path.StartsWithSegments("/docs") && !path.StartsWithSegments("/metrics");
}
