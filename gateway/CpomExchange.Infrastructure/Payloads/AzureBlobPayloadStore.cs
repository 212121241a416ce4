using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using CpomExchange.Infrastructure.Keys;
using CpomExchange.Infrastructure.Storage;

namespace CpomExchange.Infrastructure.Payloads;

/// <summary>
/// Encrypted payloads as block blobs in one Azure Blob Storage container, named as the payloads.
/// </summary>
/// <remarks>
/// <para>
/// A block blob becomes visible only when its block list is committed (Put Block List), at once;
/// staged blocks that are never committed are invisible. A pending payload therefore stages its
/// content directly to the final blob as it is written: one block (<see cref="BlockSize"/>) is
/// filled in memory, then staged (Put Block) while the next one fills, with at most
/// <see cref="StageConcurrency"/> blocks in flight, so a pending payload holds at most
/// <see cref="StageConcurrency"/> + 1 blocks in memory and nothing on disk. The commit stages the
/// last, partial block and commits the block list; a payload of at most one block never staged
/// anything and goes as a single Put Blob instead. Without <c>overwrite</c> the commit carries
/// <c>If-None-Match: *</c>, so an existing blob makes it fail (409/412), which becomes an
/// <see cref="IOException"/> and leaves that blob untouched.
/// </para>
/// <para>
/// Each pending payload names its blocks with its own random prefix (base64 ids of one length, as
/// Azure requires per blob), so two writers of one name never mix their blocks. Committing a block
/// list discards every other uncommitted block of that blob: when two writers stage to the same
/// name (only key rotation overwrites, and upload names are random), the later commit either
/// replaces the blob whole or, if some of its blocks were discarded by the earlier commit, fails
/// cleanly (<see cref="IOException"/>); it never mixes the two contents.
/// </para>
/// <para>
/// A payload disposed uncommitted, or a commit that failed or was interrupted by a crash, leaves
/// only uncommitted blocks: nobody sees them (not <see cref="ExistsAsync"/>, not
/// <see cref="ListAsync"/>, not a reader of an existing blob of that name), and Azure drops them
/// after 7 days or at the name's next commit. There is no way to delete them sooner without
/// committing something, so there is nothing for <see cref="CleanTemporaryAsync"/> to remove.
/// A blob holds at most 50,000 committed blocks, so a payload is limited to 50,000 × 4 MiB
/// (about 195 GiB).
/// </para>
/// <para>
/// Crypto-shredding deletes the payload, the only copy of its wrapped data key. Blob soft delete
/// and blob versioning (account settings, outside the reach of this class) keep deleted and
/// overwritten blobs recoverable for their retention period: turn them off for this account, or
/// count their retention in the shredding delay.
/// </para>
/// </remarks>
public sealed partial class AzureBlobPayloadStore : IPayloadStore
{
    /// <summary>The size of a staged block, and the largest payload sent in a single request.</summary>
    public const int BlockSize = 4 * 1024 * 1024;

    /// <summary>How many blocks of one pending payload are staged at the same time, at most.</summary>
    public const int StageConcurrency = 4;

    private const int MaxBlocks = 50_000;

    private readonly BlobContainerClient _container;

    /// <summary>
    /// Uses <paramref name="container"/> as it is (see <see cref="CreateAsync(AzureBlobStorageOptions, CancellationToken)"/>
    /// to build it from the options and create it).
    /// </summary>
    public AzureBlobPayloadStore(BlobContainerClient container)
    {
        ArgumentNullException.ThrowIfNull(container);
        _container = container;
    }

    /// <summary>The container's address, without query string: never a key or a shared access signature.</summary>
    public string Description => _container.Uri.GetLeftPart(UriPartial.Path);

    /// <summary>
    /// Builds the client from <paramref name="options"/> (a connection string, or the service's https
    /// address with an Entra ID credential) and creates the container (private) if absent.
    /// </summary>
    /// <exception cref="ArgumentException">The options are incomplete or invalid (the message, in French, says which).</exception>
    public static async Task<AzureBlobPayloadStore> CreateAsync(AzureBlobStorageOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Container is null || !ContainerName().IsMatch(options.Container))
        {
            throw new ArgumentException(
                "Le nom du conteneur Azure (Storage:AzureBlob:Container) doit compter de 3 à 63 caractères : minuscules, chiffres et tirets isolés, sans tiret au début ni à la fin.",
                nameof(options));
        }
        var hasConnectionString = !string.IsNullOrWhiteSpace(options.ConnectionString);
        if (hasConnectionString == (options.ServiceUri is not null))
        {
            throw new ArgumentException(
                "Indiquez soit l'adresse du service de stockage Azure (Storage:AzureBlob:ServiceUri, authentification Entra ID), soit une chaîne de connexion (Storage:AzureBlob:ConnectionString), et pas les deux.",
                nameof(options));
        }
        var clientOptions = new BlobClientOptions();
        BlobServiceClient service;
        if (hasConnectionString)
        {
            try
            {
                service = new BlobServiceClient(options.ConnectionString, clientOptions);
            }
            catch (Exception e) when (e is FormatException or ArgumentException or UriFormatException)
            {
                // The inner exception is left out on purpose: the connection string holds the account key.
                throw new ArgumentException("La chaîne de connexion du stockage Azure (Storage:AzureBlob:ConnectionString) est invalide.", nameof(options));
            }
        }
        else
        {
            if (options.ServiceUri is not { IsAbsoluteUri: true } uri || uri.Scheme != Uri.UriSchemeHttps)
            {
                throw new ArgumentException("L'adresse du service de stockage Azure (Storage:AzureBlob:ServiceUri) doit être une URL absolue en https.", nameof(options));
            }
            var credential = AzureKeyVaultKeyProvider.CreateCredential(options.TenantId, options.ClientId, options.ClientCertificatePath);
            service = new BlobServiceClient(uri, credential, clientOptions);
        }
        var container = service.GetBlobContainerClient(options.Container);
        await container.CreateIfNotExistsAsync(PublicAccessType.None, cancellationToken: cancellationToken);
        return new AzureBlobPayloadStore(container);
    }

    /// <inheritdoc />
    public Task<IPendingPayload> CreateAsync(string name, bool overwrite = false, CancellationToken cancellationToken = default) =>
        Task.FromResult<IPendingPayload>(new PendingBlob(BlobOf(name), name, overwrite));

    /// <inheritdoc />
    public async Task<Stream> OpenReadAsync(string name, CancellationToken cancellationToken = default)
    {
        var blob = BlobOf(name);
        try
        {
            // One GET read as it comes; after a network failure the SDK resumes at the same offset
            // with If-Match on the first response's ETag, so an overwrite while reading fails instead of mixing contents.
            var download = await blob.DownloadStreamingAsync(cancellationToken: cancellationToken);
            return download.Value.Content;
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            throw new FileNotFoundException($"Le contenu « {name} » n'existe pas.", name, e);
        }
    }

    /// <inheritdoc />
    public async Task<bool> ExistsAsync(string name, CancellationToken cancellationToken = default) =>
        (await BlobOf(name).ExistsAsync(cancellationToken)).Value;

    /// <inheritdoc />
    public async Task DeleteAsync(string name, CancellationToken cancellationToken = default) =>
        await BlobOf(name).DeleteIfExistsAsync(DeleteSnapshotsOption.IncludeSnapshots, cancellationToken: cancellationToken);

    /// <inheritdoc />
    public async IAsyncEnumerable<string> ListAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        // Committed blobs only (the default); nothing this store writes lies below a '/'.
        await foreach (var item in _container.GetBlobsAsync(new GetBlobsOptions(), cancellationToken))
        {
            if (!item.Name.Contains('/', StringComparison.Ordinal) && PayloadNames.IsStored(item.Name))
            {
                yield return item.Name;
            }
        }
    }

    /// <inheritdoc />
    public async Task ProbeAsync(CancellationToken cancellationToken = default)
    {
        // A leading dot: never the name of a payload (PayloadNames.Check refuses it).
        var blob = _container.GetBlockBlobClient(".probe-" + Guid.NewGuid().ToString("N"));
        using var content = new MemoryStream("probe"u8.ToArray(), writable: false);
        await blob.UploadAsync(content, new BlobUploadOptions { Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All } }, cancellationToken);
        await blob.DeleteIfExistsAsync(cancellationToken: cancellationToken);
    }

    /// <summary>
    /// Returns 0: an interrupted write leaves only uncommitted blocks, invisible and dropped by Azure
    /// after 7 days or at the name's next commit.
    /// </summary>
    public Task<int> CleanTemporaryAsync(CancellationToken cancellationToken = default) => Task.FromResult(0);

    private BlockBlobClient BlobOf(string name)
    {
        PayloadNames.Check(name);
        if (name.EndsWith('.'))
        {
            // Azure strips a trailing dot from blob names: "x." and "x" would be one blob.
            throw new ArgumentException("Invalid payload name.", nameof(name));
        }
        return _container.GetBlockBlobClient(name);
    }

    [GeneratedRegex("^[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9])){2,62}$", RegexOptions.CultureInvariant)]
    private static partial Regex ContainerName();

    /// <summary>A payload being written: staged to its final blob as it comes, committed at once.</summary>
    private sealed class PendingBlob(BlockBlobClient blob, string name, bool overwrite) : IPendingPayload
    {
        private readonly StagingStream _content = new(blob);
        private bool _done;

        public Stream Content => _content;

        public async Task CommitAsync(CancellationToken cancellationToken = default)
        {
            ObjectDisposedException.ThrowIf(_done, this);
            var conditions = overwrite ? null : new BlobRequestConditions { IfNoneMatch = ETag.All };
            try
            {
                if (await _content.CompleteAsync(cancellationToken) is { } blocks)
                {
                    await blob.CommitBlockListAsync(blocks, new CommitBlockListOptions { Conditions = conditions }, cancellationToken);
                }
                else
                {
                    using var single = _content.OpenSingleBlock();
                    await blob.UploadAsync(single, new BlobUploadOptions { Conditions = conditions }, cancellationToken);
                }
            }
            catch (RequestFailedException e) when (!overwrite && e.Status is 409 or 412)
            {
                throw new IOException($"Le contenu « {name} » existe déjà.", e);
            }
            catch (RequestFailedException e) when (e.ErrorCode == BlobErrorCode.InvalidBlockList)
            {
                // Another writer committed this name first, which discarded the blocks staged before.
                throw new IOException($"Le contenu « {name} » a été écrit en même temps par une autre opération ; rien n'a été mélangé.", e);
            }
            _done = true;
            await _content.DisposeAsync();
        }

        public async ValueTask DisposeAsync()
        {
            // Blocks staged without a commit stay uncommitted: invisible, dropped by Azure later.
            _done = true;
            await _content.DisposeAsync();
        }
    }

    /// <summary>
    /// Write-only: fills one block in memory and stages it when full (Put Block), with at most
    /// <see cref="StageConcurrency"/> stages in flight; a block is staged only when more data follows,
    /// so a payload of at most one block is never staged.
    /// </summary>
    private sealed class StagingStream(BlockBlobClient blob) : Stream
    {
        private readonly byte[] _prefix = RandomNumberGenerator.GetBytes(16);
        private readonly CancellationTokenSource _abort = new();
        private readonly Queue<Task> _staging = new();
        private readonly List<string> _blocks = [];
        private byte[] _buffer = [];
        private int _filled;
        private long _length;
        private bool _completed;
        private bool _disposed;

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => !_completed && !_disposed;
        public override long Length => _length;
        public override long Position { get => _length; set => throw new NotSupportedException(); }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            CheckWritable();
            while (!buffer.IsEmpty)
            {
                if (_filled == BlockSize)
                {
                    // Blocks only when StageConcurrency stages are already in flight.
                    MakeRoomAsync(CancellationToken.None).GetAwaiter().GetResult();
                    StageBuffer();
                }
                buffer = buffer[Append(buffer)..];
            }
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            CheckWritable();
            while (!buffer.IsEmpty)
            {
                if (_filled == BlockSize)
                {
                    await MakeRoomAsync(cancellationToken);
                    StageBuffer();
                }
                buffer = buffer[Append(buffer.Span)..];
            }
        }

        /// <summary>Waits until every full block written so far is staged (the partial one stays in memory).</summary>
        public override void Flush() => FlushAsync(CancellationToken.None).GetAwaiter().GetResult();

        /// <inheritdoc cref="Flush" />
        public override async Task FlushAsync(CancellationToken cancellationToken)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            await DrainAsync(cancellationToken);
        }

        /// <summary>
        /// No write after this. Stages the last block and waits for every stage; returns the block
        /// list to commit, or null when nothing was staged (the content is <see cref="OpenSingleBlock"/>).
        /// </summary>
        public async Task<IReadOnlyList<string>?> CompleteAsync(CancellationToken cancellationToken)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _completed = true;
            if (_blocks.Count == 0)
            {
                return null;
            }
            if (_filled > 0)
            {
                await MakeRoomAsync(cancellationToken);
                StageBuffer();
            }
            await DrainAsync(cancellationToken);
            return _blocks;
        }

        /// <summary>The whole content, when it fits in one block and was never staged.</summary>
        public MemoryStream OpenSingleBlock() => new(_buffer, 0, _filled, writable: false);

        private void CheckWritable()
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_completed)
            {
                throw new InvalidOperationException("The payload is being committed.");
            }
        }

        /// <summary>Copies what fits of <paramref name="data"/> into the current block; returns how many bytes.</summary>
        private int Append(ReadOnlySpan<byte> data)
        {
            var wanted = (int)Math.Min(BlockSize, (long)_filled + data.Length);
            if (wanted > _buffer.Length)
            {
                // Grow by doubling, never beyond one block: a small payload keeps a small buffer.
                var grown = ArrayPool<byte>.Shared.Rent(Math.Min(BlockSize, Math.Max(wanted, Math.Max(64 * 1024, 2 * _buffer.Length))));
                _buffer.AsSpan(0, _filled).CopyTo(grown);
                ReturnBuffer();
                _buffer = grown;
            }
            var n = Math.Min(data.Length, Math.Min(BlockSize, _buffer.Length) - _filled);
            data[..n].CopyTo(_buffer.AsSpan(_filled));
            _filled += n;
            _length += n;
            return n;
        }

        /// <summary>Waits until fewer than <see cref="StageConcurrency"/> stages are in flight; throws the first failure.</summary>
        private async Task MakeRoomAsync(CancellationToken cancellationToken)
        {
            while (_staging.Count > 0 && (_staging.Peek().IsCompleted || _staging.Count >= StageConcurrency))
            {
                await _staging.Peek().WaitAsync(cancellationToken);
                _ = _staging.Dequeue();
            }
        }

        private async Task DrainAsync(CancellationToken cancellationToken)
        {
            while (_staging.Count > 0)
            {
                await _staging.Peek().WaitAsync(cancellationToken);
                _ = _staging.Dequeue();
            }
        }

        /// <summary>Hands the current block to a new stage, which returns its buffer to the pool when done.</summary>
        private void StageBuffer()
        {
            if (_blocks.Count == MaxBlocks)
            {
                throw new IOException("Contenu trop volumineux pour un blob Azure (plus de 50 000 blocs de 4 Mio).");
            }
            var id = BlockId(_blocks.Count);
            _blocks.Add(id);
            var block = _buffer;
            var size = _filled;
            _buffer = [];
            _filled = 0;
            _staging.Enqueue(StageAsync(id, block, size));
        }

        private async Task StageAsync(string id, byte[] block, int size)
        {
            try
            {
                using var content = new MemoryStream(block, 0, size, writable: false);
                await blob.StageBlockAsync(id, content, new BlockBlobStageBlockOptions(), _abort.Token).ConfigureAwait(false);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(block);
            }
        }

        /// <summary>The writer's random prefix and the block's index: base64 ids of one length, as Azure requires per blob.</summary>
        private string BlockId(int index)
        {
            Span<byte> id = stackalloc byte[20];
            _prefix.CopyTo(id);
            BinaryPrimitives.WriteInt32BigEndian(id[16..], index);
            return Convert.ToBase64String(id);
        }

        private void ReturnBuffer()
        {
            if (_buffer.Length > 0)
            {
                ArrayPool<byte>.Shared.Return(_buffer);
            }
            _buffer = [];
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing && !_disposed)
            {
                DisposeAsync().AsTask().GetAwaiter().GetResult();
            }
            base.Dispose(disposing);
        }

        public override async ValueTask DisposeAsync()
        {
            if (!_disposed)
            {
                _disposed = true;
                // Stages still in flight are cancelled; their buffers go back to the pool as each ends.
                await _abort.CancelAsync();
                while (_staging.TryDequeue(out var stage))
                {
                    try
                    {
                        await stage;
                    }
                    catch (Exception)
                    {
                        // Whatever made it fail, the payload is discarded: its staged blocks stay uncommitted.
                    }
                }
                ReturnBuffer();
                _abort.Dispose();
            }
            await base.DisposeAsync();
        }
    }
}
