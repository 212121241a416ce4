using CpomExchange.Gateway.Hosting;
using CpomExchange.Infrastructure;
using CpomExchange.Rules.Csv;

namespace CpomExchange.Gateway.Limits;

/// <summary>
/// Where large uploads spill the sorted runs of their SIRETs and pseudonyms (<c>$CPOM_HOME/spool</c>,
/// encrypted, deleted when closed), and the quota those runs share (<c>Cpom:Limits:SpoolQuotaBytes</c>):
/// an upload whose next run does not fit is refused <c>507 storage.spool-full</c> and leaves nothing
/// behind, instead of filling the disk the database and the payloads live on.
/// </summary>
internal sealed class Spool
{
    public Spool(CpomHome home, LimitOptions limits)
    {
        if (limits.SpoolQuotaBytes < 1)
        {
            throw new InvalidOperationException($"Cpom:Limits:SpoolQuotaBytes doit être positif (valeur : {limits.SpoolQuotaBytes}).");
        }
        Directory = Path.Combine(home.Root, "spool");
        Quota = new SpillQuota(limits.SpoolQuotaBytes);
    }

    /// <summary>The spool folder.</summary>
    public string Directory { get; }

    /// <summary>The bytes the runs of every upload in progress may take together.</summary>
    public SpillQuota Quota { get; }
}
