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
using Microsoft.AspNetCore.Http.HttpResults;

namespace CpomExchange.Gateway.Indicators;

/// <summary>A draft of a contract's annual table, and what it was computed from.</summary>
/// <param name="Contract">The contract.</param>
/// <param name="Year">The year of the table.</param>
/// <param name="Decision">Which sections the caller may see.</param>
/// <param name="Sources">What the table was computed from (files read and left out).</param>
/// <param name="Rows">The rows, by column name of the <c>indicateurs</c> exchange; comments empty.</param>
internal sealed record AnnualTableDraft(Contract Contract, int Year, DraftDecision Decision, AnnualTableSources Sources,
    IReadOnlyList<IReadOnlyDictionary<string, string>> Rows);

/// <summary>
/// Drafts a contract's annual table for the caller, for every face (the API's
/// <c>GET /api/v1/indicators</c>, the console's Tableau annuel): who may see which rows is
/// <see cref="ReportingPolicy.DecideDraft"/>'s decision, the figures are <see cref="AnnualTableReader"/>'s,
/// and each draft, or its refusal, is logged under the SPSTI and every controller whose data was read.
/// </summary>
internal sealed partial class AnnualTableDrafts(PolicySet policies, AccessDecisions decisions, AccessJournal journal, AnnualTableReader reader,
    ILogger<AnnualTableReader> logger)
{
    /// <summary>The columns of the table: those of the <c>indicateurs</c> exchange.</summary>
    public IReadOnlyList<string> Columns => policies.Exchanges[ReportingPolicy.Indicators].Schema.Columns.Select(c => c.Name).ToList();

    /// <summary>Drafts the table of <paramref name="contractId"/> for <paramref name="year"/>, or refuses (logged).</summary>
    public async Task<OperationOutcome<AnnualTableDraft>> DraftAsync(HttpContext http, string? contractId, int? year)
    {
        var caller = Caller.From(http.User);
        var found = policies.Contracts.FirstOrDefault(c => c.Id == contractId);
        async Task<ProblemHttpResult> RefuseAsync(int status, string code, string detail)
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
        var rows = sources.Table.Rows(found, decision.Establishments, sources.Signalements)
            .Concat(sources.Table.ContractRows(found.On(today), sources.Computed, decision.Establishments, decision.Signalements)).ToList();
        await journal.RecordAsync(http, caller, LogActions.IndicatorsDraft, ReportingPolicy.Indicators, null, rows.Count, found.Caisse, ReportingPolicy.Indicators,
            found.Id, null, sources.Concerned);
        return new AnnualTableDraft(found, year.Value, decision, sources, rows);
    }

    /// <summary>
    /// Writes <paramref name="rows"/> as the <c>indicateurs</c> CSV people open in Excel (<c>;</c>, BOM,
    /// formulas neutralised), each row's comment taken from <paramref name="comments"/> when given, and
    /// its number from <paramref name="numbers"/> when given and not empty (the contract's typed indicators).
    /// </summary>
    public async Task WriteCsvAsync(Stream output, IEnumerable<IReadOnlyDictionary<string, string>> rows, IReadOnlyList<string>? comments,
        CancellationToken cancellationToken, IReadOnlyList<string>? numbers = null)
    {
        var columns = Columns.ToArray();
        await using var csv = CsvWriter.Create(output, CsvIngestor.OutputOptions, leaveOpen: true);
        csv.WriteHeader(columns);
        var index = 0;
        foreach (var row in rows)
        {
            var comment = comments is not null && index < comments.Count ? comments[index] : null;
            var number = numbers is not null && index < numbers.Count && numbers[index].Length > 0 ? numbers[index] : null;
            await csv.WriteRecordAsync(columns.Select(c => c == "commentaire" && comment is not null ? comment
                : c == "nombre" && number is not null ? number
                : row.TryGetValue(c, out var value) ? value : string.Empty).ToArray(),
                cancellationToken);
            index++;
        }
    }

    [LoggerMessage(EventId = 7001, Level = LogLevel.Error, Message = "Tableau de suivi du contrat {ContractId} : un fichier d'actions conservé ne passe pas la vérification d'intégrité.")]
    private static partial void LogCorrupted(ILogger logger, Exception exception, string contractId);

    [LoggerMessage(EventId = 7002, Level = LogLevel.Warning, Message = "Tableau de suivi du contrat {ContractId} : {Rows} ligne(s) d'actions conservée(s) ne correspondent plus aux colonnes du catalogue et sont ignorée(s).")]
    private static partial void LogUnreadable(ILogger logger, long rows, string contractId);
}
