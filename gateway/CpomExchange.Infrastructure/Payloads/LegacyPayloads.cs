using System.Security.Cryptography;
using CpomExchange.Infrastructure.Keys;
using CpomExchange.Infrastructure.Storage;
using Microsoft.EntityFrameworkCore;

namespace CpomExchange.Infrastructure.Payloads;

/// <summary>
/// Datasets stored by an earlier version (payload format 1) kept their wrapped data keys in their
/// files' headers, so a backup of a file stayed readable after the dataset was shredded. For each
/// available one (<see cref="DatasetEntity.LegacyHeaders"/>), in this order, each step safe to repeat
/// after a crash: (1) the keys are copied from the headers into the row, with the index's SHA-256;
/// (2) each file is re-written (atomically, under its own name) without the key in its header — the
/// encrypted segments are copied as they are, the key not being in their associated data; (3) the
/// flag is cleared. From then on the dataset is shredded like any other: the row's keys destroyed.
/// Until then it stays readable (the readers take a format-1 header's key when the row has none).
/// </summary>
public static class LegacyPayloads
{
    /// <summary>The datasets whose files may still carry their keys.</summary>
    public static IQueryable<DatasetEntity> Pending(CpomDbContext db)
    {
        ArgumentNullException.ThrowIfNull(db);
        return db.Datasets.Where(d => d.LegacyHeaders && d.Status == DatasetStatus.Available);
    }

    /// <summary>
    /// Moves the keys of every pending dataset into the database (see the class); returns how many
    /// datasets were done. <paramref name="stillHolder"/> is asked between datasets (the job's lease):
    /// false stops the round.
    /// </summary>
    public static async Task<int> MigrateAsync(CpomDbContext db, IPayloadStore store, IKeyProvider keys, Func<CancellationToken, Task<bool>> stillHolder,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(stillHolder);
        var ids = await Pending(db).OrderBy(d => d.Id).Select(d => d.Id).ToListAsync(cancellationToken);
        var done = 0;
        foreach (var id in ids)
        {
            if (!await stillHolder(cancellationToken))
            {
                break;
            }
            db.ChangeTracker.Clear();
            var dataset = await Pending(db).AsNoTracking().SingleOrDefaultAsync(d => d.Id == id, cancellationToken);
            if (dataset is null)
            {
                continue; // shredded meanwhile
            }
            await MigrateOneAsync(db, store, keys, dataset, cancellationToken);
            done++;
        }
        return done;
    }

    private static async Task MigrateOneAsync(CpomDbContext db, IPayloadStore store, IKeyProvider keys, DatasetEntity dataset, CancellationToken cancellationToken)
    {
        var subjectsName = DatasetFiles.SubjectsNameOf(dataset.PayloadName);
        // (1) The keys into the row (unless a previous round did it).
        if (dataset.PayloadWrappedKey is null || dataset.SubjectsWrappedKey is null)
        {
            var payloadKey = await HeaderKeyAsync(store, dataset.PayloadName, cancellationToken)
                ?? throw new PayloadCorruptedException($"Le contenu du jeu de données {dataset.Id} n'a plus sa clé, ni dans son en-tête ni dans la base.");
            var subjectsKey = await HeaderKeyAsync(store, subjectsName, cancellationToken)
                ?? throw new PayloadCorruptedException($"L'index du jeu de données {dataset.Id} n'a plus sa clé, ni dans son en-tête ni dans la base.");
            string subjectsSha256;
            await using (var file = await store.OpenReadAsync(subjectsName, cancellationToken))
            await using (var plain = await PayloadCipher.OpenAsync(file, keys, subjectsKey, DatasetFiles.SubjectsContext(dataset.Id), null, cancellationToken))
            {
                using var sha = SHA256.Create();
                subjectsSha256 = Convert.ToHexStringLower(await sha.ComputeHashAsync(plain, cancellationToken));
            }
            var updated = await db.Datasets
                .Where(d => d.Id == dataset.Id && d.Status == DatasetStatus.Available && d.LegacyHeaders && d.PayloadWrappedKey == null)
                .ExecuteUpdateAsync(s => s
                    .SetProperty(d => d.PayloadKeyId, payloadKey.KeyId).SetProperty(d => d.PayloadWrappedKey, payloadKey.Value)
                    .SetProperty(d => d.SubjectsKeyId, subjectsKey.KeyId).SetProperty(d => d.SubjectsWrappedKey, subjectsKey.Value)
                    .SetProperty(d => d.SubjectsSha256, subjectsSha256), cancellationToken);
            if (updated == 0)
            {
                return; // shredded (or moved) meanwhile
            }
        }
        // (2) The headers without the keys.
        foreach (var name in new[] { dataset.PayloadName, subjectsName })
        {
            if (await HeaderKeyAsync(store, name, cancellationToken) is null)
            {
                continue;
            }
            await using var pending = await store.CreateAsync(name, overwrite: true, cancellationToken);
            await using (var source = await store.OpenReadAsync(name, cancellationToken))
            {
                await PayloadCipher.StripLegacyKeyAsync(source, pending.Content, cancellationToken);
            }
            await pending.Content.FlushAsync(cancellationToken);
            await pending.CommitAsync(cancellationToken);
        }
        // (3) Done, unless the dataset was shredded meanwhile: then what was just re-written goes too
        // (it is noise without the row's keys, but it is not kept).
        var cleared = await db.Datasets.Where(d => d.Id == dataset.Id && d.Status == DatasetStatus.Available && d.PayloadName == dataset.PayloadName)
            .ExecuteUpdateAsync(s => s.SetProperty(d => d.LegacyHeaders, false), cancellationToken);
        if (cleared == 0)
        {
            await store.DeleteAsync(dataset.PayloadName, cancellationToken);
            await store.DeleteAsync(subjectsName, cancellationToken);
        }
    }

    /// <summary>The wrapped key a format-1 file still holds in its header; null when it holds none.</summary>
    private static async Task<WrappedKey?> HeaderKeyAsync(IPayloadStore store, string name, CancellationToken cancellationToken)
    {
        await using var file = await store.OpenReadAsync(name, cancellationToken);
        return (await PayloadCipher.ReadHeaderAsync(file, cancellationToken)).Embedded;
    }
}
