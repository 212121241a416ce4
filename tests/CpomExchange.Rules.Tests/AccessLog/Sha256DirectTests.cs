using System.Security.Cryptography;
using CpomExchange.Rules.AccessLog;

namespace CpomExchange.Rules.Tests.AccessLog;

/// <summary><see cref="Sha256Direct"/> is SHA-256: the digest of <see cref="SHA256.HashData(byte[])"/> for any input.</summary>
public sealed class Sha256DirectTests
{
    [Fact]
    public void AnyInput_GivesTheDigestOfSha256HashData()
    {
        // On this platform (Linux, OpenSSL 3) the direct path is the one under test.
        Assert.Equal(OperatingSystem.IsLinux(), Sha256Direct.Direct);
        var random = new Random(256);
        var lengths = Enumerable.Range(0, 300).Concat([511, 512, 513, 1024, 4095, 65_535, 65_536, 65_537, 1 << 20])
            .Concat(Enumerable.Range(0, 2_000).Select(_ => random.Next(0, 70_000))).ToArray();
        var into = new byte[32];
        foreach (var length in lengths)
        {
            var data = new byte[length];
            random.NextBytes(data);
            Assert.Equal(SHA256.HashData(data), Sha256Direct.HashData(data));
            Sha256Direct.HashData(data, into);
            Assert.True(into.SequenceEqual(SHA256.HashData(data)), $"length {length}");
        }
        Assert.Equal(2_309, lengths.Length);
    }

    [Fact]
    public void FromEveryThread_TheSameDigests()
    {
        var inputs = Enumerable.Range(0, 4_000).Select(i => new byte[i % 700].Select((_, k) => (byte)(i * 31 + k)).ToArray()).ToArray();
        var digests = new byte[inputs.Length][];
        Parallel.For(0, inputs.Length, i => digests[i] = Sha256Direct.HashData(inputs[i]));
        for (var i = 0; i < inputs.Length; i++)
        {
            Assert.Equal(SHA256.HashData(inputs[i]), digests[i]);
        }
    }
}
