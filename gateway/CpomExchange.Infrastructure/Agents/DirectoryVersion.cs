using Microsoft.EntityFrameworkCore;

namespace CpomExchange.Infrastructure.Agents;

/// <summary>
/// The directory's version: one row, whose number every change of the <c>agents</c> table raises in
/// the change's own transaction, by database triggers (<see cref="Triggers"/>), whatever makes the
/// change (the admin API and console, the bootstrap administrator, the development PKI, an operator's
/// SQL). An instance that keeps bound agents in memory reads this one number at each request and
/// reads an agent again when the number differs from the one it was read at: a change committed on
/// any instance sharing the database is seen by every instance at its next request.
/// </summary>
public sealed class DirectoryVersionEntity
{
    /// <summary>The only row's key.</summary>
    public const int SingleId = 1;

    /// <summary>Always <see cref="SingleId"/>.</summary>
    public int Id { get; set; }

    /// <summary>Raised by one (at least) at every insert, update or delete of an agent.</summary>
    public long Version { get; set; }

    /// <summary>The triggers on <c>agents</c> that raise the version (declared in the model so that EF Core's SQL allows for them).</summary>
    public static readonly string[] Triggers = ["agents_directory_version_insert", "agents_directory_version_update", "agents_directory_version_delete"];

    internal static void Configure(ModelBuilder modelBuilder)
    {
        var version = modelBuilder.Entity<DirectoryVersionEntity>();
        version.ToTable("directory_version");
        version.HasKey(v => v.Id);
        version.Property(v => v.Id).ValueGeneratedNever();
        version.HasData(new DirectoryVersionEntity { Id = SingleId, Version = 0 });
    }
}
