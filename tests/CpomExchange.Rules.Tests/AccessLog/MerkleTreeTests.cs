using CpomExchange.Rules.AccessLog;

namespace CpomExchange.Rules.Tests.AccessLog;

public sealed class MerkleTreeTests
{
    // The eight leaves of the Certificate Transparency reference tests (RFC 6962).
    private static readonly byte[][] ReferenceEntries =
    [
        [],
        [0x00],
        [0x10],
        [0x20, 0x21],
        [0x30, 0x31],
        [0x40, 0x41, 0x42, 0x43],
        [0x50, 0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x57],
        Convert.FromHexString("606162636465666768696a6b6c6d6e6f"),
    ];

    private static readonly List<byte[]> ReferenceLeaves = [.. ReferenceEntries.Select(e => MerkleTree.LeafHash(e))];

    // 64 distinct leaves for the exhaustive tests, and the root of every prefix.
    private const int Max = 64;
    private static readonly List<byte[]> Leaves = [.. Enumerable.Range(0, Max).Select(i => MerkleTree.LeafHash(BitConverter.GetBytes(i)))];
    private static readonly byte[][] Roots = [.. Enumerable.Range(0, Max + 1).Select(n => MerkleTree.RootHash(Leaves[..n]))];

    private static readonly byte[] SomeHash = Convert.FromHexString("abacaba000000000000000000000000000000000000000000060061e00123456");

    [Fact]
    public void EmptyTree_HashesAsTheEmptyString() =>
        Assert.Equal("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", Hex(MerkleTree.RootHash([])));

    [Fact]
    public void LeafHash_PrefixesTheEntryWithZero() =>
        Assert.Equal("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d", Hex(MerkleTree.LeafHash([])));

    [Fact]
    public void LeafHash_OfALargeEntry_IsTheSameAsInOneBuffer()
    {
        var entry = new byte[5000];
        new Random(42).NextBytes(entry);
        var expected = System.Security.Cryptography.SHA256.HashData([0x00, .. entry]);
        Assert.Equal(expected, MerkleTree.LeafHash(entry));
    }

    [Fact]
    public void NodeHash_PrefixesTheChildrenWithOne()
    {
        var expected = System.Security.Cryptography.SHA256.HashData([0x01, .. ReferenceLeaves[0], .. ReferenceLeaves[1]]);
        Assert.Equal(expected, MerkleTree.NodeHash(ReferenceLeaves[0], ReferenceLeaves[1]));
        Assert.Equal("fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125", Hex(expected));
    }

    [Fact]
    public void NodeHash_OfAChildOfTheWrongLength_Throws()
    {
        Assert.Throws<ArgumentException>(() => MerkleTree.NodeHash(new byte[31], new byte[32]));
        Assert.Throws<ArgumentException>(() => MerkleTree.NodeHash(new byte[32], new byte[33]));
    }

    [Theory]
    [InlineData(1, "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d")]
    [InlineData(2, "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125")]
    [InlineData(3, "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77")]
    [InlineData(4, "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7")]
    [InlineData(5, "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4")]
    [InlineData(6, "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef")]
    [InlineData(7, "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c")]
    [InlineData(8, "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328")]
    public void RootHash_OfTheReferenceLeaves_IsTheReferenceRoot(int size, string root) =>
        Assert.Equal(root, Hex(MerkleTree.RootHash(ReferenceLeaves[..size])));

    [Fact]
    public void RootHash_WithALeafOfTheWrongLength_Throws()
    {
        List<byte[]> leaves = [.. ReferenceLeaves[..3], new byte[31]];
        Assert.Throws<ArgumentException>(() => MerkleTree.RootHash(leaves));
    }

    [Theory]
    [InlineData(0, 1, new string[0])]
    [InlineData(0, 8, new[] { "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7", "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e", "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4" })]
    [InlineData(5, 8, new[] { "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b", "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0", "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7" })]
    [InlineData(2, 3, new[] { "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125" })]
    [InlineData(1, 5, new[] { "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d", "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e", "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b" })]
    public void InclusionProof_OfTheReferenceLeaves_IsTheReferencePath(int index, int size, string[] path)
    {
        var proof = MerkleTree.InclusionProof(ReferenceLeaves, index, size);
        Assert.Equal(path, proof.Select(Hex));
        Assert.True(MerkleTree.VerifyInclusion(ReferenceLeaves[index], index, size, proof, MerkleTree.RootHash(ReferenceLeaves[..size])));
    }

    [Theory]
    [InlineData(1, 1, new string[0])]
    [InlineData(1, 8, new[] { "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7", "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e", "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4" })]
    [InlineData(6, 8, new[] { "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a", "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0", "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7" })]
    [InlineData(2, 5, new[] { "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e", "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b" })]
    public void ConsistencyProof_OfTheReferenceLeaves_IsTheReferenceProof(int oldSize, int newSize, string[] expected)
    {
        var proof = MerkleTree.ConsistencyProof(ReferenceLeaves, oldSize, newSize);
        Assert.Equal(expected, proof.Select(Hex));
        Assert.True(MerkleTree.VerifyConsistency(oldSize, newSize,
            MerkleTree.RootHash(ReferenceLeaves[..oldSize]), MerkleTree.RootHash(ReferenceLeaves[..newSize]), proof));
    }

    [Fact]
    public void RootHash_ForEverySizeUpTo64_MatchesTheRecursiveDefinition()
    {
        for (var n = 0; n <= Max; n++)
        {
            Assert.Equal(Mth(Leaves[..n]), Roots[n]);
        }
    }

    [Fact]
    public void Inclusion_ForEveryLeafOfEveryTreeUpTo64_Verifies()
    {
        for (var n = 1; n <= Max; n++)
        {
            for (var i = 0; i < n; i++)
            {
                var proof = MerkleTree.InclusionProof(Leaves, i, n);
                Assert.Equal(Path(i, Leaves[..n]).Select(Hex), proof.Select(Hex));
                Assert.True(MerkleTree.VerifyInclusion(Leaves[i], i, n, proof, Roots[n]), $"leaf {i} of {n}");
            }
        }
    }

    [Fact]
    public void Inclusion_WithAFlippedByte_Fails()
    {
        for (var n = 1; n <= Max; n++)
        {
            for (var i = 0; i < n; i++)
            {
                var proof = MerkleTree.InclusionProof(Leaves, i, n);
                for (var j = 0; j < proof.Count; j++)
                {
                    foreach (var position in new[] { 0, 17, 31 })
                    {
                        Assert.False(MerkleTree.VerifyInclusion(Leaves[i], i, n, Flip(proof, j, position), Roots[n]), $"leaf {i} of {n}, hash {j}");
                    }
                }
                Assert.False(MerkleTree.VerifyInclusion(Flip(Leaves[i]), i, n, proof, Roots[n]));
                Assert.False(MerkleTree.VerifyInclusion(Leaves[i], i, n, proof, Flip(Roots[n])));
            }
        }
    }

    [Fact]
    public void Inclusion_AtAnyOtherIndex_Fails()
    {
        for (var n = 1; n <= Max; n++)
        {
            for (var i = 0; i < n; i++)
            {
                var proof = MerkleTree.InclusionProof(Leaves, i, n);
                for (var other = -1; other <= n + 1; other++)
                {
                    if (other != i)
                    {
                        Assert.False(MerkleTree.VerifyInclusion(Leaves[i], other, n, proof, Roots[n]), $"leaf {i} of {n} as {other}");
                    }
                }
                Assert.False(MerkleTree.VerifyInclusion(Leaves[i], long.MinValue, n, proof, Roots[n]));
                Assert.False(MerkleTree.VerifyInclusion(Leaves[i], long.MaxValue, n, proof, Roots[n]));
                if (n > 1)
                {
                    // Another leaf of the same tree, at this leaf's place.
                    Assert.False(MerkleTree.VerifyInclusion(Leaves[(i + 1) % n], i, n, proof, Roots[n]));
                }
            }
        }
    }

    [Fact]
    public void Inclusion_WithAWrongSize_Fails()
    {
        for (var n = 1; n <= Max; n++)
        {
            for (var i = 0; i < n; i++)
            {
                var proof = MerkleTree.InclusionProof(Leaves, i, n);
                // Against the checkpoint (size, root) of every other tree of these leaves.
                for (var other = i + 1; other <= Max; other++)
                {
                    if (other != n)
                    {
                        Assert.False(MerkleTree.VerifyInclusion(Leaves[i], i, other, proof, Roots[other]), $"leaf {i} of {n} in {other}");
                    }
                }
                // Against this tree's root, with a size of another height, or none.
                foreach (var other in new long[] { 2L * n, n / 2, 0, -1, i, long.MaxValue, long.MinValue })
                {
                    Assert.False(MerkleTree.VerifyInclusion(Leaves[i], i, other, proof, Roots[n]), $"leaf {i} of {n} as size {other}");
                }
            }
        }
    }

    [Fact]
    public void Inclusion_WithTooManyOrTooFewHashes_Fails()
    {
        for (var n = 1; n <= Max; n++)
        {
            for (var i = 0; i < n; i++)
            {
                var proof = MerkleTree.InclusionProof(Leaves, i, n);
                Assert.False(MerkleTree.VerifyInclusion(Leaves[i], i, n, [.. proof, Roots[n]], Roots[n]));
                Assert.False(MerkleTree.VerifyInclusion(Leaves[i], i, n, [.. proof, SomeHash], Roots[n]));
                Assert.False(MerkleTree.VerifyInclusion(Leaves[i], i, n, [Roots[n], .. proof], Roots[n]));
                if (proof.Count > 0)
                {
                    Assert.False(MerkleTree.VerifyInclusion(Leaves[i], i, n, [.. proof.Take(proof.Count - 1)], Roots[n]));
                    Assert.False(MerkleTree.VerifyInclusion(Leaves[i], i, n, [.. proof.Skip(1)], Roots[n]));
                }
                if (proof.Count > 1)
                {
                    Assert.False(MerkleTree.VerifyInclusion(Leaves[i], i, n, [proof[0], SomeHash, .. proof.Skip(1)], Roots[n]));
                }
            }
        }
    }

    [Fact]
    public void Inclusion_WithMalformedArguments_FailsWithoutThrowing()
    {
        var proof = MerkleTree.InclusionProof(Leaves, 5, 13);
        var root = Roots[13];
        var leaf = Leaves[5];
        Assert.True(MerkleTree.VerifyInclusion(leaf, 5, 13, proof, root));

        Assert.False(MerkleTree.VerifyInclusion(null!, 5, 13, proof, root));
        Assert.False(MerkleTree.VerifyInclusion(leaf, 5, 13, null!, root));
        Assert.False(MerkleTree.VerifyInclusion(leaf, 5, 13, proof, null!));
        Assert.False(MerkleTree.VerifyInclusion(leaf[..31], 5, 13, proof, root));
        Assert.False(MerkleTree.VerifyInclusion([.. leaf, 0], 5, 13, proof, root));
        Assert.False(MerkleTree.VerifyInclusion(leaf, 5, 13, proof, root[..31]));
        Assert.False(MerkleTree.VerifyInclusion(leaf, 5, 13, proof, []));
        Assert.False(MerkleTree.VerifyInclusion(leaf, 5, 13, [], root));
        Assert.False(MerkleTree.VerifyInclusion(leaf, 5, 13, [proof[0][..31], .. proof.Skip(1)], root));
        Assert.False(MerkleTree.VerifyInclusion(leaf, 5, 13, [[.. proof[0], 0], .. proof.Skip(1)], root));
        Assert.False(MerkleTree.VerifyInclusion(leaf, 5, 13, [null!, .. proof.Skip(1)], root));
        Assert.False(MerkleTree.VerifyInclusion(leaf, 5, 13, [.. proof, []], root));
        Assert.False(MerkleTree.VerifyInclusion(leaf, 5, 13, [.. Enumerable.Repeat(SomeHash, 1000)], root));

        // The single-leaf tree: the leaf is the root and the proof is empty.
        Assert.True(MerkleTree.VerifyInclusion(leaf, 0, 1, [], leaf));
        Assert.False(MerkleTree.VerifyInclusion(leaf, 0, 1, [], []));
        Assert.False(MerkleTree.VerifyInclusion([], 0, 1, [], []));
        Assert.False(MerkleTree.VerifyInclusion(leaf, 0, 0, [], MerkleTree.EmptyRoot()));
        Assert.False(MerkleTree.VerifyInclusion(leaf, 1, 1, [], leaf));
    }

    [Fact]
    public void InclusionProof_OutOfRange_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => MerkleTree.InclusionProof(Leaves, 0, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => MerkleTree.InclusionProof(Leaves, 3, 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => MerkleTree.InclusionProof(Leaves, -1, 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => MerkleTree.InclusionProof(Leaves, 0, Max + 1));
    }

    [Fact]
    public void Consistency_ForEveryPairOfSizesUpTo64_Verifies()
    {
        for (var m = 0; m <= Max; m++)
        {
            for (var n = m; n <= Max; n++)
            {
                var proof = MerkleTree.ConsistencyProof(Leaves, m, n);
                var expected = m == 0 ? [] : SubProof(m, Leaves[..n], true);
                Assert.Equal(expected.Select(Hex), proof.Select(Hex));
                Assert.True(MerkleTree.VerifyConsistency(m, n, Roots[m], Roots[n], proof), $"{m} to {n}");
            }
        }
    }

    [Fact]
    public void Consistency_WithAFlippedByte_Fails()
    {
        for (var m = 1; m <= Max; m++)
        {
            for (var n = m + 1; n <= Max; n++)
            {
                var proof = MerkleTree.ConsistencyProof(Leaves, m, n);
                for (var j = 0; j < proof.Count; j++)
                {
                    foreach (var position in new[] { 0, 17, 31 })
                    {
                        Assert.False(MerkleTree.VerifyConsistency(m, n, Roots[m], Roots[n], Flip(proof, j, position)), $"{m} to {n}, hash {j}");
                    }
                }
                Assert.False(MerkleTree.VerifyConsistency(m, n, Flip(Roots[m]), Roots[n], proof));
                Assert.False(MerkleTree.VerifyConsistency(m, n, Roots[m], Flip(Roots[n]), proof));
            }
        }
    }

    [Fact]
    public void Consistency_WithSwappedRootsOrSizes_Fails()
    {
        for (var m = 1; m <= Max; m++)
        {
            for (var n = m + 1; n <= Max; n++)
            {
                var proof = MerkleTree.ConsistencyProof(Leaves, m, n);
                Assert.False(MerkleTree.VerifyConsistency(m, n, Roots[n], Roots[m], proof), $"{m} to {n}, roots swapped");
                Assert.False(MerkleTree.VerifyConsistency(n, m, Roots[m], Roots[n], proof), $"{m} to {n}, sizes swapped");
                Assert.False(MerkleTree.VerifyConsistency(n, m, Roots[n], Roots[m], proof), $"{m} to {n}, both swapped");
                Assert.False(MerkleTree.VerifyConsistency(m, n, Roots[m], Roots[m], proof), $"{m} to {n}, old root twice");
                Assert.False(MerkleTree.VerifyConsistency(m, n, Roots[n], Roots[n], proof), $"{m} to {n}, new root twice");
            }
        }
    }

    [Fact]
    public void Consistency_WithWrongSizes_Fails()
    {
        for (var m = 1; m <= Max; m++)
        {
            for (var n = m + 1; n <= Max; n++)
            {
                var proof = MerkleTree.ConsistencyProof(Leaves, m, n);
                // Against the checkpoints (size, root) of every other pair of trees of these leaves.
                for (var other = 1; other <= n; other++)
                {
                    if (other != m)
                    {
                        Assert.False(MerkleTree.VerifyConsistency(other, n, Roots[other], Roots[n], proof), $"{m} to {n} as {other} to {n}");
                    }
                }
                for (var other = m; other <= Max; other++)
                {
                    if (other != n)
                    {
                        Assert.False(MerkleTree.VerifyConsistency(m, other, Roots[m], Roots[other], proof), $"{m} to {n} as {m} to {other}");
                    }
                }
                // Against these roots, with sizes that change the shape of the trees (the probes of
                // the Certificate Transparency reference tests). Any size gives no guarantee: a size
                // is only meaningful with the root it was signed with.
                foreach (var other in new[] { m - 1, m + 1, m ^ 2 })
                {
                    if (other != m && other <= n)
                    {
                        Assert.False(MerkleTree.VerifyConsistency(other, n, Roots[m], Roots[n], proof), $"{m} to {n} as {other} to {n}, old root");
                    }
                }
                foreach (var other in new[] { n * 2, n / 2 })
                {
                    Assert.False(MerkleTree.VerifyConsistency(m, other, Roots[m], Roots[n], proof), $"{m} to {n} as {m} to {other}, new root");
                }
                foreach (var (oldSize, newSize) in new[] { (-1L, n), (m, -1L), (long.MinValue, n), (m, long.MaxValue), (long.MaxValue, long.MaxValue) })
                {
                    Assert.False(MerkleTree.VerifyConsistency(oldSize, newSize, Roots[m], Roots[n], proof));
                }
            }
        }
    }

    [Fact]
    public void Consistency_WithTooManyOrTooFewHashes_Fails()
    {
        for (var m = 1; m <= Max; m++)
        {
            for (var n = m + 1; n <= Max; n++)
            {
                var proof = MerkleTree.ConsistencyProof(Leaves, m, n);
                Assert.False(MerkleTree.VerifyConsistency(m, n, Roots[m], Roots[n], []), $"{m} to {n}, empty");
                Assert.False(MerkleTree.VerifyConsistency(m, n, Roots[m], Roots[n], [.. proof.Take(proof.Count - 1)]), $"{m} to {n}, truncated");
                Assert.False(MerkleTree.VerifyConsistency(m, n, Roots[m], Roots[n], [.. proof.Skip(1)]), $"{m} to {n}, first dropped");
                Assert.False(MerkleTree.VerifyConsistency(m, n, Roots[m], Roots[n], [.. proof, Roots[m]]), $"{m} to {n}, trailing old root");
                Assert.False(MerkleTree.VerifyConsistency(m, n, Roots[m], Roots[n], [.. proof, Roots[n]]), $"{m} to {n}, trailing new root");
                Assert.False(MerkleTree.VerifyConsistency(m, n, Roots[m], Roots[n], [Roots[m], .. proof]), $"{m} to {n}, preceding old root");
                Assert.False(MerkleTree.VerifyConsistency(m, n, Roots[m], Roots[n], [Roots[n], .. proof]), $"{m} to {n}, preceding new root");
                Assert.False(MerkleTree.VerifyConsistency(m, n, Roots[m], Roots[n], [proof[0], .. proof]), $"{m} to {n}, first twice");
            }
        }
    }

    [Fact]
    public void Consistency_WithMalformedArguments_FailsWithoutThrowing()
    {
        var proof = MerkleTree.ConsistencyProof(Leaves, 6, 13);
        Assert.True(MerkleTree.VerifyConsistency(6, 13, Roots[6], Roots[13], proof));

        Assert.False(MerkleTree.VerifyConsistency(6, 13, Roots[6], Roots[13], null!));
        Assert.False(MerkleTree.VerifyConsistency(6, 13, null!, Roots[13], proof));
        Assert.False(MerkleTree.VerifyConsistency(6, 13, Roots[6], null!, proof));
        Assert.False(MerkleTree.VerifyConsistency(6, 13, Roots[6][..31], Roots[13], proof));
        Assert.False(MerkleTree.VerifyConsistency(6, 13, Roots[6], [.. Roots[13], 0], proof));
        Assert.False(MerkleTree.VerifyConsistency(6, 13, Roots[6], Roots[13], [proof[0][..31], .. proof.Skip(1)]));
        Assert.False(MerkleTree.VerifyConsistency(6, 13, Roots[6], Roots[13], [.. proof.SkipLast(1), [.. proof[^1], 0]]));
        Assert.False(MerkleTree.VerifyConsistency(6, 13, Roots[6], Roots[13], [null!, .. proof.Skip(1)]));
        Assert.False(MerkleTree.VerifyConsistency(6, 13, Roots[6], Roots[13], [.. proof, []]));
        Assert.False(MerkleTree.VerifyConsistency(6, 13, Roots[6], Roots[13], [.. Enumerable.Repeat(SomeHash, 1000)]));

        // Equal sizes: no proof, equal roots.
        Assert.True(MerkleTree.VerifyConsistency(13, 13, Roots[13], Roots[13], []));
        Assert.False(MerkleTree.VerifyConsistency(13, 13, Roots[13], Roots[12], []));
        Assert.False(MerkleTree.VerifyConsistency(13, 13, Roots[13], Roots[13], [SomeHash]));
        // The empty tree is a prefix of every tree, with no proof.
        Assert.True(MerkleTree.VerifyConsistency(0, 13, MerkleTree.EmptyRoot(), Roots[13], []));
        Assert.True(MerkleTree.VerifyConsistency(0, 0, MerkleTree.EmptyRoot(), MerkleTree.EmptyRoot(), []));
        Assert.False(MerkleTree.VerifyConsistency(0, 13, SomeHash, Roots[13], []));
        Assert.False(MerkleTree.VerifyConsistency(0, 13, MerkleTree.EmptyRoot(), Roots[13], [SomeHash]));
    }

    [Fact]
    public void ConsistencyProof_OutOfRange_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => MerkleTree.ConsistencyProof(Leaves, 5, 4));
        Assert.Throws<ArgumentOutOfRangeException>(() => MerkleTree.ConsistencyProof(Leaves, -1, 4));
        Assert.Throws<ArgumentOutOfRangeException>(() => MerkleTree.ConsistencyProof(Leaves, 1, Max + 1));
    }

    [Fact]
    public void Proofs_OnALargeTree_Verify()
    {
        const int size = 100_003;
        var leaves = Enumerable.Range(0, size).Select(i => MerkleTree.LeafHash(BitConverter.GetBytes(i))).ToList();
        var root = MerkleTree.RootHash(leaves);
        foreach (var index in new[] { 0, 1, 65_535, 65_536, 99_999, size - 1 })
        {
            Assert.True(MerkleTree.VerifyInclusion(leaves[index], index, size, MerkleTree.InclusionProof(leaves, index, size), root));
        }
        foreach (var oldSize in new[] { 1, 3, 65_536, 77_777, size - 1 })
        {
            var oldRoot = MerkleTree.RootHash(leaves[..oldSize]);
            Assert.True(MerkleTree.VerifyConsistency(oldSize, size, oldRoot, root, MerkleTree.ConsistencyProof(leaves, oldSize, size)));
        }
    }

    private static string Hex(byte[] hash) => Convert.ToHexStringLower(hash);

    private static byte[] Flip(byte[] hash, int position = 0)
    {
        var copy = (byte[])hash.Clone();
        copy[position] ^= 0x08;
        return copy;
    }

    private static List<byte[]> Flip(IReadOnlyList<byte[]> proof, int index, int position) =>
        [.. proof.Select((h, j) => j == index ? Flip(h, position) : h)];

    // RFC 6962 §2.1 as written, recursively, to check the unrolled implementation against.
    private static int K(int n)
    {
        var k = 1;
        while (k * 2 < n)
        {
            k *= 2;
        }
        return k;
    }

    private static byte[] Mth(List<byte[]> d) => d.Count switch
    {
        0 => System.Security.Cryptography.SHA256.HashData(ReadOnlySpan<byte>.Empty),
        1 => d[0],
        _ => System.Security.Cryptography.SHA256.HashData([0x01, .. Mth(d[..K(d.Count)]), .. Mth(d[K(d.Count)..])]),
    };

    private static List<byte[]> Path(int m, List<byte[]> d)
    {
        if (d.Count == 1)
        {
            return [];
        }
        var k = K(d.Count);
        return m < k ? [.. Path(m, d[..k]), Mth(d[k..])] : [.. Path(m - k, d[k..]), Mth(d[..k])];
    }

    private static List<byte[]> SubProof(int m, List<byte[]> d, bool b)
    {
        if (m == d.Count)
        {
            return b ? [] : [Mth(d)];
        }
        var k = K(d.Count);
        return m <= k ? [.. SubProof(m, d[..k], b), Mth(d[k..])] : [.. SubProof(m - k, d[k..], false), Mth(d[..k])];
    }
}
