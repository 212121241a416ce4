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
/// staged blocks that are never committed are invisible and Azure discards them after 7 days. But
/// uncommitted blocks belong to one blob <em>name</em>, and <see cref="IPayloadStore.CreateAsync"/>
/// does not know the name yet (it is given to <see cref="IPendingPayload.CommitAsync"/>); Azure
/// has no rename, and a server-side copy is neither atomic nor free. So a pending payload keeps its
/// content locally with bounded memory: up to one block (<see cref="BlockSize"/>) in memory, beyond
/// that in a spool file that only this process can open (unlinked as soon as created on Unix,
/// delete-on-close on Windows, so that a crash leaves no file behind). The commit then sends it to
/// the final name: one Put Blob for a payload of at most one block, else blocks staged
/// (<see cref="StageConcurrency"/> at a time) and one Put Block List. Without <c>overwrite</c> the
/// request carries <c>If-None-Match: *</c>, so an existing blob makes it fail (409/412), which
/// becomes an <see cref="IOException"/> and leaves that blob untouched.
/// </para>
/// <para>
/// Each pending payload names its blocks with a random prefix: two writers committing to the same
/// name never mix their blocks. A commit interrupted half-way leaves only uncommitted blocks, which
/// nobody sees and Azure drops after 7 days (or at the name's next commit): there is nothing for
/// <see cref="CleanTemporaryAsync"/> to remove. A blob holds at most 50,000 committed blocks, so a
/// payload is limited to 50,000 × 4 MiB (about 195 GiB).
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

    /// <summary>How many blocks a commit sends at the same time.</summary>
    public const int StageConcurrency = 4;

    private const int MaxBlocks = 50_000;

    private readonly BlobContainerClient _container;
    private readonly string _spoolDirectory;

    /// <summary>
    /// Uses <paramref name="container"/> as it is (see <see cref="CreateAsync(AzureBlobStorageOptions, CancellationToken)"/>
    /// to build it from the options and create it). Pending payloads larger than one block are
    /// spooled to <paramref name="spoolDirectory"/> (default: the system's temporary folder).
    /// </summary>
    public AzureBlobPayloadStore(BlobContainerClient container, string? spoolDirectory = null)
    {
        ArgumentNullException.ThrowIfNull(container);
        _container = container;
        if (spoolDirectory is null)
        {
            _spoolDirectory = Path.GetTempPath();
        }
        else
        {
            _spoolDirectory = Path.GetFullPath(spoolDirectory);
            CpomHome.CreatePrivateDirectory(_spoolDirectory);
        }
    }

    /// <summary>The container's address, without query string: never a key or a shared access signature.</summary>
    public string Description => _container.Uri.GetLeftPart(UriPartial.Path);

    /// <summary>Builds the client from <paramref name="options"/> and creates the container (private) if absent.</summary>
    public static Task<AzureBlobPayloadStore> CreateAsync(AzureBlobStorageOptions options, CancellationToken cancellationToken = default) =>
        CreateAsync(options, spoolDirectory: null, cancellationToken);

    /// <summary>
    /// Builds the client from <paramref name="options"/> (a connection string, or the service's https
    /// address with an Entra ID credential) and creates the container (private) if absent.
    /// </summary>
    /// <exception cref="ArgumentException">The options are incomplete or invalid (the message, in French, says which).</exception>
    public static async Task<AzureBlobPayloadStore> CreateAsync(AzureBlobStorageOptions options, string? spoolDirectory, CancellationToken cancellationToken = default)
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
        return new AzureBlobPayloadStore(container, spoolDirectory);
    }

    /// <inheritdoc />
    public Task<IPendingPayload> CreateAsync(CancellationToken cancellationToken = default) =>
        Task.FromResult<IPendingPayload>(new PendingBlob(this));

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
    /// after 7 days, and spool files are gone with the process that wrote them.
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

    private FileStream CreateSpoolFile()
    {
        var path = Path.Combine(_spoolDirectory, "cpom-" + Guid.NewGuid().ToString("N") + ".spool");
        var options = new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.ReadWrite,
            Share = FileShare.None,
            BufferSize = 64 * 1024,
            Options = FileOptions.Asynchronous | (OperatingSystem.IsWindows() ? FileOptions.DeleteOnClose : FileOptions.None),
        };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }
        var file = new FileStream(path, options);
        if (!OperatingSystem.IsWindows())
        {
            // The open handle keeps the data; the name goes now, so a crash leaves nothing behind.
            File.Delete(path);
        }
        return file;
    }

    [GeneratedRegex("^[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9])){2,62}$", RegexOptions.CultureInvariant)]
    private static partial Regex ContainerName();

    /// <summary>A payload being written: in memory up to one block, then in a spool file; sent to Azure at commit.</summary>
    private sealed class PendingBlob(AzureBlobPayloadStore store) : IPendingPayload
    {
        private readonly SpoolStream _content = new(store);
        private readonly byte[] _blockPrefix = RandomNumberGenerator.GetBytes(16);
        private bool _done;

        public Stream Content => _content;

        public async Task CommitAsync(string name, bool overwrite = false, CancellationToken cancellationToken = default)
        {
            ObjectDisposedException.ThrowIf(_done, this);
            var blob = store.BlobOf(name);
            _content.Seal();
            var conditions = overwrite ? null : new BlobRequestConditions { IfNoneMatch = ETag.All };
            try
            {
                if (_content.Spool is not { } spool)
                {
                    using var head = _content.OpenHead();
                    await blob.UploadAsync(head, new BlobUploadOptions { Conditions = conditions }, cancellationToken);
                }
                else
                {
                    var ids = await StageAsync(blob, spool, _content.Length, cancellationToken);
                    await blob.CommitBlockListAsync(ids, new CommitBlockListOptions { Conditions = conditions }, cancellationToken);
                }
            }
            catch (RequestFailedException e) when (!overwrite && e.Status is 409 or 412)
            {
                throw new IOException($"Le contenu « {name} » existe déjà.", e);
            }
            _done = true;
            await _content.DisposeAsync();
        }

        public async ValueTask DisposeAsync()
        {
            // Nothing was sent before the commit; a commit that failed half-way left only uncommitted blocks.
            _done = true;
            await _content.DisposeAsync();
        }

        private async Task<string[]> StageAsync(BlockBlobClient blob, FileStream spool, long length, CancellationToken cancellationToken)
        {
            var count = (int)Math.Min((length + BlockSize - 1) / BlockSize, int.MaxValue);
            if (count > MaxBlocks)
            {
                throw new IOException("Contenu trop volumineux pour un blob Azure (plus de 50 000 blocs de 4 Mio).");
            }
            await spool.FlushAsync(cancellationToken);
            var handle = spool.SafeFileHandle;
            var ids = new string[count];
            for (var i = 0; i < count; i++)
            {
                ids[i] = BlockId(i);
            }
            var parallel = new ParallelOptions { MaxDegreeOfParallelism = StageConcurrency, CancellationToken = cancellationToken };
            await Parallel.ForEachAsync(Enumerable.Range(0, count), parallel, async (i, token) =>
            {
                var offset = (long)i * BlockSize;
                var size = (int)Math.Min(BlockSize, length - offset);
                var buffer = ArrayPool<byte>.Shared.Rent(size);
                try
                {
                    for (var read = 0; read < size;)
                    {
                        var n = await RandomAccess.ReadAsync(handle, buffer.AsMemory(read, size - read), offset + read, token);
                        if (n == 0)
                        {
                            throw new EndOfStreamException("Fichier tampon tronqué.");
                        }
                        read += n;
                    }
                    using var block = new MemoryStream(buffer, 0, size, writable: false);
                    await blob.StageBlockAsync(ids[i], block, new BlockBlobStageBlockOptions(), token);
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                }
            });
            return ids;
        }

        /// <summary>The writer's random prefix and the block's index: base64 ids of one length, as Azure requires per blob.</summary>
        private string BlockId(int index)
        {
            Span<byte> id = stackalloc byte[20];
            _blockPrefix.CopyTo(id);
            BinaryPrimitives.WriteInt32BigEndian(id[16..], index);
            return Convert.ToBase64String(id);
        }
    }

    /// <summary>Write-only: the first block in memory, everything in a spool file once it outgrows one block.</summary>
    private sealed class SpoolStream(AzureBlobPayloadStore store) : Stream
    {
        private MemoryStream? _head = new();
        private bool _sealed;
        private bool _disposed;

        public FileStream? Spool { get; private set; }

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => !_sealed && !_disposed;
        public override long Length => Spool?.Length ?? _head?.Length ?? 0;
        public override long Position { get => Length; set => throw new NotSupportedException(); }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            var target = Target(buffer.Length, out var spill);
            if (spill is not null)
            {
                target.Write(spill.GetBuffer(), 0, (int)spill.Length);
            }
            target.Write(buffer);
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var target = Target(buffer.Length, out var spill);
            if (spill is not null)
            {
                await target.WriteAsync(spill.GetBuffer().AsMemory(0, (int)spill.Length), cancellationToken);
            }
            await target.WriteAsync(buffer, cancellationToken);
        }

        /// <summary>Where the next <paramref name="count"/> bytes go; <paramref name="spill"/> is the head to copy first when the spool starts now.</summary>
        private Stream Target(int count, out MemoryStream? spill)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_sealed)
            {
                throw new InvalidOperationException("The payload is being committed.");
            }
            spill = null;
            if (Spool is not null)
            {
                return Spool;
            }
            var needed = _head!.Length + count;
            if (needed <= BlockSize)
            {
                if (needed > _head.Capacity)
                {
                    // Grow as MemoryStream would, but never beyond one block.
                    _head.Capacity = (int)Math.Min(BlockSize, Math.Max(needed, 2L * _head.Capacity));
                }
                return _head;
            }
            spill = _head;
            _head = null;
            Spool = store.CreateSpoolFile();
            return Spool;
        }

        public override void Flush()
        {
        }

        public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        /// <summary>No write after this: the commit reads what was written.</summary>
        public void Seal() => _sealed = true;

        /// <summary>The content, when it stayed in memory.</summary>
        public MemoryStream OpenHead() => new(_head!.GetBuffer(), 0, (int)_head.Length, writable: false);

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing && !_disposed)
            {
                _disposed = true;
                _head = null;
                Spool?.Dispose();
            }
            base.Dispose(disposing);
        }

        public override async ValueTask DisposeAsync()
        {
            if (!_disposed)
            {
                _disposed = true;
                _head = null;
                if (Spool is not null)
                {
                    await Spool.DisposeAsync();
                }
            }
            await base.DisposeAsync();
        }
    }
}
