using System.Security.Cryptography;
using CpomExchange.Infrastructure.Keys;
using CpomExchange.Infrastructure.Payloads;

namespace CpomExchange.Infrastructure.Tests.Payloads;

/// <summary>
/// The payload's segments sealed by a task of their own (<see cref="EncryptingStream"/> with segments
/// in flight) against the former way, on the writer's thread: the same stored bytes and the same
/// SHA-256 for any content cut into any writes; a failure of the destination fails the writer; what
/// waits is bounded.
/// </summary>
public sealed class PipelinedEncryptionTests
{
    private static readonly WrappedKey AnyWrappedKey = new("kid", [1, 2, 3]);

    private sealed record Encryption(byte[] Stored, string Sha256, long Length);

    private static async Task<Encryption> EncryptAsync(byte[] key, byte[] aadPrefix, byte[] noncePrefix, int segmentSize, int inFlight, byte[] content, int[] cuts)
    {
        using var stored = new MemoryStream();
        await using var encrypting = new EncryptingStream(stored, [.. key], aadPrefix, noncePrefix, segmentSize, AnyWrappedKey, inFlight);
        var offset = 0;
        foreach (var cut in cuts)
        {
            await encrypting.WriteAsync(content.AsMemory(offset, cut));
            offset += cut;
        }
        await encrypting.CompleteAsync();
        return new Encryption(stored.ToArray(), encrypting.Sha256!, encrypting.PlaintextLength);
    }

    private static int[] Cuts(Random random, int length, int segmentSize)
    {
        var cuts = new List<int>();
        while (length > 0)
        {
            // Writes of a few bytes (CSV rows) as well as writes of several segments at once.
            var n = Math.Min(length, random.Next(4) == 0 ? random.Next(1, 3 * segmentSize) : random.Next(1, 200));
            cuts.Add(n);
            length -= n;
        }
        return [.. cuts];
    }

    [Fact]
    public async Task Pipelined_StoresTheSameBytesAndHash_AsTheWritersThread_ForAnyContentAndWrites()
    {
        var random = new Random(20261202);
        var cases = 0;
        foreach (var segmentSize in new[] { 1024, 4096, PayloadCipher.DefaultSegmentSize })
        {
            // Edge lengths around segment boundaries, then random ones.
            int[] lengths = [0, 1, segmentSize - 1, segmentSize, segmentSize + 1, 2 * segmentSize, 5 * segmentSize + 7, random.Next(1, 9 * segmentSize), random.Next(1, 9 * segmentSize)];
            foreach (var length in lengths)
            {
                foreach (var inFlight in new[] { 1, 2, 3 })
                {
                    var content = new byte[length];
                    random.NextBytes(content);
                    var key = RandomNumberGenerator.GetBytes(32);
                    var aadPrefix = RandomNumberGenerator.GetBytes(PayloadCipher.FixedHeaderSize + 32);
                    var noncePrefix = RandomNumberGenerator.GetBytes(PayloadCipher.PrefixSize);
                    var cuts = Cuts(random, length, segmentSize);

                    var former = await EncryptAsync(key, aadPrefix, noncePrefix, segmentSize, 0, content, cuts);
                    var pipelined = await EncryptAsync(key, aadPrefix, noncePrefix, segmentSize, inFlight, content, cuts);

                    Assert.Equal(former.Stored, pipelined.Stored);
                    Assert.Equal(former.Sha256, pipelined.Sha256);
                    Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(content)), pipelined.Sha256);
                    Assert.Equal(length, pipelined.Length);
                    // And it decrypts, against its recorded hash, to the content.
                    using var decrypted = new MemoryStream();
                    await using (var reading = new DecryptingStream(new MemoryStream(pipelined.Stored), [.. key], aadPrefix, noncePrefix, segmentSize, pipelined.Sha256))
                    {
                        await reading.CopyToAsync(decrypted);
                    }
                    Assert.Equal(content, decrypted.ToArray());
                    cases++;
                }
            }
        }
        Assert.Equal(3 * 9 * 3, cases);
    }

    [Fact]
    public async Task Pipelined_ADestinationThatFails_FailsTheWriterWithItsError()
    {
        var destination = new FailingStream(failAfter: 3 * 1040);
        await using var encrypting = new EncryptingStream(destination, RandomNumberGenerator.GetBytes(32), new byte[51], new byte[7], 1024, AnyWrappedKey, inFlight: 2);

        var failure = await Assert.ThrowsAsync<IOException>(async () =>
        {
            for (var i = 0; i < 100; i++)
            {
                await encrypting.WriteAsync(new byte[1000]);
            }
            await encrypting.CompleteAsync();
        });

        Assert.Equal("disque plein", failure.Message);
        Assert.Null(encrypting.Sha256);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    public async Task AfterAFailure_NothingMoreIsWritten_AndEveryWriteSaysSo(int inFlight)
    {
        var destination = new FailingStream(failAfter: 3 * 1040);
        await using var encrypting = new EncryptingStream(destination, RandomNumberGenerator.GetBytes(32), new byte[51], new byte[7], 1024, AnyWrappedKey, inFlight);
        await Assert.ThrowsAsync<IOException>(async () =>
        {
            for (var i = 0; i < 100; i++)
            {
                await encrypting.WriteAsync(new byte[1000]);
            }
            await encrypting.CompleteAsync();
        });
        var stored = destination.Length;

        // A caller that went on anyway: refused at once, neither the destination's error again nor a segment more.
        await Assert.ThrowsAsync<InvalidOperationException>(async () => await encrypting.WriteAsync(new byte[3000]));
        await Assert.ThrowsAsync<InvalidOperationException>(() => encrypting.CompleteAsync());
        Assert.Equal(stored, destination.Length);
        Assert.Null(encrypting.Sha256);
    }

    [Fact]
    public async Task Pipelined_AtMostInFlightSegmentsWait_ThenTheWriterWaitsForTheDestination()
    {
        var destination = new GatedStream();
        await using var encrypting = new EncryptingStream(destination, RandomNumberGenerator.GetBytes(32), new byte[51], new byte[7], 1024, AnyWrappedKey, inFlight: 2);

        // Two full segments are handed over and one is being filled: no waiting.
        await encrypting.WriteAsync(new byte[3 * 1024]);
        // Handing over the third needs a free buffer, and the destination holds them all.
        var blocked = encrypting.WriteAsync(new byte[1]).AsTask();
        await destination.Entered.Task;
        Assert.False(blocked.IsCompleted);

        destination.Open.SetResult();
        await blocked;
        await encrypting.CompleteAsync();
        Assert.Equal(4 * (1024 + 16) - 1023, destination.Written);
    }

    private sealed class FailingStream(int failAfter) : MemoryStream
    {
        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (Length + buffer.Length > failAfter)
            {
                throw new IOException("disque plein");
            }
            await base.WriteAsync(buffer, cancellationToken);
        }
    }

    private sealed class GatedStream : MemoryStream
    {
        public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Open { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public long Written { get; private set; }

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Entered.TrySetResult();
            await Open.Task.WaitAsync(cancellationToken);
            Written += buffer.Length;
        }
    }
}
