using CpomExchange.Gateway.Limits;
using System.Globalization;
using Microsoft.AspNetCore.Mvc;

namespace CpomExchange.Gateway.Indicators;

/// <summary>
/// <c>GET /api/v1/indicators?contract=&amp;year=</c>: a draft of the SPSTI's annual follow-up table
/// (seed 004 "Tableau de suivi annuel"; definitions in <see cref="Rules.Indicators.AnnualIndicators"/>),
/// one row per theme of the contract and indicator, computed from what went through the gateway
/// under that contract. The SPSTI checks it, writes the comments and sends it as an
/// <c>indicateurs</c> file. Who sees which rows is <see cref="Rules.Policies.ReportingPolicy.DecideDraft"/>'s
/// decision (through <see cref="AnnualTableDrafts"/>, which the console uses too): the establishment
/// rows to whoever may send the table (<c>agent</c>), the signalement rows to whoever may see the
/// signalements (<c>pdp</c>); a caller with both roles gets both. Response headers say what was left
/// out: <c>Cpom-Sections</c>, <c>Cpom-Excluded-Files</c> (actions files withdrawn or destroyed),
/// <c>Cpom-Outside-Volets</c> (actions on other themes).
/// </summary>
internal static class IndicatorsApi
{
    /// <summary>The indicators feature's services: the reader of the stored tables and counts, and the annual table's drafts.</summary>
    public static IServiceCollection AddIndicators(this IServiceCollection services)
    {
        services.AddScoped<AnnualTableReader>();
        services.AddScoped<AnnualTableDrafts>();
        return services;
    }

    public static RouteGroupBuilder MapIndicatorsApi(this RouteGroupBuilder api)
    {
        api.MapGet("/indicators", DraftAsync).LimitPerOrganisation(OrganisationWork.IndicatorsDraft);
        return api;
    }

    private static async Task<IResult> DraftAsync([FromQuery] string? contract, [FromQuery] int? year, HttpContext http, AnnualTableDrafts drafts)
    {
        var (draft, refusal) = await drafts.DraftAsync(http, contract, year);
        if (draft is null)
        {
            return refusal!;
        }
        http.Response.ContentType = "text/csv; charset=utf-8";
        http.Response.Headers.ContentDisposition = $"attachment; filename=\"indicateurs-{draft.Contract.Id}-{draft.Year}-brouillon.csv\"";
        http.Response.Headers["Cpom-Sections"] = string.Join(", ", new[] { draft.Decision.Establishments ? "etablissements" : null, draft.Decision.Signalements ? "signalements" : null }.OfType<string>());
        http.Response.Headers["Cpom-Excluded-Files"] = draft.Sources.FilesExcluded.ToString(CultureInfo.InvariantCulture);
        http.Response.Headers["Cpom-Outside-Volets"] = draft.Sources.Table.ActionsOutsideVolets.ToString(CultureInfo.InvariantCulture);
        await drafts.WriteCsvAsync(http.Response.Body, draft.Rows, null, http.RequestAborted);
        return Results.Empty;
    }
}
