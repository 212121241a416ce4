using CpomExchange.Gateway.AccessLog;
using CpomExchange.Gateway.Authentication;
using CpomExchange.Gateway.Datasets;
using CpomExchange.Gateway.Problems;
using CpomExchange.Infrastructure.Keys;
using CpomExchange.Infrastructure.Payloads;
using CpomExchange.Infrastructure.Storage;
using CpomExchange.Rules.AccessLog;
using CpomExchange.Rules.Errors;
using CpomExchange.Rules.Policies;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace CpomExchange.Gateway.Targeting;

/// <summary>One list a comparison read: its dataset, when it was sent, its rows.</summary>
public sealed record ComparedList(string Id, string Type, string From, string To, DateTime CreatedAt, long Rows);

/// <summary>
/// The comparison of a contract's targeting lists: which versions were compared (null when that party
/// has not sent its list, or it was withdrawn or destroyed), and the companies targeted by both, by the
/// caisse only, by the SPSTI only.
/// </summary>
public sealed record TargetingComparisonResponse(
    string Contract,
    string Caisse,
    string Spsti,
    ComparedList? CaisseList,
    ComparedList? SpstiList,
    IReadOnlyList<TargetedCompany> Both,
    IReadOnlyList<TargetedCompany> CaisseOnly,
    IReadOnlyList<TargetedCompany> SpstiOnly);

/// <summary>
/// Compares, for one contract, the caisse's <c>entreprises-ciblees</c> delivered to the SPSTI and the
/// SPSTI's <c>cible-spsti</c> sent to the caisse, for every face (the API's
/// <c>GET /api/v1/targeting/comparison</c>, the console's page). Who may is
/// <see cref="TargetingComparison.Decide"/>'s decision. The versions compared are the <b>latest of
/// each</b> still available under that contract for the <c>ciblage</c> purpose: a list replaces the
/// previous one (a caisse's new targeting, the SPSTI's new year), and a withdrawn or destroyed list is
/// never read. Every comparison, and every refusal, is logged under the caller's organisation: one
/// entry per list compared, naming its dataset (never a SIRET).
/// </summary>
internal sealed partial class TargetingComparisons(PolicySet policies, AccessDecisions decisions, AccessJournal journal, CpomDbContext db,
    IPayloadStore store, IKeyProvider keys, ILogger<TargetingComparisons> logger)
{
    /// <summary>Compares the lists of <paramref name="contractId"/> for the caller, or refuses (logged).</summary>
    public async Task<OperationOutcome<TargetingComparisonResponse>> CompareAsync(HttpContext http, string? contractId)
    {
        var caller = Caller.From(http.User);
        var found = policies.Contracts.FirstOrDefault(c => c.Id == contractId);
        async Task<ProblemHttpResult> RefuseAsync(int status, string code, string detail)
        {
            // Only a known contract's id reaches the log, never the raw parameter.
            var counterpart = found is null ? null : caller.Organisation == found.Spsti ? found.Caisse : found.Spsti;
            await journal.RecordAsync(http, caller, LogActions.TargetingComparison, null, null, null, counterpart, TargetingComparison.Purpose, found?.Id, code, []);
            return Problem.Of(status, code, detail);
        }
        if (found is null)
        {
            return await RefuseAsync(400, ErrorCatalog.MissingParameter, "Indiquez un contrat connu (contract).");
        }
        var decision = TargetingComparison.Decide(policies, caller.Roles, caller.Organisation, found, decisions.Today);
        if (!decision.Allowed)
        {
            return await RefuseAsync(ErrorCatalog.Status(decision.Code!), decision.Code!, decision.Message);
        }
        var caisseList = await LatestAsync(TargetingComparison.CaisseList, found.Caisse, found.Spsti, found.Id, http.RequestAborted);
        var spstiList = await LatestAsync(TargetingComparison.SpstiList, found.Spsti, found.Caisse, found.Id, http.RequestAborted);
        List<TargetedCompany> caisse, spsti;
        try
        {
            caisse = await ReadAsync(caisseList, "programme", null, http.RequestAborted);
            spsti = await ReadAsync(spstiList, "theme", "motif", http.RequestAborted);
        }
        catch (PayloadCorruptedException e)
        {
            LogCorrupted(logger, e, found.Id);
            return Problem.Of(500, ErrorCatalog.DatasetCorrupted, "Une liste stockée est altérée : la comparaison n'a pas été faite. Prévenez l'exploitant.");
        }
        var counterpart = caller.Organisation == found.Spsti ? found.Caisse : found.Spsti;
        // One entry per list, naming its dataset (null: that party has sent none), in the caller's organisation's log.
        await journal.RecordAsync(http, caller, LogActions.TargetingComparison, TargetingComparison.CaisseList, caisseList?.Id, caisseList?.Rows, counterpart,
            TargetingComparison.Purpose, found.Id, null, []);
        await journal.RecordAsync(http, caller, LogActions.TargetingComparison, TargetingComparison.SpstiList, spstiList?.Id, spstiList?.Rows, counterpart,
            TargetingComparison.Purpose, found.Id, null, []);
        var split = TargetingComparison.Compare(caisse, spsti);
        return new TargetingComparisonResponse(found.Id, found.Caisse, found.Spsti, Describe(caisseList), Describe(spstiList), split.Both, split.CaisseOnly, split.SpstiOnly);
    }

    private Task<DatasetEntity?> LatestAsync(string type, string from, string to, string contract, CancellationToken cancellationToken) =>
        db.Datasets.AsNoTracking()
            .Where(d => d.Type == type && d.FromOrganisation == from && d.ToOrganisation == to && d.ContractId == contract
                && d.Purpose == TargetingComparison.Purpose && d.Status == DatasetStatus.Available)
            .OrderByDescending(d => d.CreatedAtUtc).FirstOrDefaultAsync(cancellationToken);

    private async Task<List<TargetedCompany>> ReadAsync(DatasetEntity? dataset, string detail, string? more, CancellationToken cancellationToken)
    {
        var companies = new List<TargetedCompany>();
        if (dataset is null)
        {
            return companies;
        }
        var exchange = policies.Exchanges[dataset.Type];
        var header = exchange.DeliveredHeader.ToList();
        var (siret, name, first, second) = (header.IndexOf("siret"), header.IndexOf("raison_sociale"), header.IndexOf(detail), more is null ? -1 : header.IndexOf(more));
        long position = 0;
        await StoredRows.ReadAsync(dataset, store, keys, (stored, cells) =>
        {
            var row = StoredRows.AsDelivered(exchange, dataset.Id, stored, cells, ++position);
            var text = second >= 0 && row[second].Length > 0 ? $"{row[first]} ({row[second]})" : row[first];
            companies.Add(new TargetedCompany(row[siret], name >= 0 ? row[name] : string.Empty, text));
            return ValueTask.CompletedTask;
        }, cancellationToken);
        return companies;
    }

    private static ComparedList? Describe(DatasetEntity? d) =>
        d is null ? null : new ComparedList(d.Id, d.Type, d.FromOrganisation, d.ToOrganisation, d.CreatedAtUtc, d.Rows);

    [LoggerMessage(EventId = 7101, Level = LogLevel.Error, Message = "Comparaison des listes ciblées du contrat {ContractId} : une liste stockée ne passe pas la vérification d'intégrité.")]
    private static partial void LogCorrupted(ILogger logger, Exception exception, string contractId);
}
