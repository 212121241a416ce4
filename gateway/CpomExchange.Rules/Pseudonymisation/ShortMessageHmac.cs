using System.Buffers.Binary;
using System.Security.Cryptography;

namespace CpomExchange.Rules.Pseudonymisation;

/// <summary>
/// HMAC-SHA-256 (RFC 2104, FIPS 198-1) under one key, byte for byte what <see cref="HMACSHA256"/>
/// gives, with a fast path for messages of at most <see cref="MaxFastMessage"/> bytes (an identifier
/// with its domain label: 27 or 28 bytes): the SHA-256 states after the key's inner and outer padded
/// blocks (the "midstates") are computed once, here, so that such a message costs two compressions
/// of <see cref="Sha256Block"/> and no native call. A longer message goes through
/// <see cref="HMACSHA256.HashData(byte[], byte[])"/>. Thread-safe: the midstates are only read after
/// construction. The key and the midstates are zeroed by <see cref="Dispose"/>.
/// </summary>
/// <remarks>
/// Measured (BENCHMARKS.md, "B1: the upload's row loop", `crypto` suite): through OpenSSL
/// (<see cref="IncrementalHash"/>, three P/Invokes per message) a 28-byte pseudonym cost 0.65–0.72 µs
/// of processor time; eight at a time (<see cref="ComputeMany"/>) 0.16–0.19 µs, which is the reason
/// this class exists. One at a time (<see cref="Compute"/>, scalar) it costs about what OpenSSL does
/// (0.71–0.93 µs): kept for the single lookups, without a native call.
/// </remarks>
internal sealed partial class ShortMessageHmac : IDisposable
{
    /// <summary>The longest message of the fast path: one block holds it, its 0x80 byte and its 64-bit length.</summary>
    public const int MaxFastMessage = 55;

    private const int BlockSize = 64;
    private readonly byte[] _key;
    // Inner midstate in 0..7, outer midstate in 8..15.
    private readonly uint[] _midstates = new uint[16];
    private bool _disposed;

    /// <summary>Uses <paramref name="key"/> (any length: a key longer than a block is hashed first, as HMAC requires).</summary>
    public ShortMessageHmac(ReadOnlySpan<byte> key)
    {
        _key = key.ToArray();
        Span<byte> padded = stackalloc byte[BlockSize];
        padded.Clear();
        if (key.Length > BlockSize)
        {
            SHA256.HashData(key, padded);
        }
        else
        {
            key.CopyTo(padded);
        }
        try
        {
            Span<byte> pad = stackalloc byte[BlockSize];
            var inner = _midstates.AsSpan(0, 8);
            var outer = _midstates.AsSpan(8, 8);
            for (var i = 0; i < BlockSize; i++)
            {
                pad[i] = (byte)(padded[i] ^ 0x36);
            }
            Sha256Block.Initial.CopyTo(inner);
            Sha256Block.Compress(inner, pad);
            for (var i = 0; i < BlockSize; i++)
            {
                pad[i] = (byte)(padded[i] ^ 0x5c);
            }
            Sha256Block.Initial.CopyTo(outer);
            Sha256Block.Compress(outer, pad);
            CryptographicOperations.ZeroMemory(pad);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(padded);
        }
    }

    /// <summary>Writes the 32-byte HMAC of <paramref name="message"/> to <paramref name="destination"/>.</summary>
    public void Compute(ReadOnlySpan<byte> message, Span<byte> destination)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (destination.Length < HMACSHA256.HashSizeInBytes)
        {
            throw new ArgumentException("The destination holds fewer than 32 bytes.", nameof(destination));
        }
        if (message.Length > MaxFastMessage)
        {
            HMACSHA256.HashData(_key, message, destination);
            return;
        }
        Span<uint> state = stackalloc uint[8];
        Span<byte> block = stackalloc byte[BlockSize];
        // Inner hash: H(ipad-block || message), the first block already in the midstate; the total
        // length hashed is one block plus the message, in bits.
        block.Clear();
        message.CopyTo(block);
        block[message.Length] = 0x80;
        BinaryPrimitives.WriteUInt64BigEndian(block[56..], (ulong)(BlockSize + message.Length) * 8);
        _midstates.AsSpan(0, 8).CopyTo(state);
        Sha256Block.Compress(state, block);
        // Outer hash: H(opad-block || inner hash), one block of 32 bytes of hash and its padding.
        block.Clear();
        for (var i = 0; i < 8; i++)
        {
            BinaryPrimitives.WriteUInt32BigEndian(block[(4 * i)..], state[i]);
        }
        block[32] = 0x80;
        BinaryPrimitives.WriteUInt64BigEndian(block[56..], (BlockSize + 32) * 8);
        _midstates.AsSpan(8, 8).CopyTo(state);
        Sha256Block.Compress(state, block);
        for (var i = 0; i < 8; i++)
        {
            BinaryPrimitives.WriteUInt32BigEndian(destination[(4 * i)..], state[i]);
        }
        // The block held the identifier in clear and the inner hash: not left on the stack.
        CryptographicOperations.ZeroMemory(block);
    }

    /// <summary>
    /// The HMACs of several messages, laid end to end in <paramref name="messages"/> with their
    /// <paramref name="lengths"/>, written 32 bytes each, in order, to <paramref name="destination"/>:
    /// the messages of the fast path are hashed sixteen at a time (<see cref="Sha256Lanes16"/>) when
    /// the processor has AVX-512, eight at a time (<see cref="Sha256Lanes"/>) when it has 256-bit
    /// vectors, each by <see cref="Compute"/> otherwise.
    /// </summary>
    public void ComputeMany(ReadOnlySpan<byte> messages, ReadOnlySpan<int> lengths, Span<byte> destination) =>
        ComputeMany(messages, lengths, destination, !Sha256Lanes.IsAccelerated ? 1 : Sha256Lanes16.IsAccelerated ? Sha256Lanes16.Lanes : Sha256Lanes.Lanes);

    /// <summary><see cref="ComputeMany(ReadOnlySpan{byte}, ReadOnlySpan{int}, Span{byte})"/> with <paramref name="group"/> messages at a time (1, 8 or 16; tests compare them).</summary>
    internal void ComputeMany(ReadOnlySpan<byte> messages, ReadOnlySpan<int> lengths, Span<byte> destination, int group)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (destination.Length < lengths.Length * HMACSHA256.HashSizeInBytes)
        {
            throw new ArgumentException("The destination holds fewer than 32 bytes per message.", nameof(destination));
        }
        if (group is not (1 or Sha256Lanes.Lanes or Sha256Lanes16.Lanes))
        {
            throw new ArgumentOutOfRangeException(nameof(group));
        }
        if (group == Sha256Lanes16.Lanes && !Sha256Lanes16.IsAccelerated)
        {
            group = Sha256Lanes.Lanes;
        }
        Span<int> laneStart = stackalloc int[Sha256Lanes16.Lanes];
        Span<int> laneIndex = stackalloc int[Sha256Lanes16.Lanes];
        var lanes = 0;
        var start = 0;
        for (var i = 0; i < lengths.Length; i++)
        {
            var length = lengths[i];
            var message = messages.Slice(start, length);
            if (group == 1 || length > MaxFastMessage)
            {
                Compute(message, destination.Slice(i * HMACSHA256.HashSizeInBytes, HMACSHA256.HashSizeInBytes));
            }
            else
            {
                laneStart[lanes] = start;
                laneIndex[lanes] = i;
                if (++lanes == group)
                {
                    ComputeGroup(messages, lengths, laneStart, laneIndex, lanes, destination);
                    lanes = 0;
                }
            }
            start += length;
        }
        if (lanes > 0)
        {
            ComputeGroup(messages, lengths, laneStart, laneIndex, lanes, destination);
        }
    }

    // Sixteen lanes when more than eight messages wait (only when accelerated: group 16), else eight.
    private void ComputeGroup(ReadOnlySpan<byte> messages, ReadOnlySpan<int> lengths, ReadOnlySpan<int> laneStart, ReadOnlySpan<int> laneIndex, int lanes, Span<byte> destination)
    {
        if (lanes > Sha256Lanes.Lanes)
        {
            ComputeLanes16(messages, lengths, laneStart, laneIndex, lanes, destination);
        }
        else
        {
            ComputeLanes(messages, lengths, laneStart, laneIndex, lanes, destination);
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _disposed = true;
        CryptographicOperations.ZeroMemory(_key);
        CryptographicOperations.ZeroMemory(System.Runtime.InteropServices.MemoryMarshal.AsBytes(_midstates.AsSpan()));
    }
}
