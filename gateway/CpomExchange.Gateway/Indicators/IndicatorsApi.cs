using CpomExchange.Gateway.Limits;
using System.Globalization;
using CpomExchange.Gateway.AccessLog;
using CpomExchange.Gateway.Authentication;
using CpomExchange.Gateway.Datasets;
using CpomExchange.Gateway.Problems;
using CpomExchange.Infrastructure.Payloads;
using CpomExchange.Rules.AccessLog;
using CpomExchange.Rules.Csv;
using CpomExchange.Rules.Errors;
using CpomExchange.Rules.Policies;
using CsvHelper;
using Microsoft.AspNetCore.Mvc;

namespace CpomExchange.Gateway.Indicators;

/// <summary>
/// <c>GET /api/v1/indicators?contract=&amp;year=</c>: a draft of the SPSTI's annual follow-up table
/// (seed 004 "Tableau de suivi annuel"; definitions in <see cref="Rules.Indicators.AnnualIndicators"/>),
/// one row per theme of the contract and indicator, computed from what went through the gateway
/// under that contract. The SPSTI checks it, writes the comments and sends it as an
/// <c>indicateurs</c> file. Who sees which rows is <see cref="ReportingPolicy.DecideDraft"/>'s
/// decision: the establishment rows to whoever may send the table (<c>agent</c>), the signalement
/// rows to whoever may see the signalements (<c>pdp</c>); a caller with both roles gets both.
/// Response headers say what was left out: <c>Cpom-Sections</c>, <c>Cpom-Excluded-Files</c>
/// (actions files withdrawn or destroyed), <c>Cpom-Outside-Volets</c> (actions on other themes).
/// </summary>
internal static partial class IndicatorsApi
{
    /// <summary>The indicators feature's services: the reader of the stored tables and counts.</summary>
    public static IServiceCollection AddIndicators(this IServiceCollection services)
    {
        services.AddScoped<AnnualTableReader>();
        return services;
    }

    public static RouteGroupBuilder MapIndicatorsApi(this RouteGroupBuilder api)
    {
        api.MapGet("/indicators", DraftAsync).LimitPerOrganisation(OrganisationWork.IndicatorsDraft);
        return api;
    }

    private static async Task<IResult> DraftAsync(
        [FromQuery] string? contract, [FromQuery] int? year, HttpContext http, PolicySet policies, AccessDecisions decisions, AccessJournal journal,
        AnnualTableReader reader, ILogger<AnnualTableReader> logger)
    {
        var caller = Caller.From(http.User);
        var found = policies.Contracts.FirstOrDefault(c => c.Id == contract);
        async Task<IResult> RefuseAsync(int status, string code, string detail)
        {
            // Only a known contract's id reaches the log, never the raw parameter.
            await journal.RecordAsync(http, caller, LogActions.IndicatorsDraft, ReportingPolicy.Indicators, null, null, found?.Spsti, ReportingPolicy.Indicators, found?.Id, code, []);
            return Problem.Of(status, code, detail);
        }
        if (found is null || year is not (>= 2000 and <= 2100))
        {
            return await RefuseAsync(400, ErrorCatalog.MissingParameter, "Indiquez un contrat (contract) et une année (year, AAAA).");
        }
        var today = decisions.Today;
        var decision = ReportingPolicy.DecideDraft(policies, caller.Roles, caller.Organisation, found, today);
        if (!decision.Allowed)
        {
            return await RefuseAsync(403, decision.Code!, decision.Message);
        }
        if (ReportingPolicy.YearProblem(found, year.Value, today) is { } problem)
        {
            return await RefuseAsync(400, ErrorCatalog.ReportYearNotCovered, problem);
        }

        AnnualTableSources sources;
        try
        {
            sources = await reader.ReadAsync(found, year.Value, decisions.Zone, decision.Establishments, decision.Signalements, http.RequestAborted);
        }
        catch (PayloadCorruptedException e)
        {
            LogCorrupted(logger, e, found.Id);
            return Problem.Of(500, ErrorCatalog.DatasetCorrupted, "Un fichier d'actions stocké est altéré : le tableau n'a pas été calculé. Prévenez l'exploitant.");
        }
        if (sources.RowsUnreadable > 0)
        {
            LogUnreadable(logger, sources.RowsUnreadable, found.Id);
        }
        var rows = sources.Table.Rows(found, decision.Establishments, sources.Signalements).ToList();
        await journal.RecordAsync(http, caller, LogActions.IndicatorsDraft, ReportingPolicy.Indicators, null, rows.Count, found.Caisse, ReportingPolicy.Indicators,
            found.Id, null, sources.Concerned);

        http.Response.ContentType = "text/csv; charset=utf-8";
        http.Response.Headers.ContentDisposition = $"attachment; filename=\"indicateurs-{found.Id}-{year}-brouillon.csv\"";
        http.Response.Headers["Cpom-Sections"] = string.Join(", ", new[] { decision.Establishments ? "etablissements" : null, decision.Signalements ? "signalements" : null }.OfType<string>());
        http.Response.Headers["Cpom-Excluded-Files"] = sources.FilesExcluded.ToString(CultureInfo.InvariantCulture);
        http.Response.Headers["Cpom-Outside-Volets"] = sources.Table.ActionsOutsideVolets.ToString(CultureInfo.InvariantCulture);
        var columns = policies.Exchanges[ReportingPolicy.Indicators].Schema.Columns.Select(c => c.Name).ToArray();
        await using var csv = CsvWriter.Create(http.Response.Body, CsvIngestor.OutputOptions, leaveOpen: true);
        csv.WriteHeader(columns);
        foreach (var row in rows)
        {
            await csv.WriteRecordAsync(columns.Select(c => row.TryGetValue(c, out var value) ? value : string.Empty).ToArray(), http.RequestAborted);
        }
        return Results.Empty;
    }

    [LoggerMessage(EventId = 7001, Level = LogLevel.Error, Message = "Tableau de suivi du contrat {ContractId} : un fichier d'actions conservé ne passe pas la vérification d'intégrité.")]
    private static partial void LogCorrupted(ILogger logger, Exception exception, string contractId);

    [LoggerMessage(EventId = 7002, Level = LogLevel.Warning, Message = "Tableau de suivi du contrat {ContractId} : {Rows} ligne(s) d'actions conservée(s) ne correspondent plus aux colonnes du catalogue et sont ignorée(s).")]
    private static partial void LogUnreadable(ILogger logger, long rows, string contractId);
}
