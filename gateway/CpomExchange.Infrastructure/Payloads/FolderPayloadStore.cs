using System.Runtime.CompilerServices;

namespace CpomExchange.Infrastructure.Payloads;

/// <summary>
/// Encrypted payloads in a folder (local disk, or a network share every instance mounts). A payload
/// is written to <c>tmp/</c>, flushed to disk, then moved to its final name in one rename; the
/// dataset's row is committed only after that, so a crash leaves at most an orphan temporary file,
/// which <see cref="CleanTemporaryAsync"/> removes at start.
/// </summary>
public sealed class FolderPayloadStore : IPayloadStore
{
    private readonly string _root;
    private readonly string _tmp;

    /// <summary>Uses (and creates) <paramref name="root"/>.</summary>
    public FolderPayloadStore(string root)
    {
        _root = Path.GetFullPath(root);
        _tmp = Path.Combine(_root, "tmp");
        CpomHome.CreatePrivateDirectory(_root);
        CpomHome.CreatePrivateDirectory(_tmp);
    }

    /// <inheritdoc />
    public string Description => _root;

    /// <inheritdoc />
    public Task<IPendingPayload> CreateAsync(string name, bool overwrite = false, CancellationToken cancellationToken = default) =>
        Task.FromResult<IPendingPayload>(Begin(PathOf(name), overwrite));

    /// <inheritdoc />
    public Task<Stream> OpenReadAsync(string name, CancellationToken cancellationToken = default) =>
        Task.FromResult<Stream>(new FileStream(PathOf(name), FileMode.Open, FileAccess.Read, FileShare.Read, 64 * 1024, FileOptions.Asynchronous | FileOptions.SequentialScan));

    /// <inheritdoc />
    public async IAsyncEnumerable<string> ListAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await Task.CompletedTask;
        foreach (var name in Directory.EnumerateFiles(_root).Select(Path.GetFileName))
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (PayloadNames.IsStored(name!))
            {
                yield return name!;
            }
        }
    }

    /// <inheritdoc />
    public Task DeleteAsync(string name, CancellationToken cancellationToken = default)
    {
        File.Delete(PathOf(name));
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task<bool> ExistsAsync(string name, CancellationToken cancellationToken = default) => Task.FromResult(File.Exists(PathOf(name)));

    /// <inheritdoc />
    public async Task ProbeAsync(CancellationToken cancellationToken = default)
    {
        // Written, flushed and discarded: never committed, so the target (a name no payload can have) is not used.
        await using var pending = Begin(Path.Combine(_tmp, ".probe"), overwrite: false);
        pending.Content.Write("probe"u8);
        pending.Content.Flush();
        ((FileStream)pending.Content).Flush(flushToDisk: true);
    }

    /// <inheritdoc />
    public Task<int> CleanTemporaryAsync(CancellationToken cancellationToken = default)
    {
        var count = 0;
        foreach (var file in Directory.EnumerateFiles(_tmp, "*.part"))
        {
            File.Delete(file);
            count++;
        }
        return Task.FromResult(count);
    }

    private string PathOf(string name) => Path.Combine(_root, PayloadNames.Check(name));

    /// <summary>A new temporary file in <c>tmp/</c>, to be renamed to <paramref name="target"/> at commit.</summary>
    private PendingFile Begin(string target, bool overwrite)
    {
        var path = Path.Combine(_tmp, Guid.NewGuid().ToString("N") + ".part");
        var options = new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            Share = FileShare.None,
            BufferSize = 64 * 1024,
            Options = FileOptions.Asynchronous,
        };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }
        return new PendingFile(path, new FileStream(path, options), target, overwrite);
    }

    /// <summary>A temporary file in <c>tmp/</c>, renamed in place at commit.</summary>
    private sealed class PendingFile(string path, FileStream stream, string target, bool overwrite) : IPendingPayload
    {
        private bool _done;

        public Stream Content => stream;

        public async Task CommitAsync(CancellationToken cancellationToken = default)
        {
            ObjectDisposedException.ThrowIf(_done, this);
            await stream.FlushAsync(cancellationToken);
            stream.Flush(flushToDisk: true);
            await stream.DisposeAsync();
            File.Move(path, target, overwrite);
            _done = true;
        }

        public async ValueTask DisposeAsync()
        {
            if (_done)
            {
                return;
            }
            _done = true;
            try
            {
                await stream.DisposeAsync();
            }
            catch (IOException)
            {
                // A full disk makes the last flush throw; the file goes all the same.
            }
            try
            {
                File.Delete(path);
            }
            catch (IOException)
            {
                // Left for the start-up clean-up.
            }
        }
    }
}
