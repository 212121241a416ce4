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
    private PolicySet _current = current;

    /// <summary>The policy as read from the folder, without the administered authorisations.</summary>
    public PolicySet Folder { get; } = folder;

    /// <summary>The policy in force on this instance.</summary>
    public PolicySet Current => Volatile.Read(ref _current);

    /// <summary>Replaces the policy in force (after an addition this instance committed).</summary>
    public void Set(PolicySet policies)
    {
        ArgumentNullException.ThrowIfNull(policies);
        Volatile.Write(ref _current, policies);
    }

    /// <summary>
    /// Applies the administered authorisations of the latest version of the history when they differ from
    /// those in force here. Returns the errors when this folder refuses them (the policy in force then stays:
    /// an authorisation only ever allows more, so keeping the older set refuses what is in doubt).
    /// </summary>
    public async Task<IReadOnlyList<PolicyError>> RefreshAsync(CpomDbContext db, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        var administered = await PolicyHistoryStore.AdministeredAsync(db, cancellationToken);
        var mine = Current.Files.GetValueOrDefault(PolicyFiles.AdministeredFile);
        if (administered is null || administered == mine)
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
