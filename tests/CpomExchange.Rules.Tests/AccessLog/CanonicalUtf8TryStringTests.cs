using System.Text;
using System.Text.Encodings.Web;
using System.Text.Unicode;
using CpomExchange.Rules.AccessLog;

namespace CpomExchange.Rules.Tests.AccessLog;

/// <summary>
/// <see cref="CanonicalUtf8.TryString"/> (one scan for the first byte that is not written as it is, over bytes not yet
/// validated) must write exactly what <see cref="CanonicalUtf8.String"/> writes for every valid value, and refuse (-1)
/// every invalid one: compared over every byte alone and between plain bytes, every scalar value to U+20000, and random
/// mixes with and without invalid sequences.
/// </summary>
public sealed class CanonicalUtf8TryStringTests
{
    private static byte[]? Fused(byte[] bytes)
    {
        var to = new byte[(bytes.Length * CanonicalUtf8.MaxEscapedPerByte) + 16];
        var end = CanonicalUtf8.TryString(to, 0, bytes);
        return end < 0 ? null : to[..end];
    }

    private static byte[] Former(byte[] utf8)
    {
        var to = new byte[(utf8.Length * CanonicalUtf8.MaxEscapedPerByte) + 16];
        return to[..CanonicalUtf8.String(to, 0, utf8)];
    }

    private static void Same(byte[] bytes, string what)
    {
        var fused = Fused(bytes);
        if (!Utf8.IsValid(bytes))
        {
            Assert.True(fused is null, $"{what}: invalid UTF-8 written as {(fused is null ? "" : Encoding.UTF8.GetString(fused))}");
            return;
        }
        var former = Former(bytes);
        Assert.True(fused is not null && former.AsSpan().SequenceEqual(fused), $"{what}: {Encoding.UTF8.GetString(former)} / {(fused is null ? "refused" : Encoding.UTF8.GetString(fused))}");
    }

    [Fact]
    public void EveryByte_AloneAndBetweenPlainBytes_IsWrittenAsStringWritesIt()
    {
        var plain = 0;
        for (var b = 0; b < 256; b++)
        {
            Same([(byte)b], $"byte {b:X2}");
            Same([(byte)'a', (byte)'b', (byte)b, (byte)'c'], $"ab{b:X2}c");
            Same([(byte)'x', .. Enumerable.Repeat((byte)'y', 40), (byte)b, .. Enumerable.Repeat((byte)'z', 40)], $"long {b:X2}");
            plain += Fused([(byte)b]) is [(byte)'"', var only, (byte)'"'] && only == b ? 1 : 0;
        }
        // What String copies as it is: the printable ASCII the default encoder leaves (not " & ' + < > \ `), nothing else.
        var expected = Enumerable.Range(0x20, 0x7F - 0x20).Count(b => JavaScriptEncoder.Default.FindFirstCharacterToEncodeUtf8([(byte)b]) < 0);
        Assert.Equal(95 - 8, expected);
        Assert.Equal(expected, plain);
        Assert.Equal(Former([]), Fused([]));
    }

    [Fact]
    public void EveryScalarValue_IsWrittenAsStringWritesIt()
    {
        var compared = 0;
        for (var c = 0; c <= 0x20000; c++)
        {
            if (c is >= 0xD800 and <= 0xDFFF)
            {
                continue;
            }
            var scalar = Encoding.UTF8.GetBytes(char.ConvertFromUtf32(c));
            Same(scalar, $"U+{c:X4}");
            Same([(byte)'d', (byte)'e', .. scalar, (byte)'<', .. scalar], $"de U+{c:X4} <");
            compared++;
        }
        Assert.Equal(0x20001 - 0x800, compared);
    }

    [Fact]
    public void RandomMixes_ValidOrNot_AreWrittenAsStringWritesThemOrRefused()
    {
        var random = new Random(21_12_02);
        byte[][] invalid = [[0x80], [0xC0, 0xAF], [0xC3], [0xE2, 0x82], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xFF], [0xF0, 0x9F, 0x98]];
        int[] pool = [0x00, 0x09, 0x1F, 0x22, 0x26, 0x27, 0x2B, 0x3C, 0x3E, 0x5C, 0x60, 0x7F, 0xE9, 0xA0, 0x7FF, 0x800, 0x2028, 0x20AC, 0xFEFF, 0xFFFD, 0xFFFF, 0x10000, 0x1F600, 0x10FFFF];
        var refused = 0;
        for (var i = 0; i < 20_000; i++)
        {
            var bytes = new List<byte>();
            for (var n = random.Next(0, 30); n > 0; n--)
            {
                var c = random.Next(3) == 0 ? pool[random.Next(pool.Length)] : random.Next(0x20, 0x7F);
                bytes.AddRange(Encoding.UTF8.GetBytes(char.ConvertFromUtf32(c)));
            }
            if (i % 4 == 0)
            {
                bytes.InsertRange(random.Next(bytes.Count + 1), invalid[random.Next(invalid.Length)]);
                refused++;
            }
            var value = bytes.ToArray();
            Assert.Equal(i % 4 != 0, Utf8.IsValid(value));
            Same(value, $"mix {i}: {Convert.ToHexString(value)}");
        }
        Assert.Equal(5_000, refused);
    }
}
