using CpomExchange.Gateway.AccessLog;
using CpomExchange.Gateway.Authentication;
using CpomExchange.Gateway.Hosting;
using CpomExchange.Rules.Policies;
using Microsoft.Extensions.Options;

namespace CpomExchange.Gateway.Datasets;

/// <summary>
/// Takes every decision through <see cref="AccessPolicy"/> on the legal day. A refusal is written to
/// the access log before it is answered (fail closed: if it cannot be logged, the request fails);
/// an allowed operation is logged by the endpoint when it happens.
/// </summary>
internal sealed class AccessDecisions(PolicySet policies, TimeProvider time, IOptions<GatewayOptions> options, AccessJournal journal)
{
    private readonly TimeZoneInfo _zone = FindZone(options.Value.TimeZone);

    /// <summary>The gateway's legal time zone (<c>Cpom:TimeZone</c>).</summary>
    public TimeZoneInfo Zone => _zone;

    public DateOnly Today => DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(time.GetUtcNow(), _zone).DateTime);

    /// <summary>Decides; on refusal, logs under the caller's organisation and <paramref name="concerned"/> (the owners of a dataset).</summary>
    public async Task<AccessDecision> DecideAsync(HttpContext http, Caller caller, DataAction action, string exchangeType, string counterpart,
        string? purpose, string? @object, string? datasetId, bool asSender = false, IEnumerable<string>? concerned = null)
    {
        var decision = AccessPolicy.Decide(policies, new AccessRequest(caller.Roles, caller.Organisation, action, exchangeType, counterpart, purpose, Today, asSender));
        if (!decision.Allowed)
        {
            await journal.RecordAsync(http, caller, AccessJournal.ActionOf(action), exchangeType, datasetId, null, counterpart, purpose, @object,
                decision.Code, [.. concerned ?? []]);
        }
        return decision;
    }

    /// <summary>
    /// Decides an action on one dataset the caller's organisation sent or received
    /// (<see cref="DatasetPolicy"/>: direction, policy, the purpose it was sent for); on refusal,
    /// logs under the caller's organisation and the dataset's other controller.
    /// </summary>
    public async Task<AccessDecision> DecideOnDatasetAsync(HttpContext http, Caller caller, DataAction action, DatasetFacts dataset,
        string? purpose, string? @object)
    {
        var decision = DatasetPolicy.Decide(policies, caller.Roles, caller.Organisation, action, dataset, purpose, Today);
        if (!decision.Allowed)
        {
            var other = caller.Organisation == dataset.From ? dataset.To : dataset.From;
            await journal.RecordAsync(http, caller, AccessJournal.ActionOf(action), dataset.Type, dataset.Id, null, other, purpose, @object,
                decision.Code, [other]);
        }
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
