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
    private Task<(WrappedKey Key, string Sha256)>? _index;
    private CancellationTokenSource? _stopIndex;
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
    public Task<IReadOnlyList<string>> CompleteAsync(DatasetEntity dataset, IEnumerable<UInt128> sortedSubjects, CancellationToken cancellationToken = default)
    {
        StartSubjects(sortedSubjects, cancellationToken);
        return CompleteAsync(dataset, cancellationToken);
    }

    /// <summary>
    /// Starts writing the subject index of <paramref name="sortedSubjects"/> to its temporary file on
    /// a thread of its own (the merge of a large file's sorted runs and its encryption), so that it runs
    /// while the caller finishes other work (the file-wide checks, the content's last segment). The
    /// index becomes visible only with <see cref="CompleteAsync(DatasetEntity, CancellationToken)"/>;
    /// its failure surfaces there. Called at most once.
    /// </summary>
    public void StartSubjects(IEnumerable<UInt128> sortedSubjects, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sortedSubjects);
        ObjectDisposedException.ThrowIf(_completed, this);
        if (_index is not null)
        {
            throw new InvalidOperationException("The subject index is already being written.");
        }
        // Stopped by the caller's token, or by disposing without completing (a refused file).
        _stopIndex = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var stop = _stopIndex.Token;
        var done = new TaskCompletionSource<(WrappedKey Key, string Sha256)>(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                // A thread of its own, not the pool's: the merge blocks (run reads) for its whole length, and
                // on two processors a pool thread held that long made the uploads wait (BENCHMARKS.md, upload20).
                done.SetResult(WriteSubjectsAsync(sortedSubjects, stop).GetAwaiter().GetResult());
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // Handed to CompleteAsync (or to DisposeAsync, which ignores it): the thread itself never throws.
                done.SetException(e);
            }
        }) { IsBackground = true, Name = "subject-index" };
        thread.Start();
        _index = done.Task;
    }

    /// <summary>
    /// As <see cref="CompleteAsync(DatasetEntity, IEnumerable{UInt128}, CancellationToken)"/>, with the
    /// subject index started by <see cref="StartSubjects"/>: the content's last segment is sealed while
    /// the index is written.
    /// </summary>
    public async Task<IReadOnlyList<string>> CompleteAsync(DatasetEntity dataset, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        if (dataset.Id != DatasetId)
        {
            throw new ArgumentException("The files are bound to another dataset.", nameof(dataset));
        }
        ObjectDisposedException.ThrowIf(_completed, this);
        var index = _index ?? throw new InvalidOperationException("The subject index was not started.");
        await _encrypted.CompleteAsync(cancellationToken);
        var (key, sha256) = await index;
        dataset.SubjectsKeyId = key.KeyId;
        dataset.SubjectsWrappedKey = key.Value;
        dataset.SubjectsSha256 = sha256;
        // Both files fsynced and renamed in place, the content first, as before the index was written aside.
        await _payload.CommitAsync(cancellationToken);
        _completed = true;
        try
        {
            await _subjects!.CommitAsync(cancellationToken);
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

    private async Task<(WrappedKey Key, string Sha256)> WriteSubjectsAsync(IEnumerable<UInt128> sortedSubjects, CancellationToken cancellationToken)
    {
        _subjects = await _store.CreateAsync(_subjectsName, cancellationToken: cancellationToken);
        await using var index = await PayloadCipher.BeginAsync(_subjects.Content, _keys, DatasetFiles.SubjectsContext(DatasetId), cancellationToken: cancellationToken);
        await SubjectIndex.WriteAsync(index, sortedSubjects.TakeWhile(_ => !cancellationToken.IsCancellationRequested), cancellationToken);
        cancellationToken.ThrowIfCancellationRequested();
        await index.CompleteAsync(cancellationToken);
        return (index.WrappedKey, index.Sha256!);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        // Each step on its own: a full disk makes flushing throw, and the temporary data must go
        // whatever the earlier steps did (a committed payload is left alone). The index being written
        // aside is stopped and ends first: its file and the subjects it reads go after it.
        if (!_completed)
        {
            await (_stopIndex?.CancelAsync() ?? Task.CompletedTask);
        }
        await Quietly(async () =>
        {
            try
            {
                await (_index ?? Task.CompletedTask);
            }
            catch (Exception e) when (e is OperationCanceledException or System.Security.Cryptography.CryptographicException or KeyProviderException or InvalidDataException or UnauthorizedAccessException)
            {
                // Already failed, or abandoned with the upload: the caller reports the first error.
            }
        });
        await Quietly(() => _payload.DisposeAsync());
        await Quietly(() => _subjects?.DisposeAsync() ?? ValueTask.CompletedTask);
        _stopIndex?.Dispose();
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
