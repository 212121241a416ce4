using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Security.Cryptography;

namespace CpomExchange.Rules.Pseudonymisation;

/// <summary>
/// The groups of <see cref="ComputeMany(ReadOnlySpan{byte}, ReadOnlySpan{int}, Span{byte})"/>: eight messages in the lanes of
/// <see cref="Vector256{T}"/> (<see cref="Sha256Lanes"/>) or sixteen in those of <see cref="Vector512{T}"/>
/// (<see cref="Sha256Lanes16"/>). Both widths share the words' layout: word t of lane j is the
/// <c>t × width + j</c>-th 32-bit value of the vectors, so the padding, the outer block and the
/// reading of the MACs are written once, over the vectors seen as 32-bit values.
/// </summary>
internal sealed partial class ShortMessageHmac
{
    // Up to eight messages of the fast path; the unused lanes hash an empty message, dropped.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void ComputeLanes(ReadOnlySpan<byte> messages, ReadOnlySpan<int> lengths, ReadOnlySpan<int> laneStart, ReadOnlySpan<int> laneIndex, int lanes, Span<byte> destination)
    {
        Span<Vector256<uint>> words = stackalloc Vector256<uint>[16];
        Span<Vector256<uint>> state = stackalloc Vector256<uint>[8];
        var w = MemoryMarshal.Cast<Vector256<uint>, uint>(words);
        var s = MemoryMarshal.Cast<Vector256<uint>, uint>(state);
        InnerBlocks(messages, lengths, laneStart, laneIndex, lanes, w, s, Sha256Lanes.Lanes);
        Sha256Lanes.Compress(state, words);
        OuterBlocks(w, s, Sha256Lanes.Lanes);
        Sha256Lanes.Compress(state, words);
        WriteMacs(w, s, Sha256Lanes.Lanes, laneIndex, lanes, destination);
    }

    // Nine to sixteen messages of the fast path; the unused lanes hash an empty message, dropped.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void ComputeLanes16(ReadOnlySpan<byte> messages, ReadOnlySpan<int> lengths, ReadOnlySpan<int> laneStart, ReadOnlySpan<int> laneIndex, int lanes, Span<byte> destination)
    {
        Span<Vector512<uint>> words = stackalloc Vector512<uint>[16];
        Span<Vector512<uint>> state = stackalloc Vector512<uint>[8];
        var w = MemoryMarshal.Cast<Vector512<uint>, uint>(words);
        var s = MemoryMarshal.Cast<Vector512<uint>, uint>(state);
        InnerBlocks(messages, lengths, laneStart, laneIndex, lanes, w, s, Sha256Lanes16.Lanes);
        Sha256Lanes16.Compress(state, words);
        OuterBlocks(w, s, Sha256Lanes16.Lanes);
        Sha256Lanes16.Compress(state, words);
        WriteMacs(w, s, Sha256Lanes16.Lanes, laneIndex, lanes, destination);
    }

    // Each lane's inner block, H(ipad-block || message)'s second block: the message, 0x80, zeros and
    // the length hashed (one block plus the message, in bits), as big-endian words; the state the inner midstate.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void InnerBlocks(ReadOnlySpan<byte> messages, ReadOnlySpan<int> lengths, ReadOnlySpan<int> laneStart, ReadOnlySpan<int> laneIndex, int lanes,
        Span<uint> words, Span<uint> state, int width)
    {
        Span<byte> block = stackalloc byte[BlockSize];
        for (var j = 0; j < width; j++)
        {
            block.Clear();
            var length = j < lanes ? lengths[laneIndex[j]] : 0;
            if (j < lanes)
            {
                messages.Slice(laneStart[j], length).CopyTo(block);
            }
            block[length] = 0x80;
            BinaryPrimitives.WriteUInt64BigEndian(block[56..], (ulong)(BlockSize + length) * 8);
            for (var t = 0; t < 16; t++)
            {
                words[t * width + j] = BinaryPrimitives.ReadUInt32BigEndian(block[(4 * t)..]);
            }
        }
        // The block held an identifier in clear.
        CryptographicOperations.ZeroMemory(block);
        for (var i = 0; i < 8; i++)
        {
            state.Slice(i * width, width).Fill(_midstates[i]);
        }
    }

    // The outer block, H(opad-block || inner hash)'s second block: the inner hash's eight words, then
    // 0x80, zeros and the length (one block and 32 bytes, in bits); the state the outer midstate.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void OuterBlocks(Span<uint> words, Span<uint> state, int width)
    {
        state.CopyTo(words);
        words.Slice(8 * width, width).Fill(0x80000000u);
        words.Slice(9 * width, 6 * width).Clear();
        words.Slice(15 * width, width).Fill((uint)(BlockSize + 32) * 8);
        for (var i = 0; i < 8; i++)
        {
            state.Slice(i * width, width).Fill(_midstates[8 + i]);
        }
    }

    // Each used lane's MAC, in its message's place; then the words (the inner hashes) and the state zeroed.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void WriteMacs(Span<uint> words, Span<uint> state, int width, ReadOnlySpan<int> laneIndex, int lanes, Span<byte> destination)
    {
        for (var j = 0; j < lanes; j++)
        {
            var mac = destination.Slice(laneIndex[j] * HMACSHA256.HashSizeInBytes, HMACSHA256.HashSizeInBytes);
            for (var i = 0; i < 8; i++)
            {
                BinaryPrimitives.WriteUInt32BigEndian(mac[(4 * i)..], state[i * width + j]);
            }
        }
        CryptographicOperations.ZeroMemory(MemoryMarshal.AsBytes(words));
        CryptographicOperations.ZeroMemory(MemoryMarshal.AsBytes(state));
    }
}
