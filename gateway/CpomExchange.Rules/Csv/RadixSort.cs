namespace CpomExchange.Rules.Csv;

/// <summary>How a run of an <see cref="ExternalSorter{T}"/> is sorted in place, with <c>scratch</c> at least as long as it.</summary>
/// <typeparam name="T">The sorter's values.</typeparam>
public delegate void RunSort<T>(Span<T> values, Span<T> scratch);

/// <summary>
/// A value read as two unsigned keys, <see cref="Primary"/> then <see cref="Secondary"/>, whose
/// order is the value's own order (its <see cref="IComparable{T}"/>).
/// </summary>
/// <typeparam name="T">The values.</typeparam>
internal interface IRadixKeys<T>
{
    static abstract ulong Primary(in T value);

    static abstract ulong Secondary(in T value);
}

/// <summary>
/// Least-significant-digit radix sort of values read as two 64-bit keys: a run of pseudonyms or of
/// SIRETs is sorted by moving each value once per 11-bit digit of its first key (at most six
/// passes, none for a digit every value shares), instead of the 20-odd comparisons per value of a
/// comparison sort. Ties on the first key are then put in the second key's order, unless the run
/// already was in that order (a file's lines: the sort is stable). Gives exactly the order of the
/// values' <see cref="IComparable{T}"/>.
/// </summary>
public static class RadixSort
{
    private const int DigitBits = 11;
    private const int Buckets = 1 << DigitBits;
    private const int Digits = (64 + DigitBits - 1) / DigitBits;

    // Below this, a comparison sort is as fast and needs no counts.
    private const int SmallRun = 256;

    /// <summary>Sorts 128-bit values in their unsigned order.</summary>
    public static void Sort(Span<UInt128> values, Span<UInt128> scratch) => Sort<UInt128, UInt128Keys>(values, scratch);

    /// <summary>Sorts <paramref name="values"/> by <typeparamref name="TKeys"/>' primary key, then its secondary key.</summary>
    internal static void Sort<T, TKeys>(Span<T> values, Span<T> scratch)
        where TKeys : IRadixKeys<T>
    {
        var n = values.Length;
        if (n < SmallRun)
        {
            values.Sort(static (a, b) => Compare<T, TKeys>(a, b));
            return;
        }
        ArgumentOutOfRangeException.ThrowIfLessThan(scratch.Length, n, nameof(scratch));

        // One read of the run: every digit's counts, and whether the second key is already in order.
        var counts = new int[Digits * Buckets];
        var secondaryInOrder = true;
        var previous = 0UL;
        for (var i = 0; i < n; i++)
        {
            var key = TKeys.Primary(values[i]);
            for (var d = 0; d < Digits; d++)
            {
                counts[(d * Buckets) + (int)((key >> (d * DigitBits)) & (Buckets - 1))]++;
            }
            var secondary = TKeys.Secondary(values[i]);
            secondaryInOrder &= secondary >= previous;
            previous = secondary;
        }

        var from = values;
        var to = scratch[..n];
        var firstKey = TKeys.Primary(values[0]);
        for (var d = 0; d < Digits; d++)
        {
            var shift = d * DigitBits;
            var digitCounts = counts.AsSpan(d * Buckets, Buckets);
            if (digitCounts[(int)((firstKey >> shift) & (Buckets - 1))] == n)
            {
                // Every value has this digit: the pass would move nothing.
                continue;
            }
            var offset = 0;
            for (var b = 0; b < Buckets; b++)
            {
                (digitCounts[b], offset) = (offset, offset + digitCounts[b]);
            }
            foreach (ref readonly var value in from)
            {
                to[digitCounts[(int)((TKeys.Primary(value) >> shift) & (Buckets - 1))]++] = value;
            }
            var swap = from;
            from = to;
            to = swap;
        }
        if (from != values)
        {
            from.CopyTo(values);
        }

        if (!secondaryInOrder)
        {
            // Values that share the first key: in the second key's order.
            for (var start = 0; start < n;)
            {
                var key = TKeys.Primary(values[start]);
                var end = start + 1;
                while (end < n && TKeys.Primary(values[end]) == key)
                {
                    end++;
                }
                if (end - start > 1)
                {
                    values[start..end].Sort(static (a, b) => Compare<T, TKeys>(a, b));
                }
                start = end;
            }
        }
    }

    private static int Compare<T, TKeys>(T a, T b)
        where TKeys : IRadixKeys<T>
    {
        var primary = TKeys.Primary(a).CompareTo(TKeys.Primary(b));
        return primary != 0 ? primary : TKeys.Secondary(a).CompareTo(TKeys.Secondary(b));
    }

    private readonly struct UInt128Keys : IRadixKeys<UInt128>
    {
        public static ulong Primary(in UInt128 value) => (ulong)(value >> 64);

        public static ulong Secondary(in UInt128 value) => (ulong)value;
    }
}
