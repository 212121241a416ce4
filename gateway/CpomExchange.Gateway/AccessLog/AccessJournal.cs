using CpomExchange.Gateway.Authentication;
using CpomExchange.Infrastructure.AccessLog;
using CpomExchange.Infrastructure.Storage;
using CpomExchange.Rules.AccessLog;
using CpomExchange.Rules.Policies;

namespace CpomExchange.Gateway.AccessLog;

/// <summary>
/// Writes access-log entries for the gateway's operations under each data controller concerned:
/// the caller's organisation, and the sender and recipient of a dataset (both controllers of
/// their copy; joint controllers for signalements). One entry per controller, appended in the
/// request's database transaction when there is one, else by the <see cref="AccessLogBatcher"/>
/// (group commit); either way durable before the request answers.
/// </summary>
internal sealed partial class AccessJournal(CpomDbContext db, AccessLogWriter writer, AccessLogBatcher batcher, PolicySet policies, TimeProvider time,
    ILogger<AccessJournal> logger)
{
    /// <summary>The log action for a policy action.</summary>
    public static string ActionOf(DataAction action) => action switch
    {
        DataAction.Send => LogActions.Upload,
        DataAction.List => LogActions.List,
        DataAction.ReadMetadata => LogActions.ReadMetadata,
        DataAction.Download => LogActions.Download,
        DataAction.WithdrawConsent => LogActions.ConsentWithdrawal,
        _ => LogActions.Acknowledge,
    };

    /// <summary>
    /// Records an operation. <paramref name="reasonCode"/> null means allowed. The entry goes to the
    /// caller's organisation and to <paramref name="concerned"/>. The entry names <paramref name="policyHash"/>,
    /// by default the policy this request decided under.
    /// </summary>
    public async Task RecordAsync(HttpContext http, Caller caller, string action, string? exchangeType, string? datasetId, long? rows,
        string? counterpart, string? purpose, string? @object, string? reasonCode, IReadOnlyCollection<string> concerned, string? policyHash = null)
    {
        var controllers = concerned.Where(policies.Organisations.ContainsKey).ToList();
        // A disclosure to a third party (seed 001 art. 8) concerns every party of the contract whose data it is.
        controllers.AddRange(policies.DisclosureControllers(caller.Organisation, counterpart, exchangeType));
        if (caller.Organisation is not null && policies.Organisations.ContainsKey(caller.Organisation))
        {
            controllers.Add(caller.Organisation);
        }
        if (controllers.Count == 0)
        {
            // An operator account with no organisation, acting on nothing of anyone's: no controller's log.
            LogWithoutController(logger, caller.AgentId, action, reasonCode ?? "allowed", http.TraceIdentifier);
            return;
        }
        var legalBasis = purpose is not null && policies.Purposes.TryGetValue(purpose, out var p) ? p.LegalBasis.ToString() : null;
        var draft = new AccessLogDraft(time.GetUtcNow(), caller.AgentId, caller.DisplayName, caller.Organisation, caller.Fingerprint, action, exchangeType,
            datasetId, rows, counterpart, purpose, @object, legalBasis, reasonCode is null ? AccessLogEntry.Allowed : AccessLogEntry.Denied, reasonCode,
            http.Connection.RemoteIpAddress?.ToString(), http.TraceIdentifier) { PolicyHash = policyHash ?? policies.Hash };
        await AppendAsync(controllers, draft, http.RequestAborted);
    }

    /// <summary>Appends a prepared entry to <paramref name="controllers"/>' logs.</summary>
    public async Task AppendAsync(IReadOnlyCollection<string> controllers, AccessLogDraft draft, CancellationToken cancellationToken)
    {
        if (db.Database.CurrentTransaction is not null)
        {
            await writer.AppendAsync(db, controllers, draft, cancellationToken);
            return;
        }
        // No transaction to ride in: committed with the entries of the requests waiting at the same moment.
        await batcher.AppendAsync(controllers, draft, cancellationToken);
    }

    [LoggerMessage(EventId = 2002, Level = LogLevel.Information, Message = "Opération de {AgentId} ne concernant aucun responsable de traitement : {Action}, {Outcome}, requête {RequestId}.")]
    private static partial void LogWithoutController(ILogger logger, string agentId, string action, string outcome, string requestId);
}
