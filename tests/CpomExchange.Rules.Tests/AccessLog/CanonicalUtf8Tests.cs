using System.Text;
using CpomExchange.Rules.AccessLog;

namespace CpomExchange.Rules.Tests.AccessLog;

/// <summary>
/// <see cref="CanonicalUtf8.EncodeTail"/> writes a value's rest as <c>JavaScriptEncoder.Default.EncodeUtf8</c> (the former
/// way, <see cref="CanonicalUtf8.EncodeWithDefault"/>) does: compared over every scalar value and many random mixes of
/// ASCII (escaped or not), two-, three- and four-byte sequences.
/// </summary>
public sealed class CanonicalUtf8Tests
{
    private static byte[] Tail(byte[] utf8)
    {
        var to = new byte[(utf8.Length * CanonicalUtf8.MaxEscapedPerByte) + 16];
        return to[..CanonicalUtf8.EncodeTail(to, 0, utf8)];
    }

    [Fact]
    public void EveryScalarValue_IsWrittenAsTheDefaultEncoderWritesIt()
    {
        var compared = 0;
        for (var c = 0; c <= 0x10FFFF; c++)
        {
            if (c is >= 0xD800 and <= 0xDFFF || (c > 0x20000 && c % 97 != 0))
            {
                continue;
            }
            var utf8 = Encoding.UTF8.GetBytes(char.ConvertFromUtf32(c));
            Assert.Equal(CanonicalUtf8.EncodeWithDefault(utf8), Tail(utf8));
            compared++;
        }
        Assert.Equal(0x20001 - 0x800 + ((0x10FFFF / 97) - (0x20000 / 97)), compared);
    }

    [Fact]
    public void RandomMixes_AreWrittenAsTheDefaultEncoderWritesThem()
    {
        var random = new Random(20261202);
        int[] pool = [0x00, 0x0A, 0x1F, 0x20, 0x22, 0x26, 0x27, 0x2B, 0x3C, 0x3E, 0x41, 0x5C, 0x60, 0x7A, 0x7F, 0xE9, 0xA0, 0x2028, 0x20AC, 0xFEFF, 0xFFFD, 0x1F600, 0x10FFFF];
        for (var i = 0; i < 20_000; i++)
        {
            var text = new StringBuilder();
            // Starting with a non-ASCII scalar, as a rest does.
            text.Append(char.ConvertFromUtf32(0xE0 + random.Next(32)));
            for (var n = random.Next(0, 40); n > 0; n--)
            {
                var c = random.Next(3) == 0 ? pool[random.Next(pool.Length)] : random.Next(0x20, 0x7F);
                text.Append(char.ConvertFromUtf32(c));
            }
            var utf8 = Encoding.UTF8.GetBytes(text.ToString());
            var expected = CanonicalUtf8.EncodeWithDefault(utf8);
            Assert.True(expected.AsSpan().SequenceEqual(Tail(utf8)), $"mix {i}: {Encoding.UTF8.GetString(expected)}");
        }
    }
}
