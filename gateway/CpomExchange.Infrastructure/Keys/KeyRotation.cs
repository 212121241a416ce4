using System.Security.Cryptography;
using CpomExchange.Infrastructure.Storage;
using Microsoft.EntityFrameworkCore;

namespace CpomExchange.Infrastructure.Keys;

/// <summary>
/// Rotation of the key-encryption key, as a job whose state is in the database
/// (<see cref="KeyRotationEntity"/>), run in rounds by one instance at a time (the key maintenance
/// lease) and resumed where it stopped after a crash: <see cref="Pending"/> (asked for), then the
/// provider makes a new version current and every wrapped key the database holds — each dataset's
/// payload and subject-index keys, the pseudonymisation key — is re-wrapped with it
/// (<see cref="Rewrapping"/>), then <see cref="Completed"/>. No file is rewritten: the data keys are
/// not in the files. After it, each round also re-wraps keys an upload had wrapped with the old version
/// just before the rotation and stored just after. Old versions stay in the provider until the
/// operator destroys them.
/// </summary>
public static class KeyRotation
{
    /// <summary>Asked for; the provider has not made the new version yet.</summary>
    public const string Pending = "pending";

    /// <summary>The new version is current; keys are being re-wrapped.</summary>
    public const string Rewrapping = "rewrapping";

    /// <summary>Every key held in the database is wrapped by the new version.</summary>
    public const string Completed = "completed";

    /// <summary>How many datasets' keys are re-wrapped per database transaction.</summary>
    public const int DefaultBatchSize = 100;

    /// <summary>Asks for a rotation, or returns the one under way (<c>Created</c> false), under a lock every instance takes.</summary>
    public static async Task<(KeyRotationEntity Rotation, bool Created)> RequestAsync(CpomDbContext db, string requestedBy, DateTime nowUtc,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        await using var transaction = await CpomDatabase.BeginWriteAsync(db, cancellationToken);
        await CpomDatabase.LockAsync(db, "key-rotation", cancellationToken);
        var running = await db.KeyRotations.AsNoTracking().Where(r => r.State != Completed).OrderBy(r => r.Id).FirstOrDefaultAsync(cancellationToken);
        if (running is not null)
        {
            return (running, false);
        }
        var rotation = new KeyRotationEntity { State = Pending, RequestedBy = requestedBy, RequestedAtUtc = nowUtc };
        db.KeyRotations.Add(rotation);
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        db.Entry(rotation).State = EntityState.Detached;
        return (rotation, true);
    }

    /// <summary>The latest rotation, if any.</summary>
    public static Task<KeyRotationEntity?> LatestAsync(CpomDbContext db, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        return db.KeyRotations.AsNoTracking().OrderByDescending(r => r.Id).FirstOrDefaultAsync(cancellationToken);
    }

    /// <summary>How many wrapped keys the database holds that <paramref name="keyId"/> does not wrap.</summary>
    public static async Task<long> NotWrappedByAsync(CpomDbContext db, string keyId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        return await db.Datasets.LongCountAsync(d => d.PayloadKeyId != null && d.PayloadKeyId != keyId, cancellationToken)
            + await db.Datasets.LongCountAsync(d => d.SubjectsKeyId != null && d.SubjectsKeyId != keyId, cancellationToken)
            + await db.PseudonymKeys.LongCountAsync(k => k.KeyId != keyId, cancellationToken);
    }

    /// <summary>True when a round has work: a rotation asked for or under way, or keys left behind by the last one.</summary>
    public static async Task<bool> HasWorkAsync(CpomDbContext db, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        var latest = await LatestAsync(db, cancellationToken);
        return latest is not null && (latest.State != Completed || await NotWrappedByAsync(db, latest.TargetKeyId!, cancellationToken) > 0);
    }

    /// <summary>
    /// One round: advances the rotation under way (or re-wraps what the last one left behind), as far
    /// as <paramref name="stillHolder"/> (asked between batches: the job's lease) allows. When it
    /// completes a rotation, <paramref name="onCompleted"/> runs in the transaction that marks it
    /// (to log it). Returns the rotation completed in this round, if any, and how many keys were re-wrapped.
    /// </summary>
    public static async Task<(KeyRotationEntity? Completed, long Rewrapped)> RunAsync(CpomDbContext db, IKeyProvider keys, TimeProvider time,
        Func<CancellationToken, Task<bool>> stillHolder, Func<CpomDbContext, KeyRotationEntity, CancellationToken, Task>? onCompleted,
        int batchSize = DefaultBatchSize, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(stillHolder);
        db.ChangeTracker.Clear();
        var rotation = await db.KeyRotations.Where(r => r.State != Completed).OrderBy(r => r.Id).FirstOrDefaultAsync(cancellationToken);
        if (rotation is null)
        {
            // Keys wrapped with the old version by uploads that began before the last rotation.
            var last = await LatestAsync(db, cancellationToken);
            if (last?.TargetKeyId is null)
            {
                return (null, 0);
            }
            var current = await keys.CurrentKeyEncryptionKeyIdAsync(cancellationToken);
            return (null, (await RewrapAllAsync(db, keys, current, null, stillHolder, batchSize, cancellationToken)).Count);
        }
        try
        {
            if (rotation.State == Pending)
            {
                // A crash after this call and before the save makes one more version at the next
                // round: harmless, the keys are re-wrapped with the newest.
                rotation.TargetKeyId = await keys.RotateKeyEncryptionKeyAsync(cancellationToken);
                rotation.State = Rewrapping;
                rotation.StartedAtUtc = time.GetUtcNow().UtcDateTime;
                await db.SaveChangesAsync(cancellationToken);
            }
            // New keys are wrapped with the provider's current version: re-wrap to that one.
            var target = await keys.CurrentKeyEncryptionKeyIdAsync(cancellationToken);
            if (target != rotation.TargetKeyId)
            {
                rotation.TargetKeyId = target;
                await db.SaveChangesAsync(cancellationToken);
            }
            var (count, finished) = await RewrapAllAsync(db, keys, target, rotation.Id, stillHolder, batchSize, cancellationToken);
            if (!finished)
            {
                return (null, count);
            }
            await db.Entry(rotation).ReloadAsync(cancellationToken);
            await using var transaction = await CpomDatabase.BeginWriteAsync(db, cancellationToken);
            rotation.State = Completed;
            rotation.CompletedAtUtc = time.GetUtcNow().UtcDateTime;
            rotation.LastError = null;
            await db.SaveChangesAsync(cancellationToken);
            if (onCompleted is not null)
            {
                await onCompleted(db, rotation, cancellationToken);
            }
            await transaction.CommitAsync(cancellationToken);
            return (rotation, count);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Kept for the operator (GET of the rotation); the next round resumes.
            var reason = e.Message.Length > 500 ? e.Message[..500] : e.Message;
            db.ChangeTracker.Clear();
            await db.KeyRotations.Where(r => r.Id == rotation.Id).ExecuteUpdateAsync(s => s.SetProperty(r => r.LastError, reason), CancellationToken.None);
            throw;
        }
    }

    /// <summary>
    /// Re-wraps with <paramref name="target"/> every key the database holds that another version
    /// wraps, batch by batch: the provider is called outside any transaction, then each batch's rows
    /// change in one, each only if it still holds the key that was re-wrapped (a dataset shredded or
    /// re-written meanwhile keeps what it has now). Returns the count and whether it went to the end.
    /// </summary>
    private static async Task<(long Count, bool Finished)> RewrapAllAsync(CpomDbContext db, IKeyProvider keys, string target, long? rotationId,
        Func<CancellationToken, Task<bool>> stillHolder, int batchSize, CancellationToken cancellationToken)
    {
        long total = 0;
        var cursor = string.Empty;
        while (true)
        {
            if (!await stillHolder(cancellationToken))
            {
                return (total, false);
            }
            var batch = await db.Datasets.AsNoTracking()
                .Where(d => string.Compare(d.Id, cursor) > 0
                    && ((d.PayloadKeyId != null && d.PayloadKeyId != target) || (d.SubjectsKeyId != null && d.SubjectsKeyId != target)))
                .OrderBy(d => d.Id).Take(batchSize)
                .Select(d => new { d.Id, d.PayloadKeyId, d.PayloadWrappedKey, d.SubjectsKeyId, d.SubjectsWrappedKey })
                .ToListAsync(cancellationToken);
            if (batch.Count == 0)
            {
                break;
            }
            cursor = batch[^1].Id;
            var changes = new List<(string Id, bool Subjects, WrappedKey Old, WrappedKey New)>();
            foreach (var row in batch)
            {
                if (row.PayloadKeyId is { } pk && pk != target && row.PayloadWrappedKey is { } pw)
                {
                    changes.Add((row.Id, false, new WrappedKey(pk, pw), await RewrapAsync(keys, new WrappedKey(pk, pw), cancellationToken)));
                }
                if (row.SubjectsKeyId is { } sk && sk != target && row.SubjectsWrappedKey is { } sw)
                {
                    changes.Add((row.Id, true, new WrappedKey(sk, sw), await RewrapAsync(keys, new WrappedKey(sk, sw), cancellationToken)));
                }
            }
            await using var transaction = await CpomDatabase.BeginWriteAsync(db, cancellationToken);
            var done = 0;
            foreach (var (id, subjects, old, fresh) in changes)
            {
                done += subjects
                    ? await db.Datasets.Where(d => d.Id == id && d.SubjectsKeyId == old.KeyId && d.SubjectsWrappedKey == old.Value)
                        .ExecuteUpdateAsync(s => s.SetProperty(d => d.SubjectsKeyId, fresh.KeyId).SetProperty(d => d.SubjectsWrappedKey, fresh.Value), cancellationToken)
                    : await db.Datasets.Where(d => d.Id == id && d.PayloadKeyId == old.KeyId && d.PayloadWrappedKey == old.Value)
                        .ExecuteUpdateAsync(s => s.SetProperty(d => d.PayloadKeyId, fresh.KeyId).SetProperty(d => d.PayloadWrappedKey, fresh.Value), cancellationToken);
            }
            await CountAsync(db, rotationId, done, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            total += done;
        }
        // The pseudonymisation key(s): a few rows.
        var pseudonymKeys = await db.PseudonymKeys.AsNoTracking().Where(k => k.KeyId != target).ToListAsync(cancellationToken);
        foreach (var key in pseudonymKeys)
        {
            var fresh = await RewrapAsync(keys, new WrappedKey(key.KeyId, key.WrappedKey), cancellationToken);
            await using var transaction = await CpomDatabase.BeginWriteAsync(db, cancellationToken);
            var done = await db.PseudonymKeys.Where(k => k.Version == key.Version && k.KeyId == key.KeyId && k.WrappedKey == key.WrappedKey)
                .ExecuteUpdateAsync(s => s.SetProperty(k => k.KeyId, fresh.KeyId).SetProperty(k => k.WrappedKey, fresh.Value), cancellationToken);
            await CountAsync(db, rotationId, done, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            total += done;
        }
        return (total, true);
    }

    private static async Task CountAsync(CpomDbContext db, long? rotationId, int done, CancellationToken cancellationToken)
    {
        if (rotationId is { } id && done > 0)
        {
            await db.KeyRotations.Where(r => r.Id == id).ExecuteUpdateAsync(s => s.SetProperty(r => r.Rewrapped, r => r.Rewrapped + done), cancellationToken);
        }
    }

    private static async Task<WrappedKey> RewrapAsync(IKeyProvider keys, WrappedKey old, CancellationToken cancellationToken)
    {
        var key = await keys.UnwrapAsync(old, cancellationToken);
        try
        {
            return await keys.WrapAsync(key, cancellationToken);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }
}
