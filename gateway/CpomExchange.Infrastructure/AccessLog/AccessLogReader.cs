using CpomExchange.Infrastructure.Keys;
using CpomExchange.Infrastructure.Storage;
using CpomExchange.Rules.AccessLog;
using Microsoft.EntityFrameworkCore;

namespace CpomExchange.Infrastructure.AccessLog;

/// <summary>Filters of a DPO's listing.</summary>
public sealed record AccessLogFilter(
    DateTime? FromUtc = null,
    DateTime? ToUtc = null,
    string? Agent = null,
    string? Action = null,
    string? ExchangeType = null,
    string? Outcome = null,
    string? Purpose = null,
    string? DatasetId = null,
    string? Counterpart = null);

/// <summary>Reads, verifies and proves a controller's log.</summary>
public sealed class AccessLogReader(CpomDbContext db, IKeyProvider keys)
{
    /// <summary>A page of entries, newest first.</summary>
    public async Task<(long Total, IReadOnlyList<AccessLogEntry> Entries)> ListAsync(string controller, AccessLogFilter filter, int page, int pageSize, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var query = Filter(db.AccessLogEntries.AsNoTracking().Where(e => e.Controller == controller), filter);
        var total = await query.LongCountAsync(cancellationToken);
        var rows = await query.OrderByDescending(e => e.Seq).Skip((page - 1) * pageSize).Take(pageSize).ToListAsync(cancellationToken);
        return (total, rows.Select(AccessLogWriter.FromEntity).ToList());
    }

    /// <summary>
    /// The entries matching <paramref name="filter"/> older than <paramref name="before"/> (all when
    /// null), newest first, at most <paramref name="take"/>: a page found by its position in the
    /// chain rather than by an offset, so that a page deep in a log of millions costs what the first does.
    /// </summary>
    public async Task<IReadOnlyList<AccessLogEntry>> PageBeforeAsync(string controller, AccessLogFilter filter, long? before, int take, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var query = Filter(db.AccessLogEntries.AsNoTracking().Where(e => e.Controller == controller), filter);
        if (before is { } seq)
        {
            query = query.Where(e => e.Seq < seq);
        }
        var rows = await query.OrderByDescending(e => e.Seq).Take(take).ToListAsync(cancellationToken);
        return rows.Select(AccessLogWriter.FromEntity).ToList();
    }

    /// <summary>
    /// How many entries match <paramref name="filter"/>, counted up to <paramref name="cap"/> only
    /// (a count of a million rows costs a scan; a person reads "more than 10 000").
    /// </summary>
    public async Task<long> CountAsync(string controller, AccessLogFilter filter, int cap, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var query = Filter(db.AccessLogEntries.AsNoTracking().Where(e => e.Controller == controller), filter);
        return await query.Select(e => e.Seq).Take(cap).LongCountAsync(cancellationToken);
    }

    /// <summary>One entry with its stored leaf hash, or null (never written, or purged).</summary>
    public async Task<StoredEntry?> EntryAsync(string controller, long seq, CancellationToken cancellationToken = default)
    {
        var row = await db.AccessLogEntries.AsNoTracking().SingleOrDefaultAsync(e => e.Controller == controller && e.Seq == seq, cancellationToken);
        if (row is null)
        {
            return null;
        }
        var leaf = await db.AccessLogLeaves.AsNoTracking().Where(l => l.Controller == controller && l.Seq == seq).Select(l => l.Hash).SingleOrDefaultAsync(cancellationToken);
        return new StoredEntry(AccessLogWriter.FromEntity(row), leaf);
    }

    /// <summary>Entries concerning any of <paramref name="datasetIds"/>, oldest first.</summary>
    public async Task<IReadOnlyList<AccessLogEntry>> ForDatasetsAsync(string controller, IReadOnlyCollection<string> datasetIds, CancellationToken cancellationToken = default)
    {
        var rows = await db.AccessLogEntries.AsNoTracking()
            .Where(e => e.Controller == controller && e.DatasetId != null && datasetIds.Contains(e.DatasetId))
            .OrderBy(e => e.Seq).ToListAsync(cancellationToken);
        return rows.Select(AccessLogWriter.FromEntity).ToList();
    }

    /// <summary>Every entry kept, in sequence order, with its stored leaf hash (streamed).</summary>
    public async IAsyncEnumerable<StoredEntry> EntriesAsync(string controller, AccessLogFilter? filter = null,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var query = db.AccessLogEntries.AsNoTracking().Where(e => e.Controller == controller);
        if (filter is not null)
        {
            query = Filter(query, filter);
        }
        var joined = query.OrderBy(e => e.Seq)
            .Join(db.AccessLogLeaves.AsNoTracking(), e => new { e.Controller, e.Seq }, l => new { l.Controller, l.Seq }, (e, l) => new { Entry = e, l.Hash });
        await foreach (var row in joined.AsAsyncEnumerable().WithCancellation(cancellationToken))
        {
            yield return new StoredEntry(AccessLogWriter.FromEntity(row.Entry), row.Hash);
        }
    }

    /// <summary>
    /// The controller's log as a JSON Lines export (<see cref="LogExport"/>), streamed to <paramref name="writer"/>: the header
    /// (signing key, the log's start, the head's size, <paramref name="exportedAt"/>), the signed checkpoints, then every
    /// entry. Checkpoints come first, so that an offline verifier checks the entries as it reads them.
    /// </summary>
    public async Task WriteExportAsync(string controller, DateTimeOffset exportedAt, TextWriter writer, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(writer);
        var head = await HeadAsync(controller, cancellationToken);
        var signing = await keys.GetSigningKeyAsync(cancellationToken);
        var start = await StartAsync(controller, cancellationToken);
        await writer.WriteLineAsync(LogExport.HeaderLine(new LogExportHeader(controller, signing.KeyId, signing.PublicKeySpki, exportedAt,
            start.Size, start.Range.Serialize(), start.LastLeafHash, head?.Size ?? 0)));
        foreach (var c in await CheckpointsAsync(controller, cancellationToken))
        {
            await writer.WriteLineAsync(LogExport.CheckpointLine(c));
        }
        await foreach (var stored in EntriesAsync(controller, null, cancellationToken))
        {
            await writer.WriteLineAsync(LogExport.EntryLine(stored));
        }
    }

    /// <summary>The signed checkpoints, smallest first.</summary>
    public async Task<IReadOnlyList<SignedCheckpoint>> CheckpointsAsync(string controller, CancellationToken cancellationToken = default)
    {
        var rows = await db.AccessLogCheckpoints.AsNoTracking().Where(c => c.Controller == controller).OrderBy(c => c.TreeSize).ToListAsync(cancellationToken);
        return rows.Select(ToSigned).ToList();
    }

    /// <summary>The head (size, purge point), or null for a log with no entry yet.</summary>
    public Task<AccessLogHeadEntity?> HeadAsync(string controller, CancellationToken cancellationToken = default) =>
        db.AccessLogHeads.AsNoTracking().SingleOrDefaultAsync(h => h.Controller == controller, cancellationToken);

    /// <summary>Where verification starts: the first entry, or the purge point with its compact range.</summary>
    public async Task<LogStart> StartAsync(string controller, CancellationToken cancellationToken = default)
    {
        var head = await HeadAsync(controller, cancellationToken);
        if (head is null || head.PurgedBelow == 0)
        {
            return LogStart.Empty;
        }
        var range = new CompactRange();
        byte[] last = new byte[32];
        await foreach (var leaf in db.AccessLogLeaves.AsNoTracking().Where(l => l.Controller == controller && l.Seq < head.PurgedBelow)
            .OrderBy(l => l.Seq).Select(l => l.Hash).AsAsyncEnumerable().WithCancellation(cancellationToken))
        {
            range.Append(leaf);
            last = leaf;
        }
        return new LogStart(head.PurgedBelow, range, last);
    }

    /// <summary>
    /// Recomputes the whole log from the database and checks it against the signed checkpoints,
    /// entry by entry as they are read: memory stays flat however long the log.
    /// </summary>
    public Task<LogVerification> VerifyAsync(string controller, CancellationToken cancellationToken = default) =>
        VerifyAsync(controller, direct: true, cancellationToken);

    /// <summary>
    /// <see cref="VerifyAsync(string, CancellationToken)"/>; with <paramref name="direct"/> false, always through EF Core
    /// (the former path, which the tests compare the direct SQLite reader with).
    /// </summary>
    internal async Task<LogVerification> VerifyAsync(string controller, bool direct, CancellationToken cancellationToken, int? parts = null, long? stripe = null)
    {
        var signing = await keys.GetSigningKeyAsync(cancellationToken);
        var checkpoints = await CheckpointsAsync(controller, cancellationToken);
        var start = await StartAsync(controller, cancellationToken);
        var head = await HeadAsync(controller, cancellationToken);
        using var verifier = new CheckpointVerifier(signing.PublicKeySpki);
        return await VerifyEntriesAsync(controller, null, checkpoints, verifier.Verify, start, head?.Size, direct, cancellationToken, parts, stripe);
    }

    /// <summary>
    /// The entries from <paramref name="fromSeq"/> on (all when null) checked against the checkpoints: on SQLite read
    /// directly and hashed on every processor (<see cref="SqliteLogVerification"/>), else (or when that reader meets a row
    /// it does not read) streamed through EF Core into <see cref="LogVerifier.VerifyAsync"/>.
    /// </summary>
    private async Task<LogVerification> VerifyEntriesAsync(string controller, long? fromSeq, IReadOnlyList<SignedCheckpoint> checkpoints,
        Func<SignedCheckpoint, bool> verifySignature, LogStart start, long? headSize, bool direct, CancellationToken cancellationToken, int? parts = null,
        long? stripe = null)
    {
        if (direct && db.Database.GetDbConnection() is Microsoft.Data.Sqlite.SqliteConnection sqlite
            && await SqliteLogVerification.TryVerifyAsync(sqlite, controller, fromSeq, checkpoints, verifySignature, start, headSize, cancellationToken, parts, stripe) is { } verdict)
        {
            return verdict;
        }
        var entries = fromSeq is { } from ? EntriesFromAsync(controller, from, cancellationToken) : EntriesAsync(controller, null, cancellationToken);
        return await LogVerifier.VerifyAsync(controller, entries, checkpoints, verifySignature, start, headSize, cancellationToken);
    }

    /// <summary>
    /// Verifies only what was appended after <paramref name="from"/>: the state a previous verification
    /// recomputed itself at a signed checkpoint (<see cref="LogVerification.VerifiedStart"/>: size, compact
    /// range, last leaf hash), never a state read from the database. The checkpoint of that size must still be
    /// there with the same root (a replaced or removed checkpoint is reported), every later checkpoint's
    /// signature and root are checked, and every later entry is chained from <paramref name="from"/>'s last
    /// leaf: the cost is that of the new entries. Entries before <paramref name="from"/> are not read again:
    /// only <see cref="VerifyAsync"/> (the full verification) can find a rewrite there. A log purged beyond
    /// <paramref name="from"/> is verified in full.
    /// </summary>
    public async Task<LogVerification> VerifyFromAsync(string controller, LogStart from, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(from);
        var head = await HeadAsync(controller, cancellationToken);
        if (from.Size == 0 || (head is not null && head.PurgedBelow > from.Size))
        {
            return await VerifyAsync(controller, cancellationToken);
        }
        var signing = await keys.GetSigningKeyAsync(cancellationToken);
        var rows = await db.AccessLogCheckpoints.AsNoTracking().Where(c => c.Controller == controller && c.TreeSize >= from.Size)
            .OrderBy(c => c.TreeSize).ToListAsync(cancellationToken);
        var checkpoints = rows.Select(ToSigned).ToList();
        if (checkpoints.Count == 0 || checkpoints[0].Checkpoint.TreeSize != from.Size)
        {
            return new LogVerification(false, 0, 0, from.Size - 1,
                $"le point de contrôle signé de taille {from.Size}, déjà vérifié, a disparu du journal.", null, 0);
        }
        using var verifier = new CheckpointVerifier(signing.PublicKeySpki);
        return await VerifyEntriesAsync(controller, from.Size, checkpoints, verifier.Verify, from, head?.Size, direct: true, cancellationToken);
    }

    /// <summary>
    /// Verifies from the last state <paramref name="verified"/> remembers for this log (in full the first
    /// time), and remembers the new one when the log is intact.
    /// </summary>
    public async Task<LogVerification> VerifySinceLastAsync(string controller, VerifiedCheckpoints verified, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(verified);
        var result = verified.Get(controller) is { } from
            ? await VerifyFromAsync(controller, from, cancellationToken)
            : await VerifyAsync(controller, cancellationToken);
        if (result.Valid && result.VerifiedStart is { } start)
        {
            verified.Remember(controller, start);
        }
        return result;
    }

    private async IAsyncEnumerable<StoredEntry> EntriesFromAsync(string controller, long fromSeq,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var joined = db.AccessLogEntries.AsNoTracking().Where(e => e.Controller == controller && e.Seq >= fromSeq).OrderBy(e => e.Seq)
            .Join(db.AccessLogLeaves.AsNoTracking(), e => new { e.Controller, e.Seq }, l => new { l.Controller, l.Seq }, (e, l) => new { Entry = e, l.Hash });
        await foreach (var row in joined.AsAsyncEnumerable().WithCancellation(cancellationToken))
        {
            yield return new StoredEntry(AccessLogWriter.FromEntity(row.Entry), row.Hash);
        }
    }

    /// <summary>The stored leaf hashes of the first <paramref name="size"/> entries.</summary>
    public async Task<IReadOnlyList<byte[]>> LeavesAsync(string controller, long size, CancellationToken cancellationToken = default) =>
        await db.AccessLogLeaves.AsNoTracking().Where(l => l.Controller == controller && l.Seq < size).OrderBy(l => l.Seq).Select(l => l.Hash).ToListAsync(cancellationToken);

    /// <summary>The stored form of a signed checkpoint.</summary>
    public static SignedCheckpoint ToSigned(AccessLogCheckpointEntity c)
    {
        ArgumentNullException.ThrowIfNull(c);
        return new SignedCheckpoint(new Checkpoint(c.Controller, c.TreeSize, c.RootHash, new DateTimeOffset(DateTime.SpecifyKind(c.TimeUtc, DateTimeKind.Utc))), c.KeyId, c.Signature);
    }

    private static IQueryable<AccessLogEntryEntity> Filter(IQueryable<AccessLogEntryEntity> query, AccessLogFilter f)
    {
        if (f.FromUtc is { } from)
        {
            query = query.Where(e => e.TimeUtc >= from);
        }
        if (f.ToUtc is { } to)
        {
            query = query.Where(e => e.TimeUtc < to);
        }
        if (f.Agent is not null)
        {
            query = query.Where(e => e.AgentId == f.Agent);
        }
        if (f.Action is not null)
        {
            query = query.Where(e => e.Action == f.Action);
        }
        if (f.ExchangeType is not null)
        {
            query = query.Where(e => e.ExchangeType == f.ExchangeType);
        }
        if (f.Outcome is not null)
        {
            query = query.Where(e => e.Outcome == f.Outcome);
        }
        if (f.Purpose is not null)
        {
            query = query.Where(e => e.Purpose == f.Purpose);
        }
        if (f.DatasetId is not null)
        {
            query = query.Where(e => e.DatasetId == f.DatasetId);
        }
        if (f.Counterpart is not null)
        {
            query = query.Where(e => e.Counterpart == f.Counterpart);
        }
        return query;
    }
}
