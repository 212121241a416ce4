using System.Collections.Concurrent;
using CpomExchange.Infrastructure.Agents;
using CpomExchange.Infrastructure.Storage;

namespace CpomExchange.Gateway.Authentication;

/// <summary>What the binding needs of a registered agent, as the directory held it at one version.</summary>
internal sealed record BoundAgent(string Id, string DisplayName, string? OrganisationId, bool Disabled, IReadOnlyList<string> Roles)
{
    public static BoundAgent Of(AgentEntity agent) => new(agent.Id, agent.DisplayName, agent.OrganisationId, agent.Disabled, agent.RoleList);
}

/// <summary>
/// The agents bound on this instance, by certificate fingerprint, each with the directory version
/// (<see cref="DirectoryVersionEntity"/>) read before it. A request reads the version (one
/// single-row command) and reuses an agent only if it was read at that very version; any change
/// of the directory, on any instance sharing the database, raises the version in its own
/// transaction, so the next request reads the agent again. The version is read before the agent,
/// so an agent kept is never older than its version says. Unknown certificates are not kept.
/// </summary>
internal sealed class BoundAgents
{
    /// <summary>Beyond this many certificates the cache starts again empty (a bound on memory, not a policy).</summary>
    public const int MaxEntries = 10_000;

    private readonly ConcurrentDictionary<string, (long Version, BoundAgent Agent)> _agents = new(StringComparer.Ordinal);

    /// <summary>The agent of <paramref name="fingerprint"/> as the directory holds it now, or null when none is registered.</summary>
    public async Task<BoundAgent?> FindAsync(CpomDbContext db, string fingerprint, CancellationToken cancellationToken)
    {
        var version = await AgentDirectory.VersionAsync(db, cancellationToken);
        if (version is { } current && _agents.TryGetValue(fingerprint, out var kept) && kept.Version == current)
        {
            return kept.Agent;
        }
        var row = await AgentDirectory.FindByFingerprintAsync(db, fingerprint, cancellationToken);
        if (row is null)
        {
            _agents.TryRemove(fingerprint, out _);
            return null;
        }
        var agent = BoundAgent.Of(row);
        if (version is { } read)
        {
            if (_agents.Count >= MaxEntries)
            {
                _agents.Clear();
            }
            _agents[fingerprint] = (read, agent);
        }
        return agent;
    }
}
