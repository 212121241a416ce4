using System.Runtime.InteropServices;
using CpomExchange.Rules.Csv;

namespace CpomExchange.Rules.Tests.Csv;

/// <summary>
/// The radix sort of 128-bit keys (<see cref="RadixSort"/>) against the comparison sort it replaced
/// in <see cref="ExternalSorter{T}"/>'s runs: the same order for random pseudonyms, SIRET-and-line
/// keys, narrow ranges, many duplicates, one value, already sorted and reversed runs; and a sorter of
/// a type ordered as a <see cref="UInt128"/> gives what sorting by its comparison gives.
/// </summary>
public sealed class RadixSortTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("cpom-radix-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    public static TheoryData<string, int> Cases => new()
    {
        { "uniform", 0 }, { "uniform", 1 }, { "uniform", 1023 }, { "uniform", 1024 }, { "uniform", 131_072 }, { "uniform", 200_003 },
        { "siret-line", 131_072 }, { "siret-line", 5_000 }, { "narrow", 100_000 }, { "duplicates", 131_072 }, { "one value", 50_000 },
        { "sorted", 70_000 }, { "reversed", 70_000 }, { "top bit", 40_000 }, { "low bits", 40_000 }, { "skewed", 131_072 },
    };

    private static UInt128 Next(Random random, string kind, int i, int count) => kind switch
    {
        "uniform" => new UInt128((ulong)random.NextInt64(long.MinValue, long.MaxValue), (ulong)random.NextInt64(long.MinValue, long.MaxValue)),
        // A SIRET (under 10^14) in the high half, a line number in the low half.
        "siret-line" => new UInt128((ulong)random.NextInt64(10_000_000_000_000, 99_999_999_999_999), (ulong)(i + 2)),
        "narrow" => (UInt128)(ulong)random.Next(1_000_000, 1_000_500),
        "duplicates" => new UInt128((ulong)random.Next(3), (ulong)random.Next(5)),
        "one value" => new UInt128(42, 42),
        "sorted" => (UInt128)(ulong)i * 977,
        "reversed" => (UInt128)(ulong)(count - i) * 977,
        "top bit" => random.Next(2) == 0 ? UInt128.MaxValue : UInt128.MaxValue >> 1,
        "low bits" => (UInt128)(ulong)random.Next(4),
        // Most values in one bucket of the first pass, a few far away.
        "skewed" => random.Next(100) == 0 ? UInt128.MaxValue - (ulong)random.Next(1000) : (UInt128)(ulong)random.NextInt64(0, 1L << 40),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Sorts_as_the_comparison_sort_does(string kind, int count)
    {
        var random = new Random(count ^ kind.Length);
        var values = new UInt128[count];
        for (var i = 0; i < count; i++)
        {
            values[i] = Next(random, kind, i, count);
        }
        var expected = values.ToArray();
        Array.Sort(expected);
        RadixSort.Sort(values);
        Assert.Equal(expected, values);
    }

    /// <summary>A key laid out low half first, ordered as the <see cref="UInt128"/> its bytes make (as UniqueValues' SiretAt).</summary>
    [StructLayout(LayoutKind.Sequential)]
    private readonly record struct LowHigh(ulong Low, ulong High) : IComparable<LowHigh>, IUInt128Ordered
    {
        public int CompareTo(LowHigh other) => High != other.High ? High.CompareTo(other.High) : Low.CompareTo(other.Low);
    }

    [Theory]
    [InlineData(300_000, 65_536)]
    [InlineData(5_000, 100_000)]
    public void A_sorter_of_a_type_ordered_as_UInt128_gives_the_order_of_its_comparison(int count, int runLength)
    {
        var random = new Random(count);
        var values = Enumerable.Range(0, count)
            .Select(i => new LowHigh((ulong)i, (ulong)random.NextInt64(10_000_000_000_000, 10_000_000_050_000)))
            .ToList();
        using var sorter = new ExternalSorter<LowHigh>(runLength, _dir);
        foreach (var value in values)
        {
            sorter.Add(value);
        }
        var expected = values.ToArray();
        Array.Sort(expected, (a, b) => a.CompareTo(b));
        Assert.Equal(expected, sorter.Sorted());
    }
}
