using System.Data;
using System.Security.Cryptography.X509Certificates;
using CpomExchange.Infrastructure.Pki;
using CpomExchange.Infrastructure.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace CpomExchange.Infrastructure.Agents;

/// <summary>The directory of agents: who a certificate is.</summary>
public static class AgentDirectory
{
    /// <summary>Registers an agent unless one with that id already exists, dated by <paramref name="time"/> (the system clock by default).</summary>
    /// <returns>True when the agent was added now.</returns>
    public static async Task<bool> RegisterIfAbsentAsync(CpomDbContext db, string id, string displayName, string? organisation,
        IReadOnlyList<string> roles, X509Certificate2 certificate, CancellationToken cancellationToken = default, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(certificate);
        if (await db.Agents.AnyAsync(a => a.Id == id, cancellationToken))
        {
            return false;
        }
        db.Agents.Add(new AgentEntity
        {
            Id = id,
            DisplayName = displayName,
            OrganisationId = organisation,
            Roles = string.Join(',', roles),
            CertificateSha256 = CertificateFacts.Sha256Fingerprint(certificate),
            CertificateSubject = certificate.Subject,
            CertificateNotAfterUtc = certificate.NotAfter.ToUniversalTime(),
            CertificateIssuer = certificate.Issuer,
            CertificateNotBeforeUtc = certificate.NotBefore.ToUniversalTime(),
            CreatedAtUtc = (time ?? TimeProvider.System).GetUtcNow().UtcDateTime,
        });
        await db.SaveChangesAsync(cancellationToken);
        return true;
    }

    private const string VersionSql = "SELECT \"Version\" FROM directory_version WHERE \"Id\" = 1";

    /// <summary>
    /// The directory's version (<see cref="DirectoryVersionEntity"/>), read with one command on the
    /// context's connection, in its transaction if one is open; null when the row is missing (then
    /// nothing read from the directory may be reused).
    /// </summary>
    public static async Task<long?> VersionAsync(CpomDbContext db, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        var connection = db.Database.GetDbConnection();
        var opened = connection.State != ConnectionState.Open;
        if (opened)
        {
            await db.Database.OpenConnectionAsync(cancellationToken);
        }
        try
        {
            await using var command = connection.CreateCommand();
            command.CommandText = VersionSql;
            command.Transaction = db.Database.CurrentTransaction?.GetDbTransaction();
            return await command.ExecuteScalarAsync(cancellationToken) is { } value and not DBNull ? Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture) : null;
        }
        finally
        {
            if (opened)
            {
                await db.Database.CloseConnectionAsync();
            }
        }
    }

    /// <summary>The agent whose certificate has this SHA-256 fingerprint, or null.</summary>
    public static Task<AgentEntity?> FindByFingerprintAsync(CpomDbContext db, string sha256, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        return db.Agents.AsNoTracking().SingleOrDefaultAsync(a => a.CertificateSha256 == sha256, cancellationToken);
    }
}
