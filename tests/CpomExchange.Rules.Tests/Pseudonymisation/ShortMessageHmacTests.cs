using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using CpomExchange.Rules.Pseudonymisation;

namespace CpomExchange.Rules.Tests.Pseudonymisation;

/// <summary>
/// The hand-written HMAC-SHA-256 of short messages (<see cref="ShortMessageHmac"/>, <see cref="Sha256Block"/>)
/// against .NET's <see cref="HMACSHA256"/> (OpenSSL): the RFC 4231 vectors, then hundreds of thousands
/// of random keys, messages of every length around the fast path's limit, SIRETs and NIRs.
/// </summary>
public sealed class ShortMessageHmacTests
{
    public static TheoryData<string, string, string> Rfc4231 => new()
    {
        // Test cases 1, 2, 3, 4, 6 (a key longer than a block, a 54-byte message: the fast path) and 7 (the long path).
        { "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", Convert.ToHexString("Hi There"u8), "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7" },
        { Convert.ToHexString("Jefe"u8), Convert.ToHexString("what do ya want for nothing?"u8), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843" },
        { new string('a', 40), new string('d', 100), "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe" },
        { "0102030405060708090a0b0c0d0e0f10111213141516171819", string.Concat(Enumerable.Repeat("cd", 50)), "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b" },
        { new string('a', 262), Convert.ToHexString("Test Using Larger Than Block-Size Key - Hash Key First"u8), "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54" },
        {
            new string('a', 262),
            Convert.ToHexString("This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm."u8),
            "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"
        },
    };

    [Theory]
    [MemberData(nameof(Rfc4231))]
    public void Gives_the_rfc4231_vectors(string keyHex, string messageHex, string expectedHex)
    {
        using var hmac = new ShortMessageHmac(Convert.FromHexString(keyHex));
        var mac = new byte[32];
        hmac.Compute(Convert.FromHexString(messageHex), mac);
        Assert.Equal(expectedHex, Convert.ToHexString(mac), ignoreCase: true);
    }

    [Fact]
    public void Gives_the_rfc4231_truncated_vector_5()
    {
        using var hmac = new ShortMessageHmac(Convert.FromHexString("0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c"));
        var mac = new byte[32];
        hmac.Compute("Test With Truncation"u8, mac);
        Assert.Equal("a3b6167473100ee06e0c796c2955552b", Convert.ToHexString(mac, 0, 16), ignoreCase: true);
    }

    [Fact]
    public void Equals_HMACSHA256_for_random_keys_and_every_message_length_of_0_to_80_bytes()
    {
        var random = new Random(20261202);
        var mac = new byte[32];
        var expected = new byte[32];
        var compared = 0;
        for (var k = 0; k < 1_500; k++)
        {
            // Mostly the pseudonymisation key's 32 bytes, then every length up to past two blocks.
            var key = new byte[k % 4 == 0 ? k % 150 : 32];
            random.NextBytes(key);
            using var hmac = new ShortMessageHmac(key);
            for (var length = 0; length <= 80; length++)
            {
                for (var repeat = 0; repeat < 3; repeat++)
                {
                    var message = new byte[length];
                    random.NextBytes(message);
                    hmac.Compute(message, mac);
                    HMACSHA256.HashData(key, message, expected);
                    if (!mac.AsSpan().SequenceEqual(expected))
                    {
                        Assert.Fail($"key {Convert.ToHexString(key)}, message {Convert.ToHexString(message)}: {Convert.ToHexString(mac)} instead of {Convert.ToHexString(expected)}");
                    }
                    compared++;
                }
            }
        }
        Assert.Equal(1_500 * 81 * 3, compared);
    }

    [Fact]
    public void ComputeMany_equals_HMACSHA256_for_batches_of_every_size_with_mixed_lengths()
    {
        var random = new Random(8);
        var compared = 0;
        for (var k = 0; k < 300; k++)
        {
            var key = new byte[k % 5 == 0 ? 1 + k % 100 : 32];
            random.NextBytes(key);
            using var hmac = new ShortMessageHmac(key);
            // Batches of 0 to 40 messages: partial groups of eight, and lengths past the fast path's 55 bytes.
            var count = k % 41;
            var lengths = new int[count];
            for (var i = 0; i < count; i++)
            {
                lengths[i] = random.Next(4) == 0 ? random.Next(81) : 27 + random.Next(2);
            }
            var messages = new byte[lengths.Sum()];
            random.NextBytes(messages);
            var macs = new byte[count * 32];
            hmac.ComputeMany(messages, lengths, macs);
            var start = 0;
            for (var i = 0; i < count; i++)
            {
                var expected = HMACSHA256.HashData(key, messages.AsSpan(start, lengths[i]));
                if (!macs.AsSpan(i * 32, 32).SequenceEqual(expected))
                {
                    Assert.Fail($"message {i} of {count} ({lengths[i]} bytes): {Convert.ToHexString(macs, i * 32, 32)} instead of {Convert.ToHexString(expected)}");
                }
                start += lengths[i];
                compared++;
            }
        }
        Assert.Equal(Enumerable.Range(0, 300).Sum(k => k % 41), compared);
    }

    [Theory]
    [InlineData(16)]
    [InlineData(8)]
    [InlineData(1)]
    public void ComputeMany_in_groups_of_16_8_or_1_equals_HMACSHA256(int group)
    {
        // Sixteen lanes need AVX-512 (this machine has it); without it a group of sixteen is hashed as two of eight.
        var random = new Random(16 + group);
        var compared = 0;
        for (var k = 0; k < 400; k++)
        {
            var key = new byte[k % 7 == 0 ? 1 + k % 90 : 32];
            random.NextBytes(key);
            using var hmac = new ShortMessageHmac(key);
            // Batches of 0 to 49: full and partial groups of sixteen (nine to fifteen lanes), of eight, and long messages between.
            var count = k % 50;
            var lengths = new int[count];
            for (var i = 0; i < count; i++)
            {
                lengths[i] = random.Next(5) == 0 ? random.Next(81) : 27 + random.Next(2);
            }
            var messages = new byte[lengths.Sum()];
            random.NextBytes(messages);
            var macs = new byte[count * 32];
            hmac.ComputeMany(messages, lengths, macs, group);
            var start = 0;
            for (var i = 0; i < count; i++)
            {
                var expected = HMACSHA256.HashData(key, messages.AsSpan(start, lengths[i]));
                if (!macs.AsSpan(i * 32, 32).SequenceEqual(expected))
                {
                    Assert.Fail($"group {group}, message {i} of {count} ({lengths[i]} bytes): {Convert.ToHexString(macs, i * 32, 32)} instead of {Convert.ToHexString(expected)}");
                }
                start += lengths[i];
                compared++;
            }
        }
        Assert.Equal(Enumerable.Range(0, 400).Sum(k => k % 50), compared);
    }

    [Fact]
    public void ShortsOfNormalised_of_sirets_and_nirs_equals_Short_one_at_a_time_and_HMACSHA256()
    {
        var random = new Random(23);
        var key = new byte[32];
        random.NextBytes(key);
        using var pseudonymiser = new Pseudonymiser(key, 1);
        var compared = 0;
        for (var batch = 0; batch < 2_000; batch++)
        {
            var count = batch % 70;
            var kinds = new IdentifierKind[count];
            var values = new string[count];
            for (var i = 0; i < count; i++)
            {
                kinds[i] = random.Next(3) == 0 ? IdentifierKind.Nir : IdentifierKind.Siret;
                values[i] = kinds[i] == IdentifierKind.Siret ? Digits(random, 14) : "1" + Digits(random, 14);
            }
            var shorts = new UInt128[count];
            pseudonymiser.ShortsOfNormalised(kinds, values, shorts);
            for (var i = 0; i < count; i++)
            {
                var mac = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes((kinds[i] == IdentifierKind.Siret ? "cpom/siret/v1:" : "cpom/nir/v1:") + values[i]));
                Assert.Equal(new UInt128(BitConverter.ToUInt64(mac, 0), BitConverter.ToUInt64(mac, 8)), shorts[i]);
                Assert.Equal(pseudonymiser.Short(kinds[i], values[i]), shorts[i]);
                compared++;
            }
        }
        Assert.Equal(Enumerable.Range(0, 2_000).Sum(b => b % 70), compared);
    }

    [Fact]
    public void Pseudonyms_of_random_sirets_and_nirs_equal_HMACSHA256_of_the_labelled_identifier()
    {
        var random = new Random(17);
        var compared = 0;
        for (var k = 0; k < 20; k++)
        {
            var key = new byte[32];
            random.NextBytes(key);
            using var pseudonymiser = new Pseudonymiser(key, 1);
            for (var i = 0; i < 10_000; i++)
            {
                var siret = Digits(random, 14);
                Assert.Equal(Expected(key, "cpom/siret/v1:" + siret), pseudonymiser.Short(IdentifierKind.Siret, siret));
                var nir = Digits(random, 1) + Digits(random, 4) + (i % 3 == 0 ? (i % 2 == 0 ? "2A" : "2B") : Digits(random, 2)) + Digits(random, 8);
                Assert.Equal(Expected(key, "cpom/nir/v1:" + nir), pseudonymiser.Short(IdentifierKind.Nir, nir));
                compared += 2;
            }
        }
        Assert.Equal(400_000, compared);

        static UInt128 Expected(byte[] key, string message)
        {
            var mac = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(message));
            return new UInt128(BitConverter.ToUInt64(mac, 0), BitConverter.ToUInt64(mac, 8));
        }
    }

    [Fact]
    public void The_full_pseudonym_of_a_long_identifier_takes_the_long_path_and_still_equals_HMACSHA256()
    {
        var key = RandomNumberGenerator.GetBytes(32);
        using var pseudonymiser = new Pseudonymiser(key, 3);
        var identifier = new string('7', 200);
        var mac = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes("cpom/siret/v1:" + identifier));
        Assert.Equal("v3:" + Convert.ToBase64String(mac).TrimEnd('=').Replace('+', '-').Replace('/', '_'), pseudonymiser.Pseudonym(IdentifierKind.Siret, identifier));
    }

    [Fact]
    public void Dispose_zeroes_the_key_and_the_midstates_and_later_use_is_refused()
    {
        var key = Enumerable.Range(1, 32).Select(i => (byte)i).ToArray();
        var hmac = new ShortMessageHmac(key);
        var heldKey = (byte[])Field("_key").GetValue(hmac)!;
        var midstates = (uint[])Field("_midstates").GetValue(hmac)!;
        Assert.Equal(key, heldKey);
        Assert.Contains(midstates, word => word != 0);

        hmac.Dispose();

        Assert.Equal(new byte[32], heldKey);
        Assert.Equal(new uint[16], midstates);
        Assert.Throws<ObjectDisposedException>(() => hmac.Compute("cpom/siret/v1:73282932000074"u8, new byte[32]));

        static FieldInfo Field(string name) => typeof(ShortMessageHmac).GetField(name, BindingFlags.NonPublic | BindingFlags.Instance)!;
    }

    private static string Digits(Random random, int count)
    {
        var digits = new char[count];
        for (var i = 0; i < count; i++)
        {
            digits[i] = (char)('0' + random.Next(10));
        }
        return new string(digits);
    }
}
