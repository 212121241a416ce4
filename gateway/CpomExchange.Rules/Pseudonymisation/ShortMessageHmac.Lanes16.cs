using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Security.Cryptography;

namespace CpomExchange.Rules.Pseudonymisation;

/// <summary>The sixteen-lane form of <see cref="ComputeMany(ReadOnlySpan{byte}, ReadOnlySpan{int}, Span{byte})"/>'s groups (<see cref="Sha256Lanes16"/>).</summary>
internal sealed partial class ShortMessageHmac
{
    // Nine to sixteen messages of the fast path; the unused lanes hash an empty message, dropped.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void ComputeLanes16(ReadOnlySpan<byte> messages, ReadOnlySpan<int> lengths, ReadOnlySpan<int> laneStart, ReadOnlySpan<int> laneIndex, int lanes, Span<byte> destination)
    {
        Span<byte> blocks = stackalloc byte[Sha256Lanes16.Lanes * BlockSize];
        blocks.Clear();
        for (var j = 0; j < Sha256Lanes16.Lanes; j++)
        {
            var block = blocks.Slice(j * BlockSize, BlockSize);
            var length = j < lanes ? lengths[laneIndex[j]] : 0;
            if (j < lanes)
            {
                messages.Slice(laneStart[j], length).CopyTo(block);
            }
            block[length] = 0x80;
            BinaryPrimitives.WriteUInt64BigEndian(block[56..], (ulong)(BlockSize + length) * 8);
        }
        Span<Vector512<uint>> words = stackalloc Vector512<uint>[16];
        Span<uint> lane = stackalloc uint[Sha256Lanes16.Lanes];
        for (var t = 0; t < 16; t++)
        {
            for (var j = 0; j < Sha256Lanes16.Lanes; j++)
            {
                lane[j] = BinaryPrimitives.ReadUInt32BigEndian(blocks[(j * BlockSize + 4 * t)..]);
            }
            words[t] = Vector512.Create<uint>(lane);
        }
        Span<Vector512<uint>> state = stackalloc Vector512<uint>[8];
        for (var i = 0; i < 8; i++)
        {
            state[i] = Vector512.Create(_midstates[i]);
        }
        Sha256Lanes16.Compress(state, words);
        // Outer block: the inner hash's eight words, then 0x80, zeros, and the length (one block and 32 bytes, in bits).
        for (var i = 0; i < 8; i++)
        {
            words[i] = state[i];
            state[i] = Vector512.Create(_midstates[8 + i]);
        }
        words[8] = Vector512.Create(0x80000000u);
        for (var t = 9; t < 15; t++)
        {
            words[t] = Vector512<uint>.Zero;
        }
        words[15] = Vector512.Create((uint)(BlockSize + 32) * 8);
        Sha256Lanes16.Compress(state, words);
        for (var j = 0; j < lanes; j++)
        {
            var mac = destination.Slice(laneIndex[j] * HMACSHA256.HashSizeInBytes, HMACSHA256.HashSizeInBytes);
            for (var i = 0; i < 8; i++)
            {
                BinaryPrimitives.WriteUInt32BigEndian(mac[(4 * i)..], state[i].GetElement(j));
            }
        }
        // The blocks held the identifiers in clear, the words and the state the inner hashes.
        CryptographicOperations.ZeroMemory(blocks);
        words.Clear();
        lane.Clear();
        state.Clear();
    }
}
