using CpomExchange.Infrastructure.Storage;
using CpomExchange.Rules.Policies;

namespace CpomExchange.Infrastructure.PolicyHistory;

/// <summary>
/// The policy this instance applies now: the one read from its folder at start (<see cref="Folder"/>), plus
/// the third-party authorisations administrators added through the API since (kept in the policy history,
/// shared by every instance). An addition replaces <see cref="Current"/> at once on the instance that made
/// it; the others catch up with <see cref="RefreshAsync"/>. Every decision, registre and log entry reads
/// <see cref="Current"/> (the gateway resolves <see cref="PolicySet"/> through it, per use).
/// </summary>
public sealed class PolicyState(PolicySet folder, PolicySet current)
{
    private readonly Lock _gate = new();
    private PolicySet _current = current;

    /// <summary>The policy as read from the folder, without the administered authorisations.</summary>
    public PolicySet Folder { get; } = folder;

    /// <summary>The policy in force on this instance.</summary>
    public PolicySet Current => Volatile.Read(ref _current);

    /// <summary>
    /// Replaces the policy in force (after an addition this instance committed, or one read from the history),
    /// unless the one in force already holds more administered authorisations: the file only grows, so a
    /// shorter one is an older read that lost a race (two additions committed in one order, applied in the other).
    /// </summary>
    public void Set(PolicySet policies)
    {
        ArgumentNullException.ThrowIfNull(policies);
        lock (_gate)
        {
            if (Administered(policies).Length >= Administered(_current).Length)
            {
                Volatile.Write(ref _current, policies);
            }
        }
    }

    private static string Administered(PolicySet policies) => policies.Files.GetValueOrDefault(PolicyFiles.AdministeredFile) ?? string.Empty;

    /// <summary>
    /// Applies the administered authorisations of the latest version of the history when they go further
    /// than those in force here. Returns the errors when this folder refuses them (the policy in force then stays:
    /// an authorisation only ever allows more, so keeping the older set refuses what is in doubt).
    /// </summary>
    public async Task<IReadOnlyList<PolicyError>> RefreshAsync(CpomDbContext db, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        var administered = await PolicyHistoryStore.AdministeredAsync(db, cancellationToken);
        if (administered is null || administered.Length <= Administered(Current).Length)
        {
            return [];
        }
        var (policies, errors) = AdministeredAuthorisations.Apply(Folder, administered);
        if (policies is not null)
        {
            Set(policies);
        }
        return errors;
    }
}
