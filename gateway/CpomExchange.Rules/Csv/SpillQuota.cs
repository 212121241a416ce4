namespace CpomExchange.Rules.Csv;

/// <summary>
/// The disk space the sorted runs of large files may take, shared by every
/// <see cref="ExternalSorter{T}"/> spilling into one folder: a run is written only once its bytes
/// are reserved, and they are given back when the sorter is disposed (its files deleted). A full
/// quota refuses the run (<see cref="SpillQuotaExceededException"/>) rather than filling the disk.
/// </summary>
public sealed class SpillQuota
{
    private long _used;

    /// <summary>A quota of <paramref name="maxBytes"/> bytes.</summary>
    public SpillQuota(long maxBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxBytes);
        MaxBytes = maxBytes;
    }

    /// <summary>The most bytes the runs may take together.</summary>
    public long MaxBytes { get; }

    /// <summary>The bytes reserved now.</summary>
    public long UsedBytes => Interlocked.Read(ref _used);

    /// <summary>Reserves <paramref name="bytes"/>, or returns false (and reserves nothing) when they do not fit.</summary>
    public bool TryReserve(long bytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        while (true)
        {
            var used = Interlocked.Read(ref _used);
            if (bytes > MaxBytes - used)
            {
                return false;
            }
            if (Interlocked.CompareExchange(ref _used, used + bytes, used) == used)
            {
                return true;
            }
        }
    }

    /// <summary>Gives back bytes reserved by <see cref="TryReserve"/>.</summary>
    public void Release(long bytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        Interlocked.Add(ref _used, -bytes);
    }
}

/// <summary>A sorted run did not fit in its <see cref="SpillQuota"/>: nothing of it was written.</summary>
public sealed class SpillQuotaExceededException : IOException
{
    /// <summary>For a run of <paramref name="bytes"/> bytes that did not fit in <paramref name="quota"/>.</summary>
    public SpillQuotaExceededException(long bytes, SpillQuota quota)
        : base($"A sorted run of {bytes} bytes does not fit in the spill quota ({quota?.UsedBytes} of {quota?.MaxBytes} bytes in use).")
    {
    }

    public SpillQuotaExceededException()
    {
    }

    public SpillQuotaExceededException(string message)
        : base(message)
    {
    }

    public SpillQuotaExceededException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
