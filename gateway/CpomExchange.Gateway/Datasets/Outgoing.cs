using CpomExchange.Gateway.Limits;
using CpomExchange.Infrastructure.Keys;
using CpomExchange.Infrastructure.Payloads;
using CpomExchange.Infrastructure.Storage;
using CpomExchange.Rules.Csv;
using CpomExchange.Rules.Policies;
using CsvHelper;

namespace CpomExchange.Gateway.Datasets;

internal static partial class DatasetsApi
{
    /// <summary>
    /// One dataset being written: its files (through <see cref="DatasetWriter"/>: content and subject
    /// index encrypted, their wrapped keys for the row), its rows and subjects. The one path by which
    /// the gateway writes a payload and its subject index: an upload (<see cref="StartAsync"/>), and a
    /// new version of an existing dataset (<see cref="StartRewriteAsync"/>: same id, new file names,
    /// the rows given as stored; a person whose consent was withdrawn is left out). Nothing is visible
    /// before the caller's database transaction points a row at the files.
    /// </summary>
    private sealed class Outgoing : IAsyncDisposable
    {
        private DatasetWriter? _files;
        private string? _rowReference;

        private Outgoing(string id, string payloadName, string recipient, Contract contract, Spool spool)
        {
            Id = id;
            PayloadName = payloadName;
            Recipient = recipient;
            Contract = contract;
            Subjects = new ExternalSorter<UInt128>(directory: spool.Directory, quota: spool.Quota);
        }

        public string Id { get; }
        /// <summary>The name of the dataset's payload in the store.</summary>
        public string PayloadName { get; }
        public string Recipient { get; }
        public Contract Contract { get; }
        private CsvWriter Writer { get; set; } = null!;
        public long Rows { get; private set; }
        /// <summary>How many cells small-count masking replaced in this dataset's rows.</summary>
        public long MaskedCells { get; set; }
        /// <summary>The pseudonyms of the dataset's subjects, sorted with bounded memory for its index.</summary>
        public ExternalSorter<UInt128> Subjects { get; }

        /// <summary>Starts a new dataset of <paramref name="exchange"/> for <paramref name="recipient"/>.</summary>
        public static Task<Outgoing> StartAsync(IPayloadStore store, IKeyProvider keys, string recipient, Contract contract, ExchangeDefinition exchange,
            Spool spool, CancellationToken cancellationToken)
        {
            var id = NewDatasetId();
            return BeginAsync(new Outgoing(id, DatasetFiles.PayloadNameOf(id), recipient, contract, spool) { _rowReference = exchange.RowReference },
                store, keys, exchange, cancellationToken);
        }

        /// <summary>
        /// A new version of <paramref name="dataset"/>: same identifier, new files under new names, each
        /// with a fresh data key. Its rows are given as stored (<see cref="WriteStoredAsync"/>): they keep
        /// their row references. Once the row points at them, the previous files are noise (their keys
        /// were in the row) and the caller deletes them.
        /// </summary>
        public static Task<Outgoing> StartRewriteAsync(IPayloadStore store, IKeyProvider keys, DatasetEntity dataset, Contract contract, ExchangeDefinition exchange,
            Spool spool, CancellationToken cancellationToken) =>
            BeginAsync(new Outgoing(dataset.Id, DatasetFiles.NewVersionNameOf(dataset.Id), dataset.ToOrganisation, contract, spool),
                store, keys, exchange, cancellationToken);

        private static async Task<Outgoing> BeginAsync(Outgoing o, IPayloadStore store, IKeyProvider keys, ExchangeDefinition exchange, CancellationToken cancellationToken)
        {
            try
            {
                o._files = await DatasetFiles.BeginAsync(store, keys, o.Id, o.PayloadName, cancellationToken);
                o.Writer = CsvWriter.Create(o._files.Content, CsvIngestor.OutputOptions, leaveOpen: true);
                o.Writer.WriteHeader(exchange.DeliveredHeader.ToArray());
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
            Rows++;
            await Writer.WriteRecordAsync(_rowReference is null ? cells : [RowReferences.Format(Id, Rows), .. cells], cancellationToken);
        }

        /// <summary>Writes a row as it was stored (header order, row reference included).</summary>
        public async Task WriteStoredAsync(string[] stored, CancellationToken cancellationToken)
        {
            Rows++;
            await Writer.WriteRecordAsync(stored, cancellationToken);
        }

        /// <summary>
        /// Seals the content, writes the subject index, moves both in place and fills
        /// <paramref name="entity"/> (files, rows, SHA-256, length, wrapped keys); the names go to
        /// <paramref name="committed"/> for the caller to delete if its transaction fails.
        /// </summary>
        public async Task<DatasetEntity> CompleteAsync(DatasetEntity entity, List<string> committed, CancellationToken cancellationToken)
        {
            await Writer.DisposeAsync();
            committed.AddRange(await _files!.CompleteAsync(entity, Subjects.Sorted(), cancellationToken));
            entity.Rows = Rows;
            return entity;
        }

        public async ValueTask DisposeAsync()
        {
            // Each step on its own: a full disk makes flushing throw, and the temporary data must
            // go whatever the earlier steps did (committed files are left alone).
            try
            {
                await (Writer?.DisposeAsync() ?? ValueTask.CompletedTask);
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException or NotSupportedException or Azure.RequestFailedException)
            {
                // Already failed: the request reports the first error, and the file is discarded below.
            }
            await (_files?.DisposeAsync() ?? ValueTask.CompletedTask);
            Subjects.Dispose();
        }
    }
}
