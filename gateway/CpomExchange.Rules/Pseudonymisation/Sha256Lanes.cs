using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace CpomExchange.Rules.Pseudonymisation;

/// <summary>
/// The SHA-256 compression function (FIPS 180-4, 6.2.2) of <see cref="Sha256Block"/> on eight
/// independent blocks at once, one per 32-bit lane of a <see cref="Vector256{T}"/> (the
/// "multi-buffer" form of Intel's SHA-256 for many short messages): used ONLY by
/// <see cref="ShortMessageHmac.ComputeMany"/>. The same operations as the scalar form, lane-wise;
/// no data-dependent branch or table lookup (the round constants are indexed by the round number).
/// </summary>
internal static class Sha256Lanes
{
    /// <summary>The number of blocks compressed at once.</summary>
    public const int Lanes = 8;

    /// <summary>Whether the lane-wise form runs on vector hardware (else the caller uses the scalar form).</summary>
    public static bool IsAccelerated => Vector256.IsHardwareAccelerated;

    /// <summary>
    /// Updates <paramref name="state"/> (eight words, lane j holding block j's state) with the
    /// blocks whose sixteen big-endian message words are <paramref name="words"/> (word t of block j
    /// in lane j of <c>words[t]</c>).
    /// </summary>
    // Optimised at its first call: under load the tiered JIT left it unoptimised (its helpers not
    // inlined) for most of a traced upload.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Compress(Span<Vector256<uint>> state, ReadOnlySpan<Vector256<uint>> words)
    {
        if (state.Length != 8 || words.Length != 16)
        {
            throw new ArgumentException("SHA-256 compresses sixteen message words into an eight-word state.");
        }
        // The message schedule as a window of its last sixteen words (W(t) in slot t mod 16).
        var w = new Window();
        for (var t = 0; t < 16; t++)
        {
            w[t] = words[t];
        }
        Vector256<uint> a = state[0], b = state[1], c = state[2], d = state[3], e = state[4], f = state[5], g = state[6], h = state[7];
        var k = Sha256Block.K;
        for (var t = 0; t < 64; t++)
        {
            if (t >= 16)
            {
                w[t & 15] = SmallSigma1(w[(t - 2) & 15]) + w[(t - 7) & 15] + SmallSigma0(w[(t - 15) & 15]) + w[t & 15];
            }
            var t1 = h + BigSigma1(e) + ((e & f) ^ Vector256.AndNot(g, e)) + Vector256.Create(k[t]) + w[t & 15];
            var t2 = BigSigma0(a) + ((a & b) ^ (a & c) ^ (b & c));
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
        ((Span<Vector256<uint>>)w).Clear();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<uint> RotateRight(Vector256<uint> x, [ConstantExpected(Min = 1, Max = 31)] byte n) =>
        Avx512F.VL.IsSupported ? Avx512F.VL.RotateRight(x, n) : Vector256.ShiftRightLogical(x, n) | Vector256.ShiftLeft(x, 32 - n);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<uint> BigSigma0(Vector256<uint> x) => RotateRight(x, 2) ^ RotateRight(x, 13) ^ RotateRight(x, 22);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<uint> BigSigma1(Vector256<uint> x) => RotateRight(x, 6) ^ RotateRight(x, 11) ^ RotateRight(x, 25);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<uint> SmallSigma0(Vector256<uint> x) => RotateRight(x, 7) ^ RotateRight(x, 18) ^ Vector256.ShiftRightLogical(x, 3);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<uint> SmallSigma1(Vector256<uint> x) => RotateRight(x, 17) ^ RotateRight(x, 19) ^ Vector256.ShiftRightLogical(x, 10);

    /// <summary>The last sixteen words of the message schedule of the eight blocks, on the stack.</summary>
    [InlineArray(16)]
    private struct Window
    {
        private Vector256<uint> _element;
    }
}
