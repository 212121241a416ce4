using CpomExchange.Infrastructure.Keys;
using CpomExchange.Infrastructure.Storage;
using CpomExchange.Rules.AccessLog;
using Microsoft.EntityFrameworkCore;

namespace CpomExchange.Infrastructure.AccessLog;

/// <summary>What to record, before the log gives it a sequence number and chains it.</summary>
public sealed record AccessLogDraft(
    DateTimeOffset Time,
    string AgentId,
    string AgentName,
    string? Organisation,
    string CertificateSha256,
    string Action,
    string? ExchangeType,
    string? DatasetId,
    long? Rows,
    string? Counterpart,
    string? Purpose,
    string? Object,
    string? LegalBasis,
    string Outcome,
    string? ReasonCode,
    string? ClientAddress,
    string? RequestId)
{
    /// <summary>The hash of the policy the decision was taken under; when null, the writer's (the policy the gateway runs).</summary>
    public string? PolicyHash { get; init; }
}

/// <summary>Access log settings, section <c>Cpom:AccessLog</c>.</summary>
public sealed class AccessLogOptions
{
    /// <summary>A signed checkpoint at least every this many entries.</summary>
    public int CheckpointEveryEntries { get; set; } = 1000;

    /// <summary>...and at least every this many seconds while entries are unsigned.</summary>
    public int CheckpointEverySeconds { get; set; } = 60;

    /// <summary>How long entries are kept, in days (CNIL: 6 months to 1 year in the ordinary case).</summary>
    public int RetentionDays { get; set; } = 365;

    /// <summary>Per organisation retention, in days, overriding <see cref="RetentionDays"/>.</summary>
    public Dictionary<string, int> RetentionDaysByOrganisation { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>
/// Appends entries to controllers' logs inside the caller's database transaction: the head row of
/// each controller is read and updated in that transaction, so appends are serialised per
/// controller (SQLite: one writer, BEGIN IMMEDIATE; PostgreSQL: the head row is locked), and the
/// entry is durable exactly when the operation it records commits.
/// </summary>
/// <remarks>
/// Every entry records the hash of the policy the decision was taken under (format 2): the draft's, else
/// that of <paramref name="policies"/>, the policy this gateway runs now (administered authorisations included).
/// </remarks>
public sealed class AccessLogWriter(IKeyProvider keys, AccessLogOptions options, TimeProvider time, PolicyHistory.PolicyState? policies = null)
{
    /// <summary>
    /// Appends <paramref name="draft"/> to the log of each controller, in a stable order. The caller
    /// owns the transaction: begin it before (see <see cref="CpomDatabase.BeginWriteAsync"/>),
    /// save and commit after.
    /// </summary>
    public async Task AppendAsync(CpomDbContext db, IEnumerable<string> controllers, AccessLogDraft draft, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(controllers);
        ArgumentNullException.ThrowIfNull(draft);
        foreach (var controller in controllers.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            await AppendOneAsync(db, controller, draft, cancellationToken);
        }
        await db.SaveChangesAsync(cancellationToken);
    }

    private async Task AppendOneAsync(CpomDbContext db, string controller, AccessLogDraft draft, CancellationToken cancellationToken)
    {
        var head = await CpomDatabase.LockHeadAsync(db, controller, cancellationToken);
        if (head is null)
        {
            head = new AccessLogHeadEntity
            {
                Controller = controller,
                Size = 0,
                Range = new CompactRange().Serialize(),
                LastLeafHash = new byte[32],
                LastCheckpointAtUtc = time.GetUtcNow().UtcDateTime,
            };
            db.AccessLogHeads.Add(head);
        }
        // What a refused request said (an id, a purpose, an object) is logged as said, with control,
        // invisible and bidirectional characters made visible and cut to the column's size (never
        // inside a surrogate pair): PostgreSQL refuses a longer value, a NUL or an unpaired surrogate,
        // and the entry must be written whatever came in.
        var entry = new AccessLogEntry(head.Size, controller, AccessLogEntry.Truncate(draft.Time), Clip(draft.AgentId, 100)!, Clip(draft.AgentName, 200)!,
            Clip(draft.Organisation, 100), Clip(draft.CertificateSha256, 64)!, Clip(draft.Action, 32)!, Clip(draft.ExchangeType, 64), Clip(draft.DatasetId, 64),
            draft.Rows, Clip(draft.Counterpart, 100), Clip(draft.Purpose, 64), Clip(draft.Object, 80), Clip(draft.LegalBasis, 500), Clip(draft.Outcome, 16)!,
            Clip(draft.ReasonCode, 64), Clip(draft.ClientAddress, 64), Clip(draft.RequestId, 128), head.LastLeafHash,
            Clip(draft.PolicyHash ?? NullIfEmpty(policies?.Current.Hash), 80));
        var leaf = entry.LeafHash();
        var range = CompactRange.Deserialize(head.Size, head.Range);
        range.Append(leaf);
        db.AccessLogEntries.Add(ToEntity(entry));
        db.AccessLogLeaves.Add(new AccessLogLeafEntity { Controller = controller, Seq = entry.Seq, Hash = leaf });
        head.Size = range.Size;
        head.Range = range.Serialize();
        head.LastLeafHash = leaf;
        Telemetry.GatewayMetrics.AccessLogAppended(entry.Action);
        if (head.Size - head.LastCheckpointSize >= options.CheckpointEveryEntries)
        {
            await AddCheckpointAsync(db, head, range, cancellationToken);
        }
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;

    /// <summary>At most <paramref name="max"/> characters, safe to show and to store (see <see cref="LogText.Fit"/>).</summary>
    internal static string? Clip(string? value, int max) => LogText.Fit(value, max);

    /// <summary>Signs a checkpoint of the head's current size (in the caller's transaction).</summary>
    public async Task AddCheckpointAsync(CpomDbContext db, AccessLogHeadEntity head, CompactRange range, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(head);
        ArgumentNullException.ThrowIfNull(range);
        var now = AccessLogEntry.Truncate(time.GetUtcNow());
        var checkpoint = new Checkpoint(head.Controller, range.Size, range.Root(), now);
        var (keyId, signature) = await keys.SignDigestAsync(SignedCheckpoint.Digest(checkpoint), cancellationToken);
        db.AccessLogCheckpoints.Add(new AccessLogCheckpointEntity
        {
            Controller = head.Controller,
            TreeSize = checkpoint.TreeSize,
            RootHash = checkpoint.RootHash,
            TimeUtc = now.UtcDateTime,
            KeyId = keyId,
            Signature = signature,
        });
        Telemetry.GatewayMetrics.CheckpointSigned(now.UtcDateTime - head.LastCheckpointAtUtc);
        head.LastCheckpointSize = range.Size;
        head.LastCheckpointAtUtc = now.UtcDateTime;
    }

    /// <summary>The stored form of an entry.</summary>
    public static AccessLogEntryEntity ToEntity(AccessLogEntry e)
    {
        ArgumentNullException.ThrowIfNull(e);
        return new AccessLogEntryEntity
        {
            Controller = e.Controller,
            Seq = e.Seq,
            TimeUtc = e.Time.UtcDateTime,
            AgentId = e.AgentId,
            AgentName = e.AgentName,
            Organisation = e.Organisation,
            CertificateSha256 = e.CertificateSha256,
            Action = e.Action,
            ExchangeType = e.ExchangeType,
            DatasetId = e.DatasetId,
            Rows = e.Rows,
            Counterpart = e.Counterpart,
            Purpose = e.Purpose,
            Object = e.Object,
            LegalBasis = e.LegalBasis,
            Outcome = e.Outcome,
            ReasonCode = e.ReasonCode,
            ClientAddress = e.ClientAddress,
            RequestId = e.RequestId,
            PreviousLeafHash = e.PreviousLeafHash,
            PolicyHash = e.PolicyHash,
        };
    }

    /// <summary>The entry a stored row says.</summary>
    public static AccessLogEntry FromEntity(AccessLogEntryEntity e)
    {
        ArgumentNullException.ThrowIfNull(e);
        return new AccessLogEntry(e.Seq, e.Controller, new DateTimeOffset(DateTime.SpecifyKind(e.TimeUtc, DateTimeKind.Utc)), e.AgentId, e.AgentName,
            e.Organisation, e.CertificateSha256, e.Action, e.ExchangeType, e.DatasetId, e.Rows, e.Counterpart, e.Purpose, e.Object, e.LegalBasis,
            e.Outcome, e.ReasonCode, e.ClientAddress, e.RequestId, e.PreviousLeafHash, e.PolicyHash);
    }
}
