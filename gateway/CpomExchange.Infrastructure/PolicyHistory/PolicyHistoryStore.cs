using System.Text.Json;
using CpomExchange.Infrastructure.Storage;
using CpomExchange.Rules.Policies;
using Microsoft.EntityFrameworkCore;

namespace CpomExchange.Infrastructure.PolicyHistory;

/// <summary>A version of the policy in the history, without its files.</summary>
/// <param name="Id">Its place in the history.</param>
/// <param name="Hash">The hash of its files.</param>
/// <param name="InForceFrom">When it came into force.</param>
/// <param name="InForceUntil">When the next version replaced it; null for the one in force.</param>
/// <param name="DeployedBy">Who deployed it, when known.</param>
/// <param name="Instance">The instance that first ran it.</param>
public sealed record PolicyVersionInfo(long Id, string Hash, DateTime InForceFrom, DateTime? InForceUntil, string? DeployedBy, string? Instance);

/// <summary>Reads and appends the history of the policy versions the gateway ran.</summary>
public static class PolicyHistoryStore
{
    private const string LockName = "policy-history";

    /// <summary>
    /// Records that the policy of <paramref name="folder"/>, with the authorisations administrators added
    /// (<see cref="PolicyFiles.AdministeredFile"/> of the latest version: they outlive a new folder), is in
    /// force from <paramref name="now"/>, unless it already is the latest version of the history. Serialised
    /// between instances (they may start together with the same new policy: one row; an administrator may add
    /// an authorisation meanwhile: it is read under the same lock). Returns the policy this instance applies,
    /// the version in force and whether this call added it. Throws <see cref="PolicyException"/> when the
    /// folder refuses an authorisation of the history (a contract removed that an authorisation names).
    /// </summary>
    public static async Task<(PolicySet Policies, PolicyVersionInfo Version, bool Added)> RecordAsync(CpomDbContext db, PolicySet folder, string? deployedBy, string instance,
        DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(folder);
        await using var transaction = await CpomDatabase.BeginWriteAsync(db, cancellationToken);
        await LockAsync(db, cancellationToken);
        var latest = await db.PolicyVersions.AsNoTracking().OrderByDescending(v => v.Id).FirstOrDefaultAsync(cancellationToken);
        var (policies, errors) = AdministeredAuthorisations.Apply(folder, latest is null ? null : Administered(latest.Files));
        if (policies is null)
        {
            throw new PolicyException(errors);
        }
        if (latest is not null && latest.Hash == policies.Hash)
        {
            return (policies, ToInfo(latest, null), false);
        }
        var added = await AppendAsync(db, policies, deployedBy, instance, now, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return (policies, added, true);
    }

    /// <summary>Takes the history's lock for the rest of the current write transaction (one writer of the history at a time, across instances).</summary>
    public static Task LockAsync(CpomDbContext db, CancellationToken cancellationToken = default) => CpomDatabase.LockAsync(db, LockName, cancellationToken);

    /// <summary>The authorisations administrators added (<see cref="PolicyFiles.AdministeredFile"/>) as of the latest version; null when none.</summary>
    public static async Task<string?> AdministeredAsync(CpomDbContext db, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        var files = await db.PolicyVersions.AsNoTracking().OrderByDescending(v => v.Id).Select(v => v.Files).FirstOrDefaultAsync(cancellationToken);
        return files is null ? null : Administered(files);
    }

    /// <summary>
    /// Appends <paramref name="policies"/> as the version in force from <paramref name="now"/>, in the caller's
    /// write transaction, under <see cref="LockAsync"/> (saved, not committed).
    /// </summary>
    public static async Task<PolicyVersionInfo> AppendAsync(CpomDbContext db, PolicySet policies, string? deployedBy, string instance, DateTimeOffset now,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(policies);
        var added = new PolicyVersionEntity
        {
            Hash = policies.Hash,
            Files = JsonSerializer.Serialize(new SortedDictionary<string, string>(policies.Files.ToDictionary(), StringComparer.Ordinal)),
            InForceFromUtc = now.UtcDateTime,
            DeployedBy = Fit(deployedBy),
            Instance = Fit(instance),
        };
        db.PolicyVersions.Add(added);
        await db.SaveChangesAsync(cancellationToken);
        return ToInfo(added, null);
    }

    private static string? Administered(string files) =>
        JsonSerializer.Deserialize<Dictionary<string, string>>(files)!.GetValueOrDefault(PolicyFiles.AdministeredFile);

    /// <summary>Every version, oldest first, each with the time the next one replaced it.</summary>
    public static async Task<IReadOnlyList<PolicyVersionInfo>> ListAsync(CpomDbContext db, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        var rows = await db.PolicyVersions.AsNoTracking().OrderBy(v => v.Id)
            .Select(v => new { v.Id, v.Hash, v.InForceFromUtc, v.DeployedBy, v.Instance }).ToListAsync(cancellationToken);
        return rows.Select((v, i) => new PolicyVersionInfo(v.Id, v.Hash, Utc(v.InForceFromUtc), i + 1 < rows.Count ? Utc(rows[i + 1].InForceFromUtc) : null,
            v.DeployedBy, v.Instance)).ToList();
    }

    /// <summary>
    /// The files of the version whose hash is <paramref name="hash"/> or starts with it (8 hexadecimal
    /// digits at least; a prefix two versions share is ambiguous: null).
    /// </summary>
    public static async Task<(string Hash, IReadOnlyDictionary<string, string> Files)?> FilesAsync(CpomDbContext db, string hash, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        if (hash.Length < 8 || hash.Length > 64 || !hash.All(char.IsAsciiHexDigitLower))
        {
            return null;
        }
        var matches = await db.PolicyVersions.AsNoTracking().Where(v => v.Hash.StartsWith(hash)).Select(v => v.Hash).Distinct().ToListAsync(cancellationToken);
        if (matches.Count != 1)
        {
            return null;
        }
        var files = await db.PolicyVersions.AsNoTracking().Where(v => v.Hash == matches[0]).OrderBy(v => v.Id).Select(v => v.Files).FirstAsync(cancellationToken);
        return (matches[0], JsonSerializer.Deserialize<SortedDictionary<string, string>>(files)!);
    }

    private static PolicyVersionInfo ToInfo(PolicyVersionEntity v, DateTime? until) =>
        new(v.Id, v.Hash, Utc(v.InForceFromUtc), until, v.DeployedBy, v.Instance);

    private static DateTime Utc(DateTime value) => DateTime.SpecifyKind(value, DateTimeKind.Utc);

    private static string? Fit(string? value) => value is null ? null : value.Length > 200 ? value[..200] : value;
}
