using System.Collections.Concurrent;
using CpomExchange.Rules.AccessLog;

namespace CpomExchange.Infrastructure.AccessLog;

/// <summary>
/// What this process last verified of each controller's log: the state at the latest signed checkpoint
/// that a verification recomputed from the entries (<see cref="LogVerification.VerifiedStart"/>). It lives
/// in memory only, so that nothing an attacker can write (the database) decides where a verification
/// starts; a restart, or another instance, begins with a full verification.
/// </summary>
public sealed class VerifiedCheckpoints
{
    private readonly ConcurrentDictionary<string, LogStart> _states = new(StringComparer.Ordinal);

    /// <summary>The state to start from, or null (verify in full).</summary>
    public LogStart? Get(string controller) => _states.TryGetValue(controller, out var start) ? start : null;

    /// <summary>Remembers a verified state; a smaller one never replaces a larger one.</summary>
    public void Remember(string controller, LogStart start)
    {
        ArgumentNullException.ThrowIfNull(start);
        _states.AddOrUpdate(controller, start, (_, old) => start.Size >= old.Size ? start : old);
    }

    /// <summary>Forgets every state (the next verification of each log is full).</summary>
    public void Clear() => _states.Clear();
}
