using System.Numerics;
using System.Security.Cryptography;

namespace CpomExchange.Rules.AccessLog;

/// <summary>
/// The Merkle tree of RFC 6962 §2.1 over SHA-256, on which the access log's tamper evidence rests:
/// the hash of a tree of leaves (MTH), audit paths that prove a leaf is in a tree, and consistency
/// proofs that a tree is an append-only extension of an earlier one.
/// </summary>
/// <remarks>
/// Leaves and interior nodes are hashed with distinct prefixes (0x00 and 0x01), so that no leaf can
/// pass for a node (RFC 6962 §2.1, second-preimage resistance). Proofs are built as RFC 6962 §2.1.1
/// (PATH) and §2.1.2 (PROOF, SUBPROOF) define them, each hash of the proof ordered from the leaf up,
/// and checked with the verification algorithms of RFC 9162 §2.1.3.2 and §2.1.4.2, which need only
/// the sizes, the roots and the proof. Building a proof hashes every leaf of the tree at most once
/// (the subtrees it names are disjoint), so it is O(n) in time and O(log n) in memory.
/// </remarks>
public static class MerkleTree
{
    /// <summary>The size in bytes of every hash of the tree (SHA-256).</summary>
    public const int HashSize = SHA256.HashSizeInBytes;

    private const byte LeafPrefix = 0x00;
    private const byte NodePrefix = 0x01;

    // Entries up to this size are prefixed on the stack and hashed in one call.
    private const int StackEntryLimit = 1024;

    private static readonly byte[] EmptyRootHash = SHA256.HashData(ReadOnlySpan<byte>.Empty);

    /// <summary>The hash of the empty tree: SHA-256 of the empty string (RFC 6962 §2.1).</summary>
    /// <returns>A new array on every call.</returns>
    public static byte[] EmptyRoot() => (byte[])EmptyRootHash.Clone();

    /// <summary>The hash of a leaf: SHA-256(0x00 ‖ <paramref name="entry"/>) (RFC 6962 §2.1).</summary>
    /// <param name="entry">The log entry, as the bytes that are logged.</param>
    public static byte[] LeafHash(ReadOnlySpan<byte> entry)
    {
        if (entry.Length > StackEntryLimit)
        {
            using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            sha.AppendData([LeafPrefix]);
            sha.AppendData(entry);
            return sha.GetHashAndReset();
        }
        Span<byte> buffer = stackalloc byte[1 + entry.Length];
        buffer[0] = LeafPrefix;
        entry.CopyTo(buffer[1..]);
        return SHA256.HashData(buffer);
    }

    /// <summary>The hash of an interior node: SHA-256(0x01 ‖ <paramref name="left"/> ‖ <paramref name="right"/>) (RFC 6962 §2.1).</summary>
    /// <param name="left">The hash of the left child, <see cref="HashSize"/> bytes.</param>
    /// <param name="right">The hash of the right child, <see cref="HashSize"/> bytes.</param>
    /// <exception cref="ArgumentException">A child is not <see cref="HashSize"/> bytes long.</exception>
    public static byte[] NodeHash(ReadOnlySpan<byte> left, ReadOnlySpan<byte> right)
    {
        if (left.Length != HashSize)
        {
            throw new ArgumentException($"A child hash must be {HashSize} bytes long.", nameof(left));
        }
        if (right.Length != HashSize)
        {
            throw new ArgumentException($"A child hash must be {HashSize} bytes long.", nameof(right));
        }
        var hash = new byte[HashSize];
        NodeHash(left, right, hash);
        return hash;
    }

    /// <summary>
    /// The Merkle tree hash (MTH) of the leaves whose hashes are given, in order; the hash of the
    /// empty tree when there are none (RFC 6962 §2.1).
    /// </summary>
    /// <param name="leafHashes">The leaf hashes (<see cref="LeafHash"/>), <see cref="HashSize"/> bytes each.</param>
    /// <exception cref="ArgumentException">A leaf hash is missing or not <see cref="HashSize"/> bytes long.</exception>
    public static byte[] RootHash(IReadOnlyList<byte[]> leafHashes)
    {
        ArgumentNullException.ThrowIfNull(leafHashes);
        return SubtreeHash(leafHashes, 0, leafHashes.Count);
    }

    /// <summary>
    /// The audit path of the leaf at <paramref name="index"/> in the tree made of the first
    /// <paramref name="treeSize"/> leaves: PATH(m, D[n]) of RFC 6962 §2.1.1, from the leaf's
    /// sibling up to the child of the root.
    /// </summary>
    /// <param name="leafHashes">The leaf hashes of the log, at least <paramref name="treeSize"/> of them.</param>
    /// <param name="index">The zero-based index of the leaf, below <paramref name="treeSize"/>.</param>
    /// <param name="treeSize">The size of the tree the proof is for, at least 1.</param>
    /// <exception cref="ArgumentOutOfRangeException">The index or the size is out of range.</exception>
    /// <exception cref="ArgumentException">A leaf hash is missing or not <see cref="HashSize"/> bytes long.</exception>
    public static IReadOnlyList<byte[]> InclusionProof(IReadOnlyList<byte[]> leafHashes, long index, long treeSize)
    {
        ArgumentNullException.ThrowIfNull(leafHashes);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(treeSize);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(treeSize, leafHashes.Count);
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, treeSize);

        // PATH recurses from the root down and appends each sibling after the deeper part of the
        // path: walk down, collect the siblings, and reverse them.
        var path = new List<byte[]>();
        int start = 0, count = (int)treeSize, m = (int)index;
        while (count > 1)
        {
            var k = SplitPoint(count);
            if (m < k)
            {
                path.Add(SubtreeHash(leafHashes, start + k, count - k));
                count = k;
            }
            else
            {
                path.Add(SubtreeHash(leafHashes, start, k));
                start += k;
                m -= k;
                count -= k;
            }
        }
        path.Reverse();
        return path;
    }

    /// <summary>
    /// Whether <paramref name="proof"/> proves that the leaf <paramref name="leafHash"/> is at
    /// <paramref name="index"/> in the tree of <paramref name="treeSize"/> leaves whose hash is
    /// <paramref name="root"/> (RFC 9162 §2.1.3.2).
    /// </summary>
    /// <remarks>
    /// Never throws: a missing or malformed argument (a hash of the wrong length, an index out of
    /// range, too many or too few hashes in the proof) makes the proof fail. The size and the root
    /// must come together from the same checkpoint: the proof binds a leaf to that pair.
    /// </remarks>
    /// <param name="leafHash">The hash of the leaf (<see cref="LeafHash"/>).</param>
    /// <param name="index">The zero-based index of the leaf.</param>
    /// <param name="treeSize">The size of the tree.</param>
    /// <param name="proof">The audit path, as <see cref="InclusionProof"/> builds it.</param>
    /// <param name="root">The hash of the tree.</param>
    public static bool VerifyInclusion(byte[] leafHash, long index, long treeSize, IReadOnlyList<byte[]> proof, byte[] root)
    {
        if (!IsHash(leafHash) || !IsHash(root) || proof is null || index < 0 || index >= treeSize)
        {
            return false;
        }
        var fn = (ulong)index;
        var sn = (ulong)(treeSize - 1);
        Span<byte> r = stackalloc byte[HashSize];
        leafHash.CopyTo(r);
        for (var i = 0; i < proof.Count; i++)
        {
            var p = proof[i];
            if (!IsHash(p) || sn == 0)
            {
                return false;
            }
            if ((fn & 1) == 1 || fn == sn)
            {
                NodeHash(p, r, r);
                while ((fn & 1) == 0 && fn != 0)
                {
                    fn >>= 1;
                    sn >>= 1;
                }
            }
            else
            {
                NodeHash(r, p, r);
            }
            fn >>= 1;
            sn >>= 1;
        }
        return sn == 0 && CryptographicOperations.FixedTimeEquals(r, root);
    }

    /// <summary>
    /// The proof that the tree of the first <paramref name="oldSize"/> leaves is a prefix of the
    /// tree of the first <paramref name="newSize"/> leaves: PROOF(m, D[n]) of RFC 6962 §2.1.2.
    /// Empty when the sizes are equal or the old tree is empty, which need no proof.
    /// </summary>
    /// <param name="leafHashes">The leaf hashes of the log, at least <paramref name="newSize"/> of them.</param>
    /// <param name="oldSize">The size of the earlier tree, from 0 to <paramref name="newSize"/>.</param>
    /// <param name="newSize">The size of the later tree.</param>
    /// <exception cref="ArgumentOutOfRangeException">A size is out of range.</exception>
    /// <exception cref="ArgumentException">A leaf hash is missing or not <see cref="HashSize"/> bytes long.</exception>
    public static IReadOnlyList<byte[]> ConsistencyProof(IReadOnlyList<byte[]> leafHashes, long oldSize, long newSize)
    {
        ArgumentNullException.ThrowIfNull(leafHashes);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(newSize, leafHashes.Count);
        ArgumentOutOfRangeException.ThrowIfNegative(oldSize);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(oldSize, newSize);

        var proof = new List<byte[]>();
        if (oldSize == 0 || oldSize == newSize)
        {
            return proof;
        }

        // SUBPROOF(m, D[start:start+count], b), unrolled: each step appends, after the deeper part
        // of the proof, the hash of the subtree it leaves aside; collect and reverse.
        int start = 0, count = (int)newSize, m = (int)oldSize;
        var completeSubtree = true; // the "b" of RFC 6962: is D[start:start+m] a subtree of the old tree whose hash the verifier already knows?
        while (m != count)
        {
            var k = SplitPoint(count);
            if (m <= k)
            {
                proof.Add(SubtreeHash(leafHashes, start + k, count - k));
                count = k;
            }
            else
            {
                proof.Add(SubtreeHash(leafHashes, start, k));
                start += k;
                m -= k;
                count -= k;
                completeSubtree = false;
            }
        }
        if (!completeSubtree)
        {
            proof.Add(SubtreeHash(leafHashes, start, count));
        }
        proof.Reverse();
        return proof;
    }

    /// <summary>
    /// Whether <paramref name="proof"/> proves that the tree of <paramref name="oldSize"/> leaves
    /// whose hash is <paramref name="oldRoot"/> is a prefix of the tree of <paramref name="newSize"/>
    /// leaves whose hash is <paramref name="newRoot"/> (RFC 9162 §2.1.4.2).
    /// </summary>
    /// <remarks>
    /// Never throws: a missing or malformed argument (a hash of the wrong length, sizes out of
    /// order, too many or too few hashes in the proof) makes the proof fail. Equal sizes need an
    /// empty proof and equal roots; an empty old tree needs an empty proof and
    /// <paramref name="oldRoot"/> equal to <see cref="EmptyRoot"/>.
    /// </remarks>
    /// <param name="oldSize">The size of the earlier tree.</param>
    /// <param name="newSize">The size of the later tree.</param>
    /// <param name="oldRoot">The hash of the earlier tree.</param>
    /// <param name="newRoot">The hash of the later tree.</param>
    /// <param name="proof">The consistency proof, as <see cref="ConsistencyProof"/> builds it.</param>
    public static bool VerifyConsistency(long oldSize, long newSize, byte[] oldRoot, byte[] newRoot, IReadOnlyList<byte[]> proof)
    {
        if (proof is null || !IsHash(oldRoot) || !IsHash(newRoot) || oldSize < 0 || oldSize > newSize)
        {
            return false;
        }
        if (oldSize == newSize)
        {
            return proof.Count == 0 && CryptographicOperations.FixedTimeEquals(oldRoot, newRoot);
        }
        if (oldSize == 0)
        {
            return proof.Count == 0 && CryptographicOperations.FixedTimeEquals(oldRoot, EmptyRootHash);
        }
        if (proof.Count == 0)
        {
            return false;
        }

        // RFC 9162 §2.1.4.2 step 2: when the old tree is a complete subtree, its hash is the
        // first hash of the path and PROOF left it out.
        var prepended = BitOperations.IsPow2(oldSize);
        var pathLength = proof.Count + (prepended ? 1 : 0);
        byte[] PathAt(int i) => prepended ? (i == 0 ? oldRoot : proof[i - 1]) : proof[i];

        var fn = (ulong)(oldSize - 1);
        var sn = (ulong)(newSize - 1);
        while ((fn & 1) == 1)
        {
            fn >>= 1;
            sn >>= 1;
        }
        var first = PathAt(0);
        if (!IsHash(first))
        {
            return false;
        }
        Span<byte> fr = stackalloc byte[HashSize];
        Span<byte> sr = stackalloc byte[HashSize];
        first.CopyTo(fr);
        first.CopyTo(sr);
        for (var i = 1; i < pathLength; i++)
        {
            var c = PathAt(i);
            if (!IsHash(c) || sn == 0)
            {
                return false;
            }
            if ((fn & 1) == 1 || fn == sn)
            {
                NodeHash(c, fr, fr);
                NodeHash(c, sr, sr);
                while ((fn & 1) == 0 && fn != 0)
                {
                    fn >>= 1;
                    sn >>= 1;
                }
            }
            else
            {
                NodeHash(sr, c, sr);
            }
            fn >>= 1;
            sn >>= 1;
        }
        var oldMatches = CryptographicOperations.FixedTimeEquals(fr, oldRoot);
        var newMatches = CryptographicOperations.FixedTimeEquals(sr, newRoot);
        return sn == 0 && oldMatches && newMatches;
    }

    /// <summary>SHA-256(0x01 ‖ left ‖ right) into <paramref name="destination"/>, which may overlap either child.</summary>
    internal static void NodeHash(ReadOnlySpan<byte> left, ReadOnlySpan<byte> right, Span<byte> destination)
    {
        Span<byte> buffer = stackalloc byte[1 + 2 * HashSize];
        buffer[0] = NodePrefix;
        left.CopyTo(buffer.Slice(1, HashSize));
        right.CopyTo(buffer.Slice(1 + HashSize, HashSize));
        Sha256Direct.HashData(buffer, destination);
    }

    /// <summary>The largest power of two strictly below <paramref name="n"/>, for n ≥ 2 (the k of RFC 6962 §2.1).</summary>
    internal static int SplitPoint(int n) => 1 << BitOperations.Log2((uint)(n - 1));

    private static bool IsHash(byte[]? hash) => hash is { Length: HashSize };

    /// <summary>MTH(D[start:start+count]).</summary>
    private static byte[] SubtreeHash(IReadOnlyList<byte[]> leafHashes, int start, int count)
    {
        if (count == 0)
        {
            return EmptyRoot();
        }
        var hash = new byte[HashSize];
        SubtreeHash(leafHashes, start, count, hash);
        return hash;
    }

    // Recursion depth is log2(count); each level keeps 65 bytes on the stack and nothing on the heap.
    private static void SubtreeHash(IReadOnlyList<byte[]> leafHashes, int start, int count, Span<byte> destination)
    {
        if (count == 1)
        {
            var leaf = leafHashes[start];
            if (!IsHash(leaf))
            {
                throw new ArgumentException($"The leaf hash at index {start} is missing or not {HashSize} bytes long.", nameof(leafHashes));
            }
            leaf.CopyTo(destination);
            return;
        }
        var k = SplitPoint(count);
        Span<byte> buffer = stackalloc byte[1 + 2 * HashSize];
        buffer[0] = NodePrefix;
        SubtreeHash(leafHashes, start, k, buffer.Slice(1, HashSize));
        SubtreeHash(leafHashes, start + k, count - k, buffer.Slice(1 + HashSize, HashSize));
        SHA256.HashData(buffer, destination);
    }
}
