using CpomExchange.Rules.Csv;

namespace CpomExchange.Rules.Tests.Csv;

/// <summary>
/// <see cref="RadixSort"/> against the comparison sort it replaces in the sorters' runs: the same
/// order, value for value, for pseudonyms (random, tied on their high half, equal, already sorted,
/// reversed) and for SIRETs with their lines (in file order or not, negative keys included).
/// </summary>
public sealed class RadixSortTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("cpom-radix-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    public static TheoryData<string, int> Shapes()
    {
        var data = new TheoryData<string, int>();
        foreach (var shape in new[] { "random", "few-high", "low-only", "equal", "sorted", "reversed", "one-high-bit" })
        {
            foreach (var count in new[] { 0, 1, 255, 256, 257, 5_000, 131_072 })
            {
                data.Add(shape, count);
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Pseudonyms_ComeOutInUInt128Order(string shape, int count)
    {
        var random = new Random(count * 31 + shape.Length);
        UInt128 Next(int i) => shape switch
        {
            "random" => new UInt128((ulong)random.NextInt64() ^ ((ulong)random.Next() << 40), (ulong)random.NextInt64()),
            // Ties on the high half, which the digits do not separate: the low half decides.
            "few-high" => new UInt128((ulong)random.Next(3) << 60, (ulong)random.NextInt64()),
            "low-only" => new UInt128(0, (ulong)random.NextInt64()),
            "equal" => new UInt128(42, 7),
            "sorted" => new UInt128((ulong)i, (ulong)(count - i)),
            "reversed" => new UInt128((ulong)(count - i), (ulong)i),
            // Only the top digit differs: every other pass is skipped.
            "one-high-bit" => new UInt128((ulong)random.Next(2) << 63, (ulong)random.Next(5)),
            _ => throw new ArgumentOutOfRangeException(nameof(shape)),
        };
        var values = Enumerable.Range(0, count).Select(Next).ToArray();
        var expected = values.Order().ToArray();

        RadixSort.Sort(values, new UInt128[count]);

        Assert.Equal(expected, values);
    }

    [Theory]
    [InlineData(true, 300)]
    [InlineData(true, 100_000)]
    [InlineData(false, 300)]
    [InlineData(false, 100_000)]
    public void SiretsWithTheirLines_ComeOutBySiretThenLine(bool fileOrder, int count)
    {
        var random = new Random(count + (fileOrder ? 1 : 0));
        // Many SIRETs twice or more, some keys negative (the sorter is generic over longs).
        var values = Enumerable.Range(1, count)
            .Select(line => new UniqueValues.SiretAt(random.NextInt64(-50, count / 4 + 1) * 1_000_003, line))
            .ToArray();
        if (!fileOrder)
        {
            random.Shuffle(values);
        }
        var expected = values.Order().ToArray();

        RadixSort.Sort<UniqueValues.SiretAt, UniqueValues.SiretAt>(values, new UniqueValues.SiretAt[count]);

        Assert.Equal(expected, values);
        Assert.Contains(values, v => v.Siret < 0);
    }

    [Fact]
    public void AShortScratch_IsRefused()
    {
        var values = Enumerable.Range(0, 1_000).Select(i => (UInt128)(uint)(1_000 - i)).ToArray();

        Assert.Throws<ArgumentOutOfRangeException>(() => RadixSort.Sort(values, new UInt128[999]));
    }

    [Theory]
    [InlineData(100_000, 4_096)]
    [InlineData(300_000, 65_536)]
    public void ASorterWithTheRadixSort_GivesWhatTheComparisonSortGives_AcrossSpilledRuns(int count, int runLength)
    {
        var random = new Random(count);
        var values = Enumerable.Range(0, count).Select(_ => new UInt128((ulong)random.Next(1_000), (ulong)random.NextInt64(0, count / 3 + 1))).ToList();
        using var compared = ExternalSorter<UInt128>.InBackground(_dir, runLength: runLength);
        using var radix = ExternalSorter<UInt128>.InBackground(_dir, runLength: runLength, sort: RadixSort.Sort);
        foreach (var v in values)
        {
            compared.Add(v);
            radix.Add(v);
        }

        Assert.Equal(count / runLength, radix.SpilledRuns);
        var sorted = radix.Sorted().ToList();
        Assert.Equal(count, sorted.Count);
        Assert.Equal(compared.Sorted(), sorted);
        Assert.Equal(values.Order(), sorted);
    }
}
