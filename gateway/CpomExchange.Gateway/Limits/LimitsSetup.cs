using CpomExchange.Gateway.Hosting;
using CpomExchange.Infrastructure;

namespace CpomExchange.Gateway.Limits;

/// <summary>The wiring of the limits on what one request and one organisation may make the gateway do (issue 14.4).</summary>
internal static class LimitsSetup
{
    /// <summary>Counts this route against its organisation's limit for <paramref name="work"/>.</summary>
    public static RouteHandlerBuilder LimitPerOrganisation(this RouteHandlerBuilder route, OrganisationWork work) =>
        route.WithMetadata(new OrganisationWorkMetadata(work));

    /// <summary>The concurrency limits and the spool quota, from <paramref name="limits"/>; refuses to start on a setting below 1.</summary>
    public static IServiceCollection AddRequestLimits(this IServiceCollection services, LimitOptions limits, CpomHome home)
    {
        if (limits.MaxJsonBodyBytes < 1 || limits.MaxJsonBodyBytes > limits.MaxBodyBytes)
        {
            throw new InvalidOperationException($"Cpom:Limits:MaxJsonBodyBytes doit être compris entre 1 et Cpom:Limits:MaxBodyBytes (valeur : {limits.MaxJsonBodyBytes}).");
        }
        // Built now, so that a wrong setting stops the start; given through a factory, so that the container disposes it.
        var concurrency = new OrganisationConcurrency(limits);
        services.AddSingleton(_ => concurrency);
        services.AddSingleton(new Spool(home, limits));
        return services;
    }

    /// <summary>Holds each organisation to its concurrency limits (placed after authorisation: the organisation is known).</summary>
    public static IApplicationBuilder UseOrganisationLimits(this IApplicationBuilder app) => OrganisationConcurrency.UseOrganisationConcurrency(app);
}
