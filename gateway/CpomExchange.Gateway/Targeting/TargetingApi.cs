using CpomExchange.Gateway.Limits;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace CpomExchange.Gateway.Targeting;

/// <summary>
/// <c>GET /api/v1/targeting/comparison?contract=</c>: for one contract, the companies targeted by both
/// the caisse (its <c>entreprises-ciblees</c> delivered to the SPSTI) and the SPSTI (its
/// <c>cible-spsti</c> sent to the caisse), by the caisse only, by the SPSTI only (seed 004 fiche action
/// 2, actions 3-4). Only the contract's caisse and SPSTI; see <see cref="TargetingComparisons"/>.
/// </summary>
internal static class TargetingApi
{
    /// <summary>The comparison's service.</summary>
    public static IServiceCollection AddTargeting(this IServiceCollection services) => services.AddScoped<TargetingComparisons>();

    public static RouteGroupBuilder MapTargetingApi(this RouteGroupBuilder api)
    {
        // It decrypts two lists: counted with the downloads.
        api.MapGet("/targeting/comparison", CompareAsync).LimitPerOrganisation(OrganisationWork.Download);
        return api;
    }

    private static async Task<Results<Ok<TargetingComparisonResponse>, ProblemHttpResult>> CompareAsync([FromQuery] string? contract, HttpContext http,
        TargetingComparisons comparisons)
    {
        var (value, refusal) = await comparisons.CompareAsync(http, contract);
        return refusal is { } refused ? refused : TypedResults.Ok(value!);
    }
}
