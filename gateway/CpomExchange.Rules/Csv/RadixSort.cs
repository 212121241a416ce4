using System.Buffers;

namespace CpomExchange.Rules.Csv;

/// <summary>
/// A value type of 16 bytes whose order (<see cref="IComparable{T}"/>) is the order of its bytes
/// read as one little-endian <see cref="UInt128"/>: <see cref="ExternalSorter{T}"/> sorts its runs
/// with <see cref="RadixSort"/> instead of a comparison sort. Only for types whose equal keys are
/// equal values (the key is the whole value), so that the result is the comparison sort's.
/// </summary>
internal interface IUInt128Ordered
{
}

/// <summary>
/// An in-place most-significant-digit radix sort of 128-bit keys (an "American flag" sort): one
/// pass counts the values per bucket of the 16 bits below the highest bit in which any two values
/// differ, one pass moves each value into its bucket by swapping (no second buffer: memory stays
/// what the run holds, plus three tables of 65,536 counters rented for the sort), then each bucket
/// (two values on average for a run of 131,072 random pseudonyms) is sorted by comparison. The
/// result is exactly <see cref="MemoryExtensions.Sort{T}(Span{T})"/>'s: equal keys are equal values.
/// </summary>
internal static class RadixSort
{
    private const int MaxBits = 16;
    private const int Smallest = 1024;

    /// <summary>Sorts <paramref name="values"/> in ascending order.</summary>
    public static void Sort(Span<UInt128> values)
    {
        if (values.Length < Smallest)
        {
            values.Sort();
            return;
        }
        var first = values[0];
        UInt128 differ = 0;
        foreach (var value in values)
        {
            differ |= value ^ first;
        }
        if (differ == 0)
        {
            return;
        }
        var top = 127 - (int)UInt128.LeadingZeroCount(differ);
        var bits = Math.Min(MaxBits, Math.Min(top + 1, 64 - (int)long.LeadingZeroCount(values.Length)));
        var shift = top + 1 - bits;
        var buckets = 1 << bits;
        var mask = (ulong)buckets - 1;
        var counts = ArrayPool<int>.Shared.Rent(buckets);
        var next = ArrayPool<int>.Shared.Rent(buckets);
        var ends = ArrayPool<int>.Shared.Rent(buckets);
        try
        {
            Array.Clear(counts, 0, buckets);
            foreach (var value in values)
            {
                counts[(int)((ulong)(value >> shift) & mask)]++;
            }
            var start = 0;
            for (var b = 0; b < buckets; b++)
            {
                next[b] = start;
                start += counts[b];
                ends[b] = start;
            }
            for (var b = 0; b < buckets; b++)
            {
                while (next[b] < ends[b])
                {
                    // Carry the value found at bucket b's next place to its own bucket, and the one
                    // there onwards, until a value of bucket b comes back to fill the place.
                    var value = values[next[b]];
                    var digit = (int)((ulong)(value >> shift) & mask);
                    while (digit != b)
                    {
                        (value, values[next[digit]]) = (values[next[digit]], value);
                        next[digit]++;
                        digit = (int)((ulong)(value >> shift) & mask);
                    }
                    values[next[b]++] = value;
                }
            }
            start = 0;
            for (var b = 0; b < buckets; b++)
            {
                if (counts[b] > 1)
                {
                    values.Slice(start, counts[b]).Sort();
                }
                start += counts[b];
            }
        }
        finally
        {
            ArrayPool<int>.Shared.Return(counts);
            ArrayPool<int>.Shared.Return(next);
            ArrayPool<int>.Shared.Return(ends);
        }
    }
}
