using CpomExchange.Infrastructure.Keys;
using CpomExchange.Infrastructure.Storage;

namespace CpomExchange.Infrastructure.Payloads;

/// <summary>
/// A dataset's files being written (see <see cref="DatasetFiles.BeginAsync"/>): the plaintext goes to
/// <see cref="Content"/>; <see cref="CompleteAsync"/> seals it, writes the subject index, makes both
/// files visible and puts their wrapped keys, SHA-256 and length into the dataset's row. Until the
/// caller commits that row, the keys exist nowhere else, so files left by a failure are noise.
/// Disposing without completing discards what was written.
/// </summary>
public sealed class DatasetWriter : IAsyncDisposable
{
    private readonly IPayloadStore _store;
    private readonly IKeyProvider _keys;
    private readonly string _subjectsName;
    private readonly IPendingPayload _payload;
    private readonly EncryptingStream _encrypted;
    private IPendingPayload? _subjects;
    private bool _completed;

    internal DatasetWriter(IPayloadStore store, IKeyProvider keys, string datasetId, string payloadName, string subjectsName,
        IPendingPayload payload, EncryptingStream encrypted)
    {
        _store = store;
        _keys = keys;
        DatasetId = datasetId;
        PayloadName = payloadName;
        _subjectsName = subjectsName;
        _payload = payload;
        _encrypted = encrypted;
    }

    /// <summary>The dataset the files belong to (bound to it by their associated data).</summary>
    public string DatasetId { get; }

    /// <summary>The payload's name in the store.</summary>
    public string PayloadName { get; }

    /// <summary>Where the dataset's plaintext (the normalised CSV) is written. Do not dispose it.</summary>
    public Stream Content => _encrypted;

    /// <summary>
    /// Seals the content, writes the index of <paramref name="sortedSubjects"/>, commits both files
    /// and fills <paramref name="dataset"/>: <see cref="DatasetEntity.PayloadName"/>, <see cref="DatasetEntity.Sha256"/>,
    /// <see cref="DatasetEntity.Length"/>, the wrapped keys and the index's SHA-256. Returns the names
    /// committed, for the caller to delete if its database transaction does not commit. On failure
    /// nothing of this dataset stays visible.
    /// </summary>
    public async Task<IReadOnlyList<string>> CompleteAsync(DatasetEntity dataset, IEnumerable<UInt128> sortedSubjects, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentNullException.ThrowIfNull(sortedSubjects);
        if (dataset.Id != DatasetId)
        {
            throw new ArgumentException("The files are bound to another dataset.", nameof(dataset));
        }
        ObjectDisposedException.ThrowIf(_completed, this);
        await _encrypted.CompleteAsync(cancellationToken);
        _subjects = await _store.CreateAsync(_subjectsName, cancellationToken: cancellationToken);
        await using (var index = await PayloadCipher.BeginAsync(_subjects.Content, _keys, DatasetFiles.SubjectsContext(DatasetId), cancellationToken: cancellationToken))
        {
            await SubjectIndex.WriteAsync(index, sortedSubjects, cancellationToken);
            await index.CompleteAsync(cancellationToken);
            dataset.SubjectsKeyId = index.WrappedKey.KeyId;
            dataset.SubjectsWrappedKey = index.WrappedKey.Value;
            dataset.SubjectsSha256 = index.Sha256;
        }
        await _payload.CommitAsync(cancellationToken);
        _completed = true;
        try
        {
            await _subjects.CommitAsync(cancellationToken);
        }
        catch
        {
            await _store.DeleteAsync(PayloadName, CancellationToken.None);
            throw;
        }
        dataset.PayloadName = PayloadName;
        dataset.Sha256 = _encrypted.Sha256!;
        dataset.Length = _encrypted.PlaintextLength;
        dataset.PayloadKeyId = _encrypted.WrappedKey.KeyId;
        dataset.PayloadWrappedKey = _encrypted.WrappedKey.Value;
        dataset.LegacyHeaders = false;
        return [PayloadName, _subjectsName];
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        // Each step on its own: a full disk makes flushing throw, and the temporary data must go
        // whatever the earlier steps did (a committed payload is left alone).
        await Quietly(() => _encrypted.DisposeAsync());
        await Quietly(() => _payload.DisposeAsync());
        await Quietly(() => _subjects?.DisposeAsync() ?? ValueTask.CompletedTask);
        _completed = true;
    }

    private static async ValueTask Quietly(Func<ValueTask> dispose)
    {
        try
        {
            await dispose();
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException or NotSupportedException or Azure.RequestFailedException)
        {
            // Already failed: the caller reports the first error, and the uncommitted data is discarded.
        }
    }
}
