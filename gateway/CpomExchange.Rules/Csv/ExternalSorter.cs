using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace CpomExchange.Rules.Csv;

/// <summary>
/// Sorts more values than memory should hold, so that a file of millions of rows costs the same
/// memory as a small one: values are gathered in a run of <c>runLength</c>; a full run is sorted and
/// written to a spill file; <see cref="Sorted"/> merges the files and the last run. The spill files
/// are encrypted (AES-256-GCM, with a key that exists only in this object's memory: what is spilled
/// is file content, such as an adherents list) and deleted when closed, so that nothing readable is
/// left on disk, even after a crash. With a <see cref="SpillQuota"/>, a run is written only if its
/// bytes fit in the quota, and they are given back when the sorter is disposed.
/// </summary>
/// <remarks>
/// In the background (<see cref="InBackground"/>), a full run is sorted, encrypted and written by a
/// task of its own while the next run fills a second buffer (at most one run is being written: the
/// next full run waits for it), so that a second processor does that work. The quota is reserved and
/// the file created on the caller's thread, as in the foreground; a failure of the writing surfaces
/// at the next full run or at <see cref="Sorted"/>. The values given back are the same either way.
/// </remarks>
/// <typeparam name="T">A value type without references, ordered by <see cref="IComparable{T}"/>.</typeparam>
public sealed class ExternalSorter<T> : IDisposable
    where T : unmanaged, IComparable<T>
{
    /// <summary>The default run: 262,144 values (4 MiB of 16-byte values).</summary>
    public const int DefaultRunLength = 256 * 1024;

    private const int ChunkValues = 4096;
    private const int NonceSize = 12;
    private const int TagSize = 16;

    private readonly int _runLength;
    private readonly string _directory;
    private readonly byte[] _key = RandomNumberGenerator.GetBytes(32);
    private readonly List<FileStream> _spills = [];
    private readonly SpillQuota? _quota;
    private readonly bool _background;
    private readonly RunSort<T>? _sort;
    private T[]? _scratch;
    private long _reserved;
    private T[] _run;
    private T[]? _spare;
    private Task? _spilling;
    private int _count;
    private ulong _nonce;
    private bool _merged;

    /// <summary>
    /// Spills to <paramref name="directory"/> (default: the system's temporary folder) every
    /// <paramref name="runLength"/> values, within <paramref name="quota"/> when there is one. Each run
    /// is sorted by <paramref name="sort"/> (such as <see cref="RadixSort.Sort"/>), which must give the
    /// values' own order; by default, by comparing them.
    /// </summary>
    public ExternalSorter(int runLength = DefaultRunLength, string? directory = null, SpillQuota? quota = null, RunSort<T>? sort = null)
        : this(runLength, directory, quota, background: false, sort)
    {
    }

    private ExternalSorter(int runLength, string? directory, SpillQuota? quota, bool background, RunSort<T>? sort)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(runLength, 1);
        _runLength = runLength;
        _directory = directory ?? Path.GetTempPath();
        _quota = quota;
        _background = background;
        _sort = sort;
        _run = new T[Math.Min(runLength, 1024)];
    }

    /// <summary>
    /// A sorter whose full runs are sorted and written in the background, with runs of
    /// <paramref name="runLength"/> values (default: half of <see cref="DefaultRunLength"/>, so that
    /// its two buffers hold what one run of the default holds), each sorted by <paramref name="sort"/>
    /// as for the constructor.
    /// </summary>
    public static ExternalSorter<T> InBackground(string? directory = null, SpillQuota? quota = null, int runLength = DefaultRunLength / 2, RunSort<T>? sort = null) =>
        new(runLength, directory, quota, background: true, sort);

    /// <summary>How many values were added.</summary>
    public long Count { get; private set; }

    /// <summary>How many runs went to disk (for tests and measurements).</summary>
    public int SpilledRuns => _spills.Count;

    /// <summary>Adds a value.</summary>
    public void Add(T value)
    {
        ObjectDisposedException.ThrowIf(_merged, this);
        if (_count == _run.Length)
        {
            if (_run.Length < _runLength)
            {
                Array.Resize(ref _run, Math.Min(_runLength, _run.Length * 2));
            }
            else
            {
                Spill();
            }
        }
        _run[_count++] = value;
        Count++;
    }

    /// <summary>Every value added, in order (equal values kept). Can be enumerated once.</summary>
    public IEnumerable<T> Sorted()
    {
        ObjectDisposedException.ThrowIf(_merged, this);
        _merged = true;
        WaitForSpill();
        SortRun(_run.AsSpan(0, _count));
        if (_spills.Count == 0)
        {
            for (var i = 0; i < _count; i++)
            {
                yield return _run[i];
            }
            yield break;
        }
        var readers = _spills.Select(s => new RunReader(this, s)).ToList();
        var queue = new PriorityQueue<int, T>();
        for (var r = 0; r < readers.Count; r++)
        {
            if (readers[r].TryNext(out var first))
            {
                queue.Enqueue(r, first);
            }
        }
        var memory = 0;
        while (queue.TryPeek(out var reader, out var value))
        {
            // The run still in memory takes part in the merge as one more source.
            if (memory < _count && _run[memory].CompareTo(value) <= 0)
            {
                yield return _run[memory++];
                continue;
            }
            queue.Dequeue();
            yield return value;
            if (readers[reader].TryNext(out var next))
            {
                queue.Enqueue(reader, next);
            }
        }
        while (memory < _count)
        {
            yield return _run[memory++];
        }
    }

    /// <summary>The bytes this sorter's runs hold in its quota (for tests and measurements).</summary>
    public long ReservedBytes => _reserved;

    /// <summary>Closes (and so deletes) the spill files, and gives their bytes back to the quota.</summary>
    public void Dispose()
    {
        _merged = true;
        try
        {
            // The run being written uses the key and its file: it ends before they go.
            WaitForSpill();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException)
        {
            // Already failed: the caller reports the first error, and the files are closed below.
        }
        foreach (var spill in _spills)
        {
            spill.Dispose();
        }
        _spills.Clear();
        _quota?.Release(_reserved);
        _reserved = 0;
        CryptographicOperations.ZeroMemory(_key);
    }

    private void Spill()
    {
        var plainBytes = (long)_count * Marshal.SizeOf<T>();
        var chunkCount = (plainBytes + (ChunkValues * Marshal.SizeOf<T>()) - 1) / (ChunkValues * Marshal.SizeOf<T>());
        var bytes = plainBytes + (chunkCount * (4 + NonceSize + TagSize));
        if (_quota is not null)
        {
            // Reserved before the file exists: a full quota writes nothing.
            if (!_quota.TryReserve(bytes))
            {
                throw new SpillQuotaExceededException(bytes, _quota);
            }
            _reserved += bytes;
        }
        if (!_background)
        {
            Write(_run, _count, CreateFile());
            _count = 0;
            return;
        }
        // The previous run's writing ends (or throws) before this one's starts: one at a time, in order.
        WaitForSpill();
        var (full, count, file) = (_run, _count, CreateFile());
        _run = _spare ?? new T[_runLength];
        _spare = null;
        _count = 0;
        _spilling = Task.Run(() =>
        {
            Write(full, count, file);
            _spare = full;
        });
    }

    private void WaitForSpill()
    {
        if (_spilling is { } spilling)
        {
            _spilling = null;
            spilling.GetAwaiter().GetResult();
        }
    }

    private FileStream CreateFile()
    {
        var options = new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.ReadWrite,
            // Readable by this user only (0600), and what it holds is encrypted.
            Share = FileShare.Read,
            Options = FileOptions.DeleteOnClose,
            BufferSize = 0,
        };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }
        Directory.CreateDirectory(_directory);
        var file = new FileStream(Path.Combine(_directory, SpillFiles.Prefix + Guid.NewGuid().ToString("N") + SpillFiles.Extension), options);
        _spills.Add(file);
        return file;
    }

    /// <summary>Sorts the first <paramref name="count"/> values of <paramref name="run"/> and writes them, encrypted, to <paramref name="file"/>.</summary>
    private void Write(T[] run, int count, FileStream file)
    {
        var values = run.AsSpan(0, count);
        SortRun(values);
        using var aes = new AesGcm(_key, TagSize);
        var plain = MemoryMarshal.AsBytes(values);
        var chunkBytes = ChunkValues * Marshal.SizeOf<T>();
        var buffer = new byte[4 + NonceSize + TagSize + chunkBytes];
        for (var offset = 0; offset < plain.Length; offset += chunkBytes)
        {
            var chunk = plain.Slice(offset, Math.Min(chunkBytes, plain.Length - offset));
            BinaryPrimitives.WriteInt32LittleEndian(buffer, chunk.Length);
            var nonce = buffer.AsSpan(4, NonceSize);
            BinaryPrimitives.WriteUInt64LittleEndian(nonce, ++_nonce);
            aes.Encrypt(nonce, chunk, buffer.AsSpan(4 + NonceSize + TagSize, chunk.Length), buffer.AsSpan(4 + NonceSize, TagSize));
            file.Write(buffer, 0, 4 + NonceSize + TagSize + chunk.Length);
        }
        file.Flush();
        file.Position = 0;
    }

    /// <summary>Sorts a run; one at a time (a run is written only after the previous one, and the last after them all), so one scratch buffer serves.</summary>
    private void SortRun(Span<T> values)
    {
        if (_sort is null)
        {
            values.Sort();
            return;
        }
        if (values.Length > (_scratch?.Length ?? 0))
        {
            _scratch = new T[values.Length];
        }
        _sort(values, _scratch);
    }

    /// <summary>Reads one spilled run back, a chunk at a time.</summary>
    private sealed class RunReader(ExternalSorter<T> owner, FileStream file)
    {
        private readonly byte[] _cipher = new byte[ChunkValues * Marshal.SizeOf<T>()];
        private readonly T[] _values = new T[ChunkValues];
        private readonly byte[] _header = new byte[4 + NonceSize + TagSize];
        private int _length;
        private int _next;

        public bool TryNext(out T value)
        {
            if (_next == _length && !Fill())
            {
                value = default;
                return false;
            }
            value = _values[_next++];
            return true;
        }

        private bool Fill()
        {
            if (file.Position == file.Length)
            {
                return false;
            }
            file.ReadExactly(_header);
            var bytes = BinaryPrimitives.ReadInt32LittleEndian(_header);
            if (bytes <= 0 || bytes > _cipher.Length || bytes % Marshal.SizeOf<T>() != 0)
            {
                throw new InvalidDataException("Corrupted sort spill file.");
            }
            file.ReadExactly(_cipher, 0, bytes);
            using var aes = new AesGcm(owner._key, TagSize);
            aes.Decrypt(_header.AsSpan(4, NonceSize), _cipher.AsSpan(0, bytes), _header.AsSpan(4 + NonceSize, TagSize),
                MemoryMarshal.AsBytes(_values.AsSpan()).Slice(0, bytes));
            _length = bytes / Marshal.SizeOf<T>();
            _next = 0;
            return true;
        }
    }
}

/// <summary>The spill files of <see cref="ExternalSorter{T}"/> that a crash left behind.</summary>
public static class SpillFiles
{
    internal const string Prefix = "cpom-sort-";
    internal const string Extension = ".tmp";

    /// <summary>
    /// Deletes the spill files in <paramref name="directory"/>: a killed process cannot delete its
    /// own, and their key died with it, so they are noise that only takes space. A run another
    /// process still has open keeps being read through its open handle (Unix), or cannot be deleted
    /// and is left (Windows). Returns how many were deleted.
    /// </summary>
    public static int DeleteLeftovers(string directory)
    {
        if (!Directory.Exists(directory))
        {
            return 0;
        }
        var count = 0;
        foreach (var file in Directory.EnumerateFiles(directory, Prefix + "*" + Extension))
        {
            try
            {
                File.Delete(file);
                count++;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // In use by a running upload: its owner deletes it.
            }
        }
        return count;
    }
}
