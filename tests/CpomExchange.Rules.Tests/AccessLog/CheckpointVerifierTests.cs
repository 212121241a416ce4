using System.Security.Cryptography;
using CpomExchange.Rules.AccessLog;

namespace CpomExchange.Rules.Tests.AccessLog;

/// <summary>
/// One key imported once checks many checkpoints (<see cref="CheckpointVerifier"/>): each answer must be the one a key
/// imported for that checkpoint alone gives (<see cref="SignedCheckpoint.VerifyWith"/>), forged and genuine signatures
/// mixed, so that no answer leaks into the next.
/// </summary>
public sealed class CheckpointVerifierTests : IDisposable
{
    private static readonly DateTimeOffset Noon = new(2026, 3, 2, 12, 0, 0, TimeSpan.Zero);

    private readonly ECDsa _key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly ECDsa _other = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    public void Dispose()
    {
        _key.Dispose();
        _other.Dispose();
    }

    private static Checkpoint At(long size) => new("prevy", size, SHA256.HashData(BitConverter.GetBytes(size)), Noon.AddMinutes(size));

    private static SignedCheckpoint Sign(ECDsa key, Checkpoint checkpoint) => new(checkpoint, "test", key.SignHash(SignedCheckpoint.Digest(checkpoint)));

    // 60 checkpoints: every sixth genuine, the others forged in five ways; returns them with whether each is genuine.
    private List<(SignedCheckpoint Checkpoint, bool Genuine)> Mixed()
    {
        var list = new List<(SignedCheckpoint, bool)>();
        for (var size = 1L; size <= 60; size++)
        {
            var genuine = Sign(_key, At(size));
            list.Add((size % 6) switch
            {
                0 => (genuine, true),
                1 => (Sign(_other, At(size)), false),
                2 => (genuine with { Checkpoint = genuine.Checkpoint with { RootHash = SHA256.HashData(BitConverter.GetBytes(-size)) } }, false),
                3 => (genuine with { Checkpoint = genuine.Checkpoint with { TreeSize = size + 1 } }, false),
                4 => (genuine with { Signature = Flip(genuine.Signature, (int)size % genuine.Signature.Length) }, false),
                _ => (genuine with { Signature = genuine.Signature[..^1] }, false),
            });
        }
        return list;
    }

    private static byte[] Flip(byte[] bytes, int at)
    {
        var copy = bytes.ToArray();
        copy[at] ^= 0x01;
        return copy;
    }

    [Fact]
    public void Verify_AnswersForEachCheckpointAsAKeyImportedForItAlone()
    {
        var spki = _key.ExportSubjectPublicKeyInfo();
        var mixed = Mixed();
        using var verifier = new CheckpointVerifier(spki);

        var answers = mixed.Select(m => verifier.Verify(m.Checkpoint)).ToList();

        Assert.Equal(mixed.Select(m => m.Checkpoint.VerifyWith(spki)), answers);
        Assert.Equal(mixed.Select(m => m.Genuine), answers);
        Assert.Equal(10, answers.Count(a => a));
    }

    [Fact]
    public void Verify_WithTheOtherKey_RefusesExactlyWhatThatKeyDidNotSign()
    {
        var mixed = Mixed();
        using var verifier = new CheckpointVerifier(_other.ExportSubjectPublicKeyInfo());

        var accepted = mixed.Where(m => verifier.Verify(m.Checkpoint)).Select(m => m.Checkpoint.Checkpoint.TreeSize).ToList();

        Assert.Equal([1L, 7, 13, 19, 25, 31, 37, 43, 49, 55], accepted);
    }

    public static TheoryData<string> UnusableKeys => new() { "empty", "truncated", "garbage", "rsa" };

    [Theory]
    [MemberData(nameof(UnusableKeys))]
    public void Verify_WithAKeyThatCannotBeImported_RefusesEverySignatureWithoutThrowing(string kind)
    {
        using var rsa = RSA.Create(2048);
        var spki = kind switch
        {
            "empty" => [],
            "truncated" => _key.ExportSubjectPublicKeyInfo()[..40],
            "garbage" => Enumerable.Range(0, 91).Select(i => (byte)(i * 7)).ToArray(),
            _ => rsa.ExportSubjectPublicKeyInfo(),
        };
        var genuine = Sign(_key, At(6));
        using var verifier = new CheckpointVerifier(spki);

        Assert.False(verifier.Verify(genuine));
        Assert.False(genuine.VerifyWith(spki));
    }
}
