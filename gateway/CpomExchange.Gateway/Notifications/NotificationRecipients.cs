using CpomExchange.Infrastructure.Notifications;
using CpomExchange.Infrastructure.Storage;
using Microsoft.EntityFrameworkCore;

namespace CpomExchange.Gateway.Notifications;

/// <summary>Who receives an event: the organisation's addresses for the roles concerned, and its agents of those roles who chose it.</summary>
internal static class NotificationRecipients
{
    /// <summary>The addresses, distinct (case-insensitive), sorted.</summary>
    public static async Task<IReadOnlyList<string>> ResolveAsync(CpomDbContext db, string eventName, string organisation, IReadOnlyCollection<string> roles,
        CancellationToken cancellationToken)
    {
        var rows = await db.NotificationAddresses.AsNoTracking().Where(a => a.OrganisationId == organisation).ToListAsync(cancellationToken);
        if (rows.Count == 0)
        {
            return [];
        }
        var agents = await db.Agents.AsNoTracking().Where(a => a.OrganisationId == organisation && !a.Disabled)
            .Select(a => new { a.Id, a.Roles }).ToListAsync(cancellationToken);
        var concerned = agents
            .Where(a => a.Roles.Split(',', StringSplitOptions.TrimEntries).Any(roles.Contains))
            .Select(a => a.Id)
            .ToHashSet(StringComparer.Ordinal);
        return rows
            .Where(a => Wants(a.Events, eventName) && (a.AgentId is null ? a.Role is not null && roles.Contains(a.Role) : concerned.Contains(a.AgentId)))
            .Select(a => a.Address)
            .Distinct(StringComparer.OrdinalIgnoreCase)
            .Order(StringComparer.OrdinalIgnoreCase)
            .ToList();
    }

    /// <summary>The own address of <paramref name="agentId"/> (if they set one and want <paramref name="eventName"/>), and <paramref name="others"/>: distinct, sorted.</summary>
    public static async Task<IReadOnlyList<string>> AgentAndAsync(CpomDbContext db, string eventName, string agentId, IEnumerable<string> others,
        CancellationToken cancellationToken)
    {
        var own = await db.NotificationAddresses.AsNoTracking().Where(a => a.AgentId == agentId).ToListAsync(cancellationToken);
        return own.Where(a => Wants(a.Events, eventName)).Select(a => a.Address)
            .Concat(others)
            .Distinct(StringComparer.OrdinalIgnoreCase)
            .Order(StringComparer.OrdinalIgnoreCase)
            .ToList();
    }

    /// <summary>True when <paramref name="events"/> (comma-separated; null or empty: all) includes <paramref name="eventName"/>.</summary>
    public static bool Wants(string? events, string eventName) =>
        string.IsNullOrWhiteSpace(events) || events.Split(',', StringSplitOptions.TrimEntries).Contains(eventName, StringComparer.Ordinal);
}
