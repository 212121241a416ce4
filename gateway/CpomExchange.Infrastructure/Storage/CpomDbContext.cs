using CpomExchange.Infrastructure.AccessLog;
using CpomExchange.Infrastructure.Keys;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace CpomExchange.Infrastructure.Storage;

/// <summary>
/// The gateway's database: the directory of agents, the datasets' metadata (with their wrapped data
/// keys), the access logs, the leases of periodic jobs, the pseudonymisation key and the key rotations. One model, two providers, each with its own migrations:
/// <see cref="SqliteCpomDbContext"/> and <see cref="PostgresCpomDbContext"/>.
/// </summary>
public abstract class CpomDbContext(DbContextOptions options) : DbContext(options)
{
    /// <summary>The directory of agents.</summary>
    public DbSet<AgentEntity> Agents => Set<AgentEntity>();

    /// <summary>The datasets' metadata (the content is in the payload store).</summary>
    public DbSet<DatasetEntity> Datasets => Set<DatasetEntity>();

    /// <summary>The entries of every controller's access log.</summary>
    public DbSet<AccessLogEntryEntity> AccessLogEntries => Set<AccessLogEntryEntity>();

    /// <summary>The leaf hashes of every controller's access log.</summary>
    public DbSet<AccessLogLeafEntity> AccessLogLeaves => Set<AccessLogLeafEntity>();

    /// <summary>The head of every controller's access log.</summary>
    public DbSet<AccessLogHeadEntity> AccessLogHeads => Set<AccessLogHeadEntity>();

    /// <summary>The signed checkpoints of every controller's access log.</summary>
    public DbSet<AccessLogCheckpointEntity> AccessLogCheckpoints => Set<AccessLogCheckpointEntity>();

    /// <summary>The last checkpoint each DPO verified in the console.</summary>
    public DbSet<DpoCheckpointEntity> DpoCheckpoints => Set<DpoCheckpointEntity>();

    /// <summary>The leases of the periodic jobs that one instance only must run at a time.</summary>
    public DbSet<LeaseEntity> Leases => Set<LeaseEntity>();

    /// <summary>The deployment's pseudonymisation key, wrapped (one row per version).</summary>
    public DbSet<PseudonymKeyEntity> PseudonymKeys => Set<PseudonymKeyEntity>();

    /// <summary>The rotations of the key-encryption key, with the state of the one under way.</summary>
    public DbSet<KeyRotationEntity> KeyRotations => Set<KeyRotationEntity>();

    /// <summary>The notifications' outbox.</summary>
    public DbSet<CpomExchange.Infrastructure.Notifications.NotificationEntity> Notifications => Set<CpomExchange.Infrastructure.Notifications.NotificationEntity>();

    /// <summary>The addresses notifications go to.</summary>
    public DbSet<CpomExchange.Infrastructure.Notifications.NotificationAddressEntity> NotificationAddresses => Set<CpomExchange.Infrastructure.Notifications.NotificationAddressEntity>();
    /// <summary>Every version of the policy the gateway ran, in the order it came into force.</summary>
    public DbSet<PolicyHistory.PolicyVersionEntity> PolicyVersions => Set<PolicyHistory.PolicyVersionEntity>();

    /// <summary>The directory's version, raised by the triggers on <c>agents</c> at every change.</summary>
    public DbSet<CpomExchange.Infrastructure.Agents.DirectoryVersionEntity> DirectoryVersions => Set<CpomExchange.Infrastructure.Agents.DirectoryVersionEntity>();

    /// <summary>Options for the SQLite database of <paramref name="home"/>.</summary>
    public static DbContextOptions<SqliteCpomDbContext> SqliteOptions(CpomHome home, int busyTimeoutSeconds = 30)
    {
        ArgumentNullException.ThrowIfNull(home);
        return new DbContextOptionsBuilder<SqliteCpomDbContext>().UseSqlite(SqliteConnectionString(home, busyTimeoutSeconds)).Options;
    }

    /// <summary>
    /// The connection string of the SQLite database of <paramref name="home"/>: how long a
    /// statement waits for a database another process holds before failing (then answered 503).
    /// </summary>
    public static string SqliteConnectionString(CpomHome home, int busyTimeoutSeconds = 30)
    {
        ArgumentNullException.ThrowIfNull(home);
        return $"Data Source={home.DatabaseFile};Default Timeout={busyTimeoutSeconds}";
    }

    /// <inheritdoc />
    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        var agent = modelBuilder.Entity<AgentEntity>();
        // The triggers raise the directory's version in the transaction of each change (DirectoryVersionEntity).
        agent.ToTable("agents", table =>
        {
            foreach (var trigger in CpomExchange.Infrastructure.Agents.DirectoryVersionEntity.Triggers)
            {
                table.HasTrigger(trigger);
            }
        });
        agent.HasKey(a => a.Id);
        agent.Property(a => a.Id).HasMaxLength(100);
        agent.Property(a => a.DisplayName).HasMaxLength(200);
        agent.Property(a => a.OrganisationId).HasMaxLength(100);
        agent.Property(a => a.Roles).HasMaxLength(200);
        agent.Property(a => a.CertificateSha256).HasMaxLength(64);
        agent.Property(a => a.CertificateSubject).HasMaxLength(500);
        agent.Property(a => a.CertificateIssuer).HasMaxLength(500);
        agent.HasIndex(a => a.CertificateSha256).IsUnique();
        agent.Ignore(a => a.RoleList);

        var dataset = modelBuilder.Entity<DatasetEntity>();
        dataset.ToTable("datasets");
        dataset.HasKey(d => d.Id);
        dataset.Property(d => d.Id).HasMaxLength(64);
        dataset.Property(d => d.Type).HasMaxLength(64);
        dataset.Property(d => d.FromOrganisation).HasMaxLength(100);
        dataset.Property(d => d.ToOrganisation).HasMaxLength(100);
        dataset.Property(d => d.Purpose).HasMaxLength(64);
        dataset.Property(d => d.Object).HasMaxLength(80);
        dataset.Property(d => d.ContractId).HasMaxLength(100);
        dataset.Property(d => d.CreatedBy).HasMaxLength(100);
        dataset.Property(d => d.Sha256).HasMaxLength(64);
        dataset.Property(d => d.SourceSha256).HasMaxLength(64);
        dataset.Property(d => d.PayloadName).HasMaxLength(200);
        dataset.Property(d => d.Status).HasMaxLength(16);
        dataset.Property(d => d.ReplyTo).HasMaxLength(64);
        dataset.Property(d => d.AcknowledgedBy).HasMaxLength(100);
        dataset.Property(d => d.PayloadKeyId).HasMaxLength(300);
        dataset.Property(d => d.SubjectsKeyId).HasMaxLength(300);
        dataset.Property(d => d.SubjectsSha256).HasMaxLength(64);
        dataset.HasIndex(d => new { d.Status, d.CreatedAtUtc });
        dataset.HasIndex(d => new { d.ToOrganisation, d.CreatedAtUtc });
        dataset.HasIndex(d => new { d.FromOrganisation, d.CreatedAtUtc });
        dataset.Property(d => d.Title).HasMaxLength(200);
        dataset.Property(d => d.MediaType).HasMaxLength(100);
        dataset.Property(d => d.Replaces).HasMaxLength(64);
        // A dataset is replaced once: of two replacements of the same dataset, one commits.
        dataset.HasIndex(d => d.Replaces).IsUnique();

        var entry = modelBuilder.Entity<AccessLogEntryEntity>();
        entry.ToTable("access_log_entries");
        entry.HasKey(e => new { e.Controller, e.Seq });
        entry.Property(e => e.Controller).HasMaxLength(100);
        entry.Property(e => e.AgentId).HasMaxLength(100);
        entry.Property(e => e.AgentName).HasMaxLength(200);
        entry.Property(e => e.Organisation).HasMaxLength(100);
        entry.Property(e => e.CertificateSha256).HasMaxLength(64);
        entry.Property(e => e.Action).HasMaxLength(32);
        entry.Property(e => e.ExchangeType).HasMaxLength(64);
        entry.Property(e => e.DatasetId).HasMaxLength(64);
        entry.Property(e => e.Counterpart).HasMaxLength(100);
        entry.Property(e => e.Purpose).HasMaxLength(64);
        entry.Property(e => e.Object).HasMaxLength(80);
        entry.Property(e => e.LegalBasis).HasMaxLength(500);
        entry.Property(e => e.Outcome).HasMaxLength(16);
        entry.Property(e => e.ReasonCode).HasMaxLength(64);
        entry.Property(e => e.ClientAddress).HasMaxLength(64);
        entry.Property(e => e.RequestId).HasMaxLength(128);
        entry.Property(e => e.PolicyHash).HasMaxLength(80);
        // The DPO's review on a log of millions of entries (BENCHMARKS.md, "The DPO's console on a log of a
        // million entries"). The overview's grouped counts read only this index (it holds every column they
        // group by: no row of the table is read); a page filtered by dataset, outcome or agent walks the
        // matching entries newest first in the index that ends with Seq, instead of the whole log backwards.
        entry.HasIndex(e => new { e.Controller, e.TimeUtc, e.Action, e.Outcome, e.ExchangeType, e.Purpose, e.Counterpart, e.AgentId, e.ReasonCode })
            .HasDatabaseName("IX_access_log_entries_overview");
        entry.HasIndex(e => new { e.Controller, e.DatasetId, e.Seq });
        entry.HasIndex(e => new { e.Controller, e.Outcome, e.Seq });
        entry.HasIndex(e => new { e.Controller, e.AgentId, e.Seq });

        var leaf = modelBuilder.Entity<AccessLogLeafEntity>();
        leaf.ToTable("access_log_leaves");
        leaf.HasKey(l => new { l.Controller, l.Seq });
        leaf.Property(l => l.Controller).HasMaxLength(100);

        var head = modelBuilder.Entity<AccessLogHeadEntity>();
        head.ToTable("access_log_heads");
        head.HasKey(h => h.Controller);
        head.Property(h => h.Controller).HasMaxLength(100);

        var checkpoint = modelBuilder.Entity<AccessLogCheckpointEntity>();
        checkpoint.ToTable("access_log_checkpoints");
        checkpoint.HasKey(c => new { c.Controller, c.TreeSize });
        checkpoint.Property(c => c.Controller).HasMaxLength(100);
        checkpoint.Property(c => c.KeyId).HasMaxLength(300);

        var dpoCheckpoint = modelBuilder.Entity<DpoCheckpointEntity>();
        dpoCheckpoint.ToTable("dpo_checkpoints");
        dpoCheckpoint.HasKey(c => new { c.AgentId, c.Controller });
        dpoCheckpoint.Property(c => c.AgentId).HasMaxLength(100);
        dpoCheckpoint.Property(c => c.Controller).HasMaxLength(100);
        dpoCheckpoint.Property(c => c.KeyId).HasMaxLength(300);

        var lease = modelBuilder.Entity<LeaseEntity>();
        lease.ToTable("leases");
        lease.HasKey(l => l.Name);
        lease.Property(l => l.Name).HasMaxLength(64);
        lease.Property(l => l.Holder).HasMaxLength(200);

        var pseudonymKey = modelBuilder.Entity<PseudonymKeyEntity>();
        pseudonymKey.ToTable("pseudonym_keys");
        pseudonymKey.HasKey(k => k.Version);
        pseudonymKey.Property(k => k.Version).ValueGeneratedNever();
        pseudonymKey.Property(k => k.KeyId).HasMaxLength(300);
        pseudonymKey.Property(k => k.Origin).HasMaxLength(16);

        var rotation = modelBuilder.Entity<KeyRotationEntity>();
        rotation.ToTable("key_rotations");
        rotation.HasKey(r => r.Id);
        rotation.Property(r => r.State).HasMaxLength(16);
        rotation.Property(r => r.RequestedBy).HasMaxLength(100);
        rotation.Property(r => r.TargetKeyId).HasMaxLength(300);
        rotation.Property(r => r.LastError).HasMaxLength(500);
        rotation.HasIndex(r => r.State);

        CpomExchange.Infrastructure.Notifications.NotificationModel.Configure(modelBuilder);
        PolicyHistory.PolicyVersionEntity.Configure(modelBuilder);
        CpomExchange.Infrastructure.Agents.DirectoryVersionEntity.Configure(modelBuilder);
    }
}

/// <summary>The gateway's database on SQLite (one site, one machine); migrations in <c>Migrations/Sqlite</c>.</summary>
public sealed class SqliteCpomDbContext(DbContextOptions<SqliteCpomDbContext> options) : CpomDbContext(options);

/// <summary>The gateway's database on PostgreSQL (several instances); migrations in <c>Migrations/Postgres</c>.</summary>
public sealed class PostgresCpomDbContext(DbContextOptions<PostgresCpomDbContext> options) : CpomDbContext(options);

/// <summary>A periodic job's lease: the instance that holds it until it expires runs the job.</summary>
public sealed class LeaseEntity
{
    /// <summary>The job, such as <c>dataset-retention</c>.</summary>
    public required string Name { get; set; }

    /// <summary>The instance holding the lease (host, process, start).</summary>
    public required string Holder { get; set; }

    /// <summary>When the lease ends unless its holder renews it (UTC).</summary>
    public DateTime ExpiresAtUtc { get; set; }
}

/// <summary>Lets <c>dotnet ef</c> build the SQLite model without starting the gateway.</summary>
internal sealed class SqliteDesignTimeFactory : IDesignTimeDbContextFactory<SqliteCpomDbContext>
{
    public SqliteCpomDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<SqliteCpomDbContext>().UseSqlite("Data Source=design.db").Options);
}

/// <summary>Lets <c>dotnet ef</c> build the PostgreSQL model without a server (nothing connects).</summary>
internal sealed class PostgresDesignTimeFactory : IDesignTimeDbContextFactory<PostgresCpomDbContext>
{
    public PostgresCpomDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<PostgresCpomDbContext>().UseNpgsql("Host=localhost;Database=cpom_design").Options);
}
