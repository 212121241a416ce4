using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace CpomExchange.Infrastructure.Storage;

/// <summary>The gateway's database: the directory of agents and the datasets' metadata.</summary>
public sealed class CpomDbContext(DbContextOptions<CpomDbContext> options) : DbContext(options)
{
    /// <summary>The directory of agents.</summary>
    public DbSet<AgentEntity> Agents => Set<AgentEntity>();

    /// <summary>The datasets' metadata (the content is in the payload store).</summary>
    public DbSet<DatasetEntity> Datasets => Set<DatasetEntity>();

    /// <summary>Options for the SQLite database of <paramref name="home"/>.</summary>
    public static DbContextOptions<CpomDbContext> SqliteOptions(CpomHome home)
    {
        ArgumentNullException.ThrowIfNull(home);
        return new DbContextOptionsBuilder<CpomDbContext>().UseSqlite(SqliteConnectionString(home)).Options;
    }

    /// <summary>The connection string of the SQLite database of <paramref name="home"/>.</summary>
    public static string SqliteConnectionString(CpomHome home) =>
        $"Data Source={home.DatabaseFile};Cache=Shared;Default Timeout=30";

    /// <inheritdoc />
    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        var agent = modelBuilder.Entity<AgentEntity>();
        agent.ToTable("agents");
        agent.HasKey(a => a.Id);
        agent.Property(a => a.Id).HasMaxLength(100);
        agent.Property(a => a.DisplayName).HasMaxLength(200);
        agent.Property(a => a.OrganisationId).HasMaxLength(100);
        agent.Property(a => a.Roles).HasMaxLength(200);
        agent.Property(a => a.CertificateSha256).HasMaxLength(64);
        agent.Property(a => a.CertificateSubject).HasMaxLength(500);
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
        dataset.HasIndex(d => new { d.ToOrganisation, d.CreatedAtUtc });
        dataset.HasIndex(d => new { d.FromOrganisation, d.CreatedAtUtc });
    }
}

/// <summary>Lets <c>dotnet ef</c> build the model without starting the gateway.</summary>
internal sealed class DesignTimeFactory : IDesignTimeDbContextFactory<CpomDbContext>
{
    public CpomDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<CpomDbContext>().UseSqlite("Data Source=design.db").Options);
}
