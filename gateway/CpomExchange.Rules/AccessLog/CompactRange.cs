using System.Numerics;

namespace CpomExchange.Rules.AccessLog;

/// <summary>
/// The right edge (or frontier) of a Merkle tree: for a tree of <see cref="Size"/> leaves, the
/// hashes of the complete subtrees that make it, one per set bit of the size, largest (leftmost)
/// first. It is all that is needed to append a leaf in O(log n) and to compute the tree's hash
/// (<see cref="MerkleTree.RootHash"/> of every leaf appended) in O(log n), without the leaves.
/// </summary>
/// <remarks>
/// Mutable and not thread-safe: <see cref="Append"/> changes the instance. One writer appends and
/// stores <see cref="Serialize"/> beside <see cref="Size"/> (in the same database row as the last
/// entry, so that both move together); another process resumes with <see cref="Deserialize"/>.
/// </remarks>
public sealed class CompactRange
{
    // Complete subtree hashes, leftmost (largest) first: _nodes[i] covers 2^h leaves, where h is
    // the i-th highest set bit of Size.
    private readonly List<byte[]> _nodes;

    /// <summary>An empty range: the tree of no leaves.</summary>
    public CompactRange()
    {
        _nodes = [];
    }

    private CompactRange(long size, List<byte[]> nodes)
    {
        Size = size;
        _nodes = nodes;
    }

    /// <summary>The number of leaves appended so far.</summary>
    public long Size { get; private set; }

    /// <summary>Appends a leaf: O(log n) hashes, as many as trailing set bits of <see cref="Size"/>.</summary>
    /// <param name="leafHash">The leaf's hash (<see cref="MerkleTree.LeafHash"/>); it is copied.</param>
    /// <exception cref="ArgumentException">The hash is not <see cref="MerkleTree.HashSize"/> bytes long.</exception>
    public void Append(byte[] leafHash)
    {
        ArgumentNullException.ThrowIfNull(leafHash);
        Append(leafHash.AsSpan());
    }

    /// <summary>Appends a leaf given as a span (copied), as <see cref="Append(byte[])"/>.</summary>
    /// <exception cref="ArgumentException">The hash is not <see cref="MerkleTree.HashSize"/> bytes long.</exception>
    public void Append(ReadOnlySpan<byte> leafHash)
    {
        if (leafHash.Length != MerkleTree.HashSize)
        {
            throw new ArgumentException($"A leaf hash must be {MerkleTree.HashSize} bytes long.", nameof(leafHash));
        }
        if (Size == long.MaxValue)
        {
            throw new InvalidOperationException("The tree is full.");
        }
        // Each trailing set bit of the size is a complete subtree of the same height as the one
        // being carried: merge them, like a binary increment.
        var carry = leafHash.ToArray();
        for (var size = Size; (size & 1) == 1; size >>= 1)
        {
            var last = _nodes.Count - 1;
            MerkleTree.NodeHash(_nodes[last], carry, carry);
            _nodes.RemoveAt(last);
        }
        _nodes.Add(carry);
        Size++;
    }

    /// <summary>
    /// The hash of the tree of every leaf appended, equal to <see cref="MerkleTree.RootHash"/> of
    /// them: for n not a power of two, RFC 6962 splits at the largest power of two below n, which
    /// is the leftmost subtree of the range; the rest is, recursively, the range's other subtrees.
    /// </summary>
    /// <returns>A new array; the empty tree's hash when <see cref="Size"/> is 0.</returns>
    public byte[] Root()
    {
        if (_nodes.Count == 0)
        {
            return MerkleTree.EmptyRoot();
        }
        var root = (byte[])_nodes[^1].Clone();
        for (var i = _nodes.Count - 2; i >= 0; i--)
        {
            MerkleTree.NodeHash(_nodes[i], root, root);
        }
        return root;
    }

    /// <summary>
    /// The subtree hashes, concatenated, leftmost first: <see cref="MerkleTree.HashSize"/> bytes
    /// per set bit of <see cref="Size"/> (none for an empty tree). The size is not included: store
    /// it beside, and give both to <see cref="Deserialize"/>.
    /// </summary>
    public byte[] Serialize()
    {
        var data = new byte[_nodes.Count * MerkleTree.HashSize];
        for (var i = 0; i < _nodes.Count; i++)
        {
            _nodes[i].CopyTo(data, i * MerkleTree.HashSize);
        }
        return data;
    }

    /// <summary>Resumes a range saved with <see cref="Serialize"/>.</summary>
    /// <param name="size">The <see cref="Size"/> saved with it.</param>
    /// <param name="data">What <see cref="Serialize"/> returned.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="size"/> is negative.</exception>
    /// <exception cref="FormatException">The data is not as long as the size requires.</exception>
    public static CompactRange Deserialize(long size, ReadOnlySpan<byte> data)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(size);
        var count = BitOperations.PopCount((ulong)size);
        if (data.Length != count * MerkleTree.HashSize)
        {
            throw new FormatException(
                $"A compact range of size {size} is {count * MerkleTree.HashSize} bytes long, not {data.Length}.");
        }
        var nodes = new List<byte[]>(count);
        for (var i = 0; i < count; i++)
        {
            nodes.Add(data.Slice(i * MerkleTree.HashSize, MerkleTree.HashSize).ToArray());
        }
        return new CompactRange(size, nodes);
    }
}
