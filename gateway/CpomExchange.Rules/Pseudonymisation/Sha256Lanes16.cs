using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace CpomExchange.Rules.Pseudonymisation;

/// <summary>
/// <see cref="Sha256Lanes"/> on sixteen blocks at once, one per 32-bit lane of a
/// <see cref="Vector512{T}"/>, with AVX-512's rotations (<c>vprord</c>) and three-input logic
/// (<c>vpternlogd</c>: Ch, Maj and the three-way exclusive or of the Σ functions in one instruction
/// each). Used ONLY by <see cref="ShortMessageHmac.ComputeMany"/>, and only when
/// <see cref="IsAccelerated"/>; the same operations as the scalar form, lane-wise, no data-dependent
/// branch or table lookup.
/// </summary>
internal static class Sha256Lanes16
{
    /// <summary>The number of blocks compressed at once.</summary>
    public const int Lanes = 16;

    // vpternlogd truth tables over (a, b, c): a ^ b ^ c; Ch = (a & b) ^ (~a & c); Maj = majority.
    private const byte Xor3 = 0x96;
    private const byte Choose = 0xCA;
    private const byte Majority = 0xE8;

    /// <summary>Whether 512-bit vectors run in hardware with AVX-512F's instructions (else the caller uses eight lanes).</summary>
    public static bool IsAccelerated => Vector512.IsHardwareAccelerated && Avx512F.IsSupported;

    /// <summary>
    /// Updates <paramref name="state"/> (eight words, lane j holding block j's state) with the
    /// blocks whose sixteen big-endian message words are <paramref name="words"/> (word t of block j
    /// in lane j of <c>words[t]</c>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Compress(Span<Vector512<uint>> state, ReadOnlySpan<Vector512<uint>> words)
    {
        if (state.Length != 8 || words.Length != 16)
        {
            throw new ArgumentException("SHA-256 compresses sixteen message words into an eight-word state.");
        }
        var w = new Window();
        for (var t = 0; t < 16; t++)
        {
            w[t] = words[t];
        }
        Vector512<uint> a = state[0], b = state[1], c = state[2], d = state[3], e = state[4], f = state[5], g = state[6], h = state[7];
        var k = Sha256Block.K;
        for (var t = 0; t < 64; t++)
        {
            if (t >= 16)
            {
                w[t & 15] = SmallSigma1(w[(t - 2) & 15]) + w[(t - 7) & 15] + SmallSigma0(w[(t - 15) & 15]) + w[t & 15];
            }
            var t1 = h + BigSigma1(e) + Avx512F.TernaryLogic(e, f, g, Choose) + Vector512.Create(k[t]) + w[t & 15];
            var t2 = BigSigma0(a) + Avx512F.TernaryLogic(a, b, c, Majority);
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
        ((Span<Vector512<uint>>)w).Clear();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<uint> BigSigma0(Vector512<uint> x) =>
        Avx512F.TernaryLogic(Avx512F.RotateRight(x, 2), Avx512F.RotateRight(x, 13), Avx512F.RotateRight(x, 22), Xor3);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<uint> BigSigma1(Vector512<uint> x) =>
        Avx512F.TernaryLogic(Avx512F.RotateRight(x, 6), Avx512F.RotateRight(x, 11), Avx512F.RotateRight(x, 25), Xor3);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<uint> SmallSigma0(Vector512<uint> x) =>
        Avx512F.TernaryLogic(Avx512F.RotateRight(x, 7), Avx512F.RotateRight(x, 18), Vector512.ShiftRightLogical(x, 3), Xor3);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<uint> SmallSigma1(Vector512<uint> x) =>
        Avx512F.TernaryLogic(Avx512F.RotateRight(x, 17), Avx512F.RotateRight(x, 19), Vector512.ShiftRightLogical(x, 10), Xor3);

    /// <summary>The last sixteen words of the message schedule of the sixteen blocks, on the stack.</summary>
    [InlineArray(16)]
    private struct Window
    {
        private Vector512<uint> _element;
    }
}
