using CpomExchange.Rules.AccessLog;

namespace CpomExchange.Rules.Tests.AccessLog;

public sealed class CompactRangeTests
{
    private const int Max = 300;
    private static readonly List<byte[]> Leaves = [.. Enumerable.Range(0, Max).Select(i => MerkleTree.LeafHash(BitConverter.GetBytes(i)))];

    [Fact]
    public void Root_OfAnEmptyRange_IsTheEmptyTreeHash()
    {
        var range = new CompactRange();
        Assert.Equal(0, range.Size);
        Assert.Equal(MerkleTree.EmptyRoot(), range.Root());
        Assert.Empty(range.Serialize());
    }

    [Fact]
    public void Root_ForEverySizeUpTo300_EqualsRootHash()
    {
        var range = new CompactRange();
        for (var n = 0; n <= Max; n++)
        {
            Assert.Equal(n, range.Size);
            Assert.Equal(MerkleTree.RootHash(Leaves[..n]), range.Root());
            if (n < Max)
            {
                range.Append(Leaves[n]);
            }
        }
    }

    [Fact]
    public void Serialize_HoldsOneHashPerSetBitOfTheSize()
    {
        var range = new CompactRange();
        for (var n = 0; n <= Max; n++)
        {
            Assert.Equal(System.Numerics.BitOperations.PopCount((uint)n) * MerkleTree.HashSize, range.Serialize().Length);
            if (n < Max)
            {
                range.Append(Leaves[n]);
            }
        }
    }

    [Fact]
    public void Deserialize_AtEverySizeUpTo300_ResumesTheSameTree()
    {
        var range = new CompactRange();
        for (var n = 0; n <= Max; n++)
        {
            var resumed = CompactRange.Deserialize(range.Size, range.Serialize());
            Assert.Equal(n, resumed.Size);
            Assert.Equal(range.Root(), resumed.Root());
            Assert.Equal(range.Serialize(), resumed.Serialize());

            // Appending to the resumed range continues the same tree.
            var more = Math.Min(Max, n + 17);
            for (var i = n; i < more; i++)
            {
                resumed.Append(Leaves[i]);
            }
            Assert.Equal(MerkleTree.RootHash(Leaves[..more]), resumed.Root());

            if (n < Max)
            {
                range.Append(Leaves[n]);
            }
        }
    }

    [Fact]
    public void Deserialize_AtALargeSize_AppendsFromThere()
    {
        // A range whose size has many bits, resumed and extended by one leaf.
        var size = (1L << 40) + (1L << 33) + 5;
        var data = new byte[System.Numerics.BitOperations.PopCount((ulong)size) * MerkleTree.HashSize];
        new Random(7).NextBytes(data);
        var range = CompactRange.Deserialize(size, data);
        Assert.Equal(data, range.Serialize());
        range.Append(Leaves[0]);
        Assert.Equal(size + 1, range.Size);
        Assert.Equal(System.Numerics.BitOperations.PopCount((ulong)size + 1) * MerkleTree.HashSize, range.Serialize().Length);
    }

    [Theory]
    [InlineData(0, 32)]
    [InlineData(1, 0)]
    [InlineData(1, 31)]
    [InlineData(1, 64)]
    [InlineData(3, 32)]
    [InlineData(7, 95)]
    public void Deserialize_WithDataOfTheWrongLength_Throws(long size, int length) =>
        Assert.Throws<FormatException>(() => CompactRange.Deserialize(size, new byte[length]));

    [Fact]
    public void Deserialize_WithANegativeSize_Throws() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => CompactRange.Deserialize(-1, []));

    [Fact]
    public void Append_OfAHashOfTheWrongLength_Throws()
    {
        var range = new CompactRange();
        Assert.Throws<ArgumentException>(() => range.Append(new byte[31]));
        Assert.Throws<ArgumentNullException>(() => range.Append(null!));
        Assert.Equal(0, range.Size);
    }

    [Fact]
    public void Append_CopiesTheHash()
    {
        var range = new CompactRange();
        var leaf = (byte[])Leaves[0].Clone();
        range.Append(leaf);
        leaf[0] ^= 1;
        Assert.Equal(Leaves[0], range.Root());
        range.Root()[0] ^= 1;
        Assert.Equal(Leaves[0], range.Root());
    }

    [Fact]
    public void HundredThousandAppends_GiveTheSameRootAsRootHash()
    {
        const int count = 100_000;
        var leaves = Enumerable.Range(0, count).Select(i => MerkleTree.LeafHash(BitConverter.GetBytes(i))).ToList();
        var range = new CompactRange();
        foreach (var leaf in leaves)
        {
            range.Append(leaf);
        }
        // Its speed is measured in bench/ (the access log's appends), not limited by a wall clock here.
        Assert.Equal(MerkleTree.RootHash(leaves), range.Root());
    }
}
