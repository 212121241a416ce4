using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace CpomExchange.Rules.Pseudonymisation;

/// <summary>
/// The SHA-256 compression function (FIPS 180-4, section 6.2.2) on one 64-byte block: used ONLY by
/// <see cref="ShortMessageHmac"/>, for the two blocks of an HMAC of a message of at most 55 bytes
/// after the key's precomputed pad states. Every other SHA-256 of the code base goes through .NET's
/// <c>System.Security.Cryptography</c> (OpenSSL).
/// </summary>
/// <remarks>
/// Why hand-written: .NET exposes no SHA-256 compression function (so no way to start from a
/// precomputed state) and no SHA-NI intrinsics, and a pseudonym through OpenSSL costs three
/// P/Invokes (<c>HmacUpdate</c>, <c>HmacFinal</c>, <c>HmacReset</c>) whose overhead, not the two
/// compressions, was 62 % of the upload's row loop (BENCHMARKS.md, "Traces of B4 and B1"). The
/// function has no data-dependent branch or table lookup: the round constants are indexed by the
/// round number only, every operation is an add, a rotation or a bitwise operation on 32-bit words.
/// </remarks>
internal static class Sha256Block
{
    /// <summary>The initial hash value H(0) (FIPS 180-4, 5.3.3).</summary>
    public static ReadOnlySpan<uint> Initial =>
    [
        0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
    ];

    /// <summary>The round constants K(0..63) (FIPS 180-4, 4.2.2).</summary>
    internal static ReadOnlySpan<uint> K =>
    [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
        0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
        0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
        0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
        0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
        0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
        0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
    ];

    /// <summary>Updates the eight words of <paramref name="state"/> with one 64-byte <paramref name="block"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Compress(Span<uint> state, ReadOnlySpan<byte> block)
    {
        if (state.Length != 8 || block.Length != 64)
        {
            throw new ArgumentException("SHA-256 compresses one 64-byte block into an eight-word state.");
        }
        var w = new Schedule();
        for (var t = 0; t < 16; t++)
        {
            w[t] = BinaryPrimitives.ReadUInt32BigEndian(block[(4 * t)..]);
        }
        for (var t = 16; t < 64; t++)
        {
            w[t] = SmallSigma1(w[t - 2]) + w[t - 7] + SmallSigma0(w[t - 15]) + w[t - 16];
        }
        uint a = state[0], b = state[1], c = state[2], d = state[3], e = state[4], f = state[5], g = state[6], h = state[7];
        var k = K;
        for (var t = 0; t < 64; t++)
        {
            var t1 = h + BigSigma1(e) + Choose(e, f, g) + k[t] + w[t];
            var t2 = BigSigma0(a) + Majority(a, b, c);
            h = g;
            g = f;
            f = e;
            e = d + t1;
            d = c;
            c = b;
            b = a;
            a = t1 + t2;
        }
        state[0] += a;
        state[1] += b;
        state[2] += c;
        state[3] += d;
        state[4] += e;
        state[5] += f;
        state[6] += g;
        state[7] += h;
        ((Span<uint>)w).Clear();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint Choose(uint x, uint y, uint z) => (x & y) ^ (~x & z);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint Majority(uint x, uint y, uint z) => (x & y) ^ (x & z) ^ (y & z);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint BigSigma0(uint x) => BitOperations.RotateRight(x, 2) ^ BitOperations.RotateRight(x, 13) ^ BitOperations.RotateRight(x, 22);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint BigSigma1(uint x) => BitOperations.RotateRight(x, 6) ^ BitOperations.RotateRight(x, 11) ^ BitOperations.RotateRight(x, 25);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint SmallSigma0(uint x) => BitOperations.RotateRight(x, 7) ^ BitOperations.RotateRight(x, 18) ^ (x >> 3);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint SmallSigma1(uint x) => BitOperations.RotateRight(x, 17) ^ BitOperations.RotateRight(x, 19) ^ (x >> 10);

    /// <summary>The message schedule W(0..63), on the stack.</summary>
    [InlineArray(64)]
    private struct Schedule
    {
        private uint _element;
    }
}
