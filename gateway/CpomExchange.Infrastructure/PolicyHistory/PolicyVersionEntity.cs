using Microsoft.EntityFrameworkCore;

namespace CpomExchange.Infrastructure.PolicyHistory;

/// <summary>
/// One period during which the gateway ran one version of the policy: its hash, its files, when it came
/// into force, and who deployed it when the deployment said so. A version run again later (a roll-back)
/// is a new row: the history is the sequence of periods, never rewritten.
/// </summary>
public sealed class PolicyVersionEntity
{
    /// <summary>The order in which the versions came into force.</summary>
    public long Id { get; set; }

    /// <summary>The SHA-256 of the policy files (<see cref="Rules.Policies.PolicyFiles.Hash"/>).</summary>
    public required string Hash { get; set; }

    /// <summary>The files, as a JSON object: path → content.</summary>
    public required string Files { get; set; }

    /// <summary>When the first instance started with it (UTC).</summary>
    public DateTime InForceFromUtc { get; set; }

    /// <summary>Who deployed it (<c>Cpom:PolicyHistory:DeployedBy</c>), when known.</summary>
    public string? DeployedBy { get; set; }

    /// <summary>The instance that first ran it (host, process).</summary>
    public string? Instance { get; set; }

    internal static void Configure(ModelBuilder modelBuilder)
    {
        var version = modelBuilder.Entity<PolicyVersionEntity>();
        version.ToTable("policy_versions");
        version.HasKey(v => v.Id);
        version.Property(v => v.Hash).HasMaxLength(80);
        version.Property(v => v.DeployedBy).HasMaxLength(200);
        version.Property(v => v.Instance).HasMaxLength(200);
        version.HasIndex(v => v.Hash);
    }
}
