namespace CpomExchange.Infrastructure.Payloads;

/// <summary>
/// Encrypted payloads in a folder. A payload is written to <c>tmp/</c>, flushed to disk, then moved
/// to its final name in one rename; the dataset's row is committed only after that, so a crash
/// leaves at most an orphan temporary file, which <see cref="CleanTemporaryFiles"/> removes at start.
/// </summary>
public sealed class FolderPayloadStore
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

    /// <summary>Creates a temporary file for a payload being written.</summary>
    public (string TempPath, FileStream Stream) CreateTemporary()
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
        return (path, new FileStream(path, options));
    }

    /// <summary>Moves a completed temporary file to its final <paramref name="name"/>.</summary>
    public void Commit(string tempPath, string name) => File.Move(tempPath, PathOf(name), overwrite: false);

    /// <summary>Deletes a temporary file, if it is still there.</summary>
    public static void Discard(string tempPath)
    {
        try
        {
            File.Delete(tempPath);
        }
        catch (IOException)
        {
            // Left for the start-up clean-up.
        }
    }

    /// <summary>Opens a payload for reading.</summary>
    public FileStream OpenRead(string name) =>
        new(PathOf(name), FileMode.Open, FileAccess.Read, FileShare.Read, 64 * 1024, FileOptions.Asynchronous | FileOptions.SequentialScan);

    /// <summary>Replaces a payload by a completed temporary file, in one rename.</summary>
    public void Replace(string tempPath, string name) => File.Move(tempPath, PathOf(name), overwrite: true);

    /// <summary>The names of every stored payload and subject index.</summary>
    public IEnumerable<string> Names() =>
        Directory.EnumerateFiles(_root).Select(Path.GetFileName).Where(n => n!.EndsWith(".cpom", StringComparison.Ordinal) || n.EndsWith(".subjects", StringComparison.Ordinal))!;

    /// <summary>Deletes a payload.</summary>
    public void Delete(string name) => File.Delete(PathOf(name));

    /// <summary>Writes, flushes and deletes a small file in the temporary folder: the store is writable.</summary>
    public void Probe()
    {
        var (path, stream) = CreateTemporary();
        try
        {
            stream.Write("probe"u8);
            stream.Flush(flushToDisk: true);
        }
        finally
        {
            try
            {
                stream.Dispose();
            }
            catch (IOException)
            {
                // The write above already failed and is reported.
            }
            Discard(path);
        }
    }

    /// <summary>True when a payload of that name exists.</summary>
    public bool Exists(string name) => File.Exists(PathOf(name));

    /// <summary>Removes what interrupted uploads left behind; returns how many files.</summary>
    public int CleanTemporaryFiles()
    {
        var count = 0;
        foreach (var file in Directory.EnumerateFiles(_tmp, "*.part"))
        {
            File.Delete(file);
            count++;
        }
        return count;
    }

    private string PathOf(string name)
    {
        if (name.Length == 0 || name.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')) || name.StartsWith('.'))
        {
            throw new ArgumentException("Invalid payload name.", nameof(name));
        }
        return Path.Combine(_root, name);
    }
}
