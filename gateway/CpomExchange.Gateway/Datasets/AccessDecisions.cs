using CpomExchange.Gateway.Authentication;
using CpomExchange.Gateway.Hosting;
using CpomExchange.Rules.Policies;
using Microsoft.Extensions.Options;

namespace CpomExchange.Gateway.Datasets;

/// <summary>One access decision, as the access log will record it.</summary>
internal sealed record AccessRecord(
    string AgentId,
    string? Organisation,
    string Fingerprint,
    DataAction Action,
    string ExchangeType,
    string Counterpart,
    string? Purpose,
    string? Object,
    string? DatasetId,
    bool Allowed,
    string? ReasonCode,
    string? ClientAddress,
    string RequestId);

/// <summary>Where every decision, allowed or denied, is recorded.</summary>
internal interface IAccessJournal
{
    Task RecordAsync(AccessRecord record, CancellationToken cancellationToken);
}

/// <summary>Until the tamper-evident access log exists: a structured log line per decision, with no identifier of a person or company.</summary>
internal sealed partial class LoggingAccessJournal(ILogger<LoggingAccessJournal> logger) : IAccessJournal
{
    public Task RecordAsync(AccessRecord record, CancellationToken cancellationToken)
    {
        LogDecision(logger, record.AgentId, record.Organisation, record.Action, record.ExchangeType, record.Counterpart,
            record.Purpose, record.DatasetId, record.Allowed ? "allowed" : "denied", record.ReasonCode, record.RequestId);
        return Task.CompletedTask;
    }

    [LoggerMessage(EventId = 2001, Level = LogLevel.Information,
        Message = "Access {Outcome}: agent {AgentId} ({Organisation}) {Action} {ExchangeType} with {Counterpart} for {Purpose}, dataset {DatasetId}, reason {Reason}, request {RequestId}")]
    private static partial void LogDecision(ILogger logger, string agentId, string? organisation, DataAction action, string exchangeType,
        string counterpart, string? purpose, string? datasetId, string outcome, string? reason, string requestId);
}

/// <summary>Takes every decision through <see cref="AccessPolicy"/> on the legal day and records it.</summary>
internal sealed class AccessDecisions(PolicySet policies, TimeProvider time, IOptions<GatewayOptions> options, IAccessJournal journal)
{
    private readonly TimeZoneInfo _zone = FindZone(options.Value.TimeZone);

    public DateOnly Today => DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(time.GetUtcNow(), _zone).DateTime);

    public async Task<AccessDecision> DecideAsync(HttpContext http, Caller caller, DataAction action, string exchangeType, string counterpart,
        string? purpose, string? @object, string? datasetId, bool asSender = false)
    {
        var decision = AccessPolicy.Decide(policies, new AccessRequest(caller.Roles, caller.Organisation, action, exchangeType, counterpart, purpose, Today, asSender));
        await journal.RecordAsync(new AccessRecord(caller.AgentId, caller.Organisation, caller.Fingerprint, action, exchangeType, counterpart,
            purpose, @object, datasetId, decision.Allowed, decision.Code, http.Connection.RemoteIpAddress?.ToString(), http.TraceIdentifier), http.RequestAborted);
        return decision;
    }

    private static TimeZoneInfo FindZone(string id)
    {
        try
        {
            return TimeZoneInfo.FindSystemTimeZoneById(id);
        }
        catch (TimeZoneNotFoundException)
        {
            throw new InvalidOperationException($"Cpom:TimeZone: fuseau horaire « {id} » inconnu de ce système.");
        }
    }
}
