using CpomExchange.Infrastructure.Keys;
using CpomExchange.Infrastructure.Storage;
using CpomExchange.Rules.Csv;
using CpomExchange.Rules.Policies;

namespace CpomExchange.Infrastructure.Payloads;

/// <summary>
/// One dataset being written: its files (through <see cref="DatasetWriter"/>: content and subject
/// index encrypted, their wrapped keys for the row), its rows and subjects. The one path by which
/// the gateway writes a payload and its subject index: an upload (<see cref="StartAsync"/>), and a
/// new version of an existing dataset (<see cref="StartRewriteAsync"/>: same id, new file names,
/// the rows given as stored; a person whose consent was withdrawn is left out). Nothing is visible
/// before the caller's database transaction points a row at the files.
/// </summary>
public sealed class OutgoingDataset : IAsyncDisposable
{
    private DatasetWriter? _files;
    private Utf8RowWriter? _writer;
    private string? _rowReference;
    private bool _indexing;

    private OutgoingDataset(string id, string payloadName, string recipient, Contract contract, string spillDirectory, SpillQuota quota)
    {
        Id = id;
        PayloadName = payloadName;
        Recipient = recipient;
        Contract = contract;
        Subjects = ExternalSorter<UInt128>.InBackground(spillDirectory, quota, sort: RadixSort.Sort);
    }

    /// <summary>The dataset's identifier.</summary>
    public string Id { get; }

    /// <summary>The name of the dataset's payload in the store.</summary>
    public string PayloadName { get; }

    /// <summary>The recipient organisation.</summary>
    public string Recipient { get; }

    /// <summary>The contract the dataset is sent under.</summary>
    public Contract Contract { get; }

    /// <summary>How many rows were written.</summary>
    public long Rows { get; private set; }

    /// <summary>How many cells small-count masking replaced in this dataset's rows.</summary>
    public long MaskedCells { get; set; }

    /// <summary>The pseudonyms of the dataset's subjects, sorted with bounded memory (spilled, encrypted, to the spool) for its index.</summary>
    public ExternalSorter<UInt128> Subjects { get; }

    /// <summary>A new dataset identifier: <c>ds_</c> and a version-7 GUID (time-ordered), 32 hex digits.</summary>
    public static string NewId() => "ds_" + Guid.CreateVersion7().ToString("N");

    /// <summary>Starts a new dataset of <paramref name="exchange"/> for <paramref name="recipient"/>; its sorted runs spill to <paramref name="spillDirectory"/> within <paramref name="quota"/>.</summary>
    public static Task<OutgoingDataset> StartAsync(IPayloadStore store, IKeyProvider keys, string recipient, Contract contract, ExchangeDefinition exchange,
        string spillDirectory, SpillQuota quota, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(exchange);
        var id = NewId();
        return BeginAsync(new OutgoingDataset(id, DatasetFiles.PayloadNameOf(id), recipient, contract, spillDirectory, quota) { _rowReference = exchange.RowReference },
            store, keys, exchange, cancellationToken);
    }

    /// <summary>
    /// A new version of <paramref name="dataset"/>: same identifier, new files under new names, each
    /// with a fresh data key. Its rows are given as stored (<see cref="WriteStoredAsync"/>): they keep
    /// their row references. Once the row points at them, the previous files are noise (their keys
    /// were in the row) and the caller deletes them.
    /// </summary>
    public static Task<OutgoingDataset> StartRewriteAsync(IPayloadStore store, IKeyProvider keys, DatasetEntity dataset, Contract contract, ExchangeDefinition exchange,
        string spillDirectory, SpillQuota quota, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        return BeginAsync(new OutgoingDataset(dataset.Id, DatasetFiles.NewVersionNameOf(dataset.Id), dataset.ToOrganisation, contract, spillDirectory, quota),
            store, keys, exchange, cancellationToken);
    }

    private static async Task<OutgoingDataset> BeginAsync(OutgoingDataset o, IPayloadStore store, IKeyProvider keys, ExchangeDefinition exchange, CancellationToken cancellationToken)
    {
        try
        {
            o._files = await DatasetFiles.BeginAsync(store, keys, o.Id, o.PayloadName, cancellationToken);
            // CsvHelper's output with CsvIngestor.OutputOptions, written straight to UTF-8 (Utf8RowWriterTests).
            o._writer = new Utf8RowWriter(o._files.Content);
            await o._writer.WriteAsync(null, exchange.DeliveredHeader.ToArray(), cancellationToken);
            return o;
        }
        catch
        {
            // The key provider may be down: nothing of this dataset stays behind.
            await o.DisposeAsync();
            throw;
        }
    }

    /// <summary>Writes an uploaded row (cells in schema order), after its row reference when the exchange numbers its rows.</summary>
    public async Task WriteAsync(string[] cells, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(cells);
        Rows++;
        await _writer!.WriteAsync(_rowReference is null ? null : RowReferences.Format(Id, Rows), cells, cancellationToken);
    }

    /// <summary>Writes a row as it was stored (header order, row reference included).</summary>
    public async Task WriteStoredAsync(string[] stored, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stored);
        Rows++;
        await _writer!.WriteAsync(null, stored, cancellationToken);
    }

    /// <summary>
    /// Starts writing the subject index from <see cref="Subjects"/> on another thread (the final merge
    /// of its sorted runs and its encryption), once the last subject was added: it runs while the
    /// caller finishes the file-wide checks and <see cref="CompleteAsync"/> seals the content. Nothing
    /// is visible before <see cref="CompleteAsync"/>; no subject may be added after this.
    /// </summary>
    public void StartSubjectIndex(CancellationToken cancellationToken)
    {
        if (!_indexing)
        {
            _indexing = true;
            _files!.StartSubjects(Subjects.Sorted(), cancellationToken);
        }
    }

    /// <summary>
    /// Seals the content, writes the subject index (unless <see cref="StartSubjectIndex"/> started it), moves both in place and fills
    /// <paramref name="entity"/> (files, rows, SHA-256, length, wrapped keys); the names go to
    /// <paramref name="committed"/> for the caller to delete if its transaction fails.
    /// </summary>
    public async Task<DatasetEntity> CompleteAsync(DatasetEntity entity, List<string> committed, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entity);
        ArgumentNullException.ThrowIfNull(committed);
        await _writer!.DisposeAsync();
        StartSubjectIndex(cancellationToken);
        committed.AddRange(await _files!.CompleteAsync(entity, cancellationToken));
        entity.Rows = Rows;
        return entity;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        // Each step on its own: a full disk makes flushing throw, and the temporary data must
        // go whatever the earlier steps did (committed files are left alone).
        try
        {
            await (_writer?.DisposeAsync() ?? ValueTask.CompletedTask);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException or NotSupportedException or Azure.RequestFailedException)
        {
            // Already failed: the request reports the first error, and the file is discarded below.
        }
        // The index being written reads the subjects: the files (which wait for it) go first.
        await (_files?.DisposeAsync() ?? ValueTask.CompletedTask);
        Subjects.Dispose();
    }
}
