using System.Security.Cryptography;
using System.Threading.Channels;
using CpomExchange.Infrastructure.Keys;

namespace CpomExchange.Infrastructure.Payloads;

/// <summary>
/// A write-only stream that encrypts what is written to it as <see cref="PayloadCipher"/> segments
/// and hashes the plaintext. Call <see cref="CompleteAsync"/> to write the last segment: a payload
/// whose stream is disposed without it has no last segment and never decrypts.
/// </summary>
/// <remarks>
/// With segments in flight (<see cref="PayloadCipher.BeginAsync"/>'s <c>inFlight</c> above 0), a full
/// segment is handed to one task of its own that hashes, encrypts and writes the segments in order
/// while the writer fills the next one, so that a second processor does that work: at most
/// <c>inFlight</c> full segments wait (the writer waits for a free buffer beyond), and the bytes
/// written are exactly those of the writer's own thread (same segments, same nonces, same hash). A
/// failure of that task (encryption, the destination) fails the writer's next hand-off or
/// <see cref="CompleteAsync"/>; disposing stops it.
/// </remarks>
public sealed class EncryptingStream : Stream
{
    private readonly Stream _destination;
    private readonly AesGcm _aes;
    private readonly byte[] _aadPrefix;
    private readonly byte[] _noncePrefix;
    private readonly byte[][] _buffers;
    private readonly byte[] _cipher;
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly Channel<byte[]>? _free;
    private readonly Channel<Segment>? _full;
    private readonly CancellationTokenSource? _stop;
    private readonly Task? _sealer;
    private byte[] _plain;
    private int _filled;
    private uint _index;
    private bool _completed;
    private bool _failed;

    internal EncryptingStream(Stream destination, byte[] dataKey, byte[] aadPrefix, byte[] noncePrefix, int segmentSize, WrappedKey wrappedKey, int inFlight = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(inFlight);
        _destination = destination;
        _aes = new AesGcm(dataKey, PayloadCipher.TagSize);
        CryptographicOperations.ZeroMemory(dataKey);
        _aadPrefix = aadPrefix;
        _noncePrefix = noncePrefix;
        WrappedKey = wrappedKey;
        _buffers = new byte[inFlight + 1][];
        for (var i = 0; i < _buffers.Length; i++)
        {
            _buffers[i] = new byte[segmentSize];
        }
        _plain = _buffers[0];
        _cipher = new byte[segmentSize + PayloadCipher.TagSize];
        if (inFlight > 0)
        {
            // The buffers bound what waits: the writer takes a free one after each hand-off.
            _free = Channel.CreateUnbounded<byte[]>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
            foreach (var buffer in _buffers.AsSpan(1))
            {
                _free.Writer.TryWrite(buffer);
            }
            _full = Channel.CreateUnbounded<Segment>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
            _stop = new CancellationTokenSource();
            _sealer = Task.Run(SealAllAsync);
        }
    }

    /// <summary>The payload's data key, wrapped by the key provider: to be kept by the caller, never in the payload.</summary>
    public WrappedKey WrappedKey { get; }

    /// <summary>The number of plaintext bytes written.</summary>
    public long PlaintextLength { get; private set; }

    /// <summary>The SHA-256 of the plaintext, lower-case hex; available after <see cref="CompleteAsync"/>.</summary>
    public string? Sha256 { get; private set; }

    /// <inheritdoc />
    public override bool CanRead => false;
    /// <inheritdoc />
    public override bool CanSeek => false;
    /// <inheritdoc />
    public override bool CanWrite => !_completed;
    /// <inheritdoc />
    public override long Length => throw new NotSupportedException();
    /// <inheritdoc />
    public override long Position { get => PlaintextLength; set => throw new NotSupportedException(); }

    /// <inheritdoc />
    public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    /// <inheritdoc />
    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <inheritdoc />
    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_completed, this);
        ThrowIfFailed();
        PlaintextLength += buffer.Length;
        while (!buffer.IsEmpty)
        {
            if (_filled == _plain.Length)
            {
                // More data follows a full segment: it is not the last one.
                await HandOffAsync(last: false, cancellationToken);
            }
            var n = Math.Min(buffer.Length, _plain.Length - _filled);
            buffer.Span[..n].CopyTo(_plain.AsSpan(_filled));
            _filled += n;
            buffer = buffer[n..];
        }
    }

    /// <summary>Writes the last segment and flushes the destination to disk when it is a file.</summary>
    public async Task CompleteAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_completed, this);
        ThrowIfFailed();
        await HandOffAsync(last: true, cancellationToken);
        _completed = true;
        if (_sealer is not null)
        {
            _full!.Writer.TryComplete();
            // Rethrows the sealer's failure, if any: the payload is then incomplete.
            try
            {
                await _sealer.WaitAsync(cancellationToken);
            }
            catch
            {
                _failed = true;
                throw;
            }
        }
        Sha256 = Convert.ToHexStringLower(_hash.GetHashAndReset());
        await _destination.FlushAsync(cancellationToken);
        if (_destination is FileStream file)
        {
            file.Flush(flushToDisk: true);
        }
    }

    /// <summary>Seals the segment being filled (here, or by the sealer) and moves to the next one.</summary>
    private async ValueTask HandOffAsync(bool last, CancellationToken cancellationToken)
    {
        try
        {
            await HandOffCoreAsync(last, cancellationToken);
        }
        catch
        {
            // The segment being filled may now belong to the sealer, or be half written: nothing more may be written.
            _failed = true;
            throw;
        }
    }

    /// <summary>A stream whose hand-off failed is left as it is: its payload is incomplete and never decrypts.</summary>
    private void ThrowIfFailed()
    {
        if (_failed)
        {
            throw new InvalidOperationException("The payload could not be written: nothing more can be written to it.");
        }
    }

    private async ValueTask HandOffCoreAsync(bool last, CancellationToken cancellationToken)
    {
        var segment = new Segment(_plain, _filled, _index, last);
        if (_sealer is null)
        {
            await SealAsync(segment, cancellationToken);
        }
        else
        {
            if (_sealer.IsCompleted || !_full!.Writer.TryWrite(segment))
            {
                await SealerFailedAsync();
            }
            if (!last)
            {
                try
                {
                    _plain = await _free!.Reader.ReadAsync(cancellationToken);
                }
                catch (ChannelClosedException)
                {
                    await SealerFailedAsync();
                }
            }
        }
        _filled = 0;
        _index = checked(_index + 1);
    }

    /// <summary>The sealer stopped before it was told to: throws what stopped it.</summary>
    private async Task SealerFailedAsync()
    {
        await _sealer!;
        throw new InvalidOperationException("The payload's sealer stopped before the payload was complete.");
    }

    private async Task SealAllAsync()
    {
        try
        {
            await foreach (var segment in _full!.Reader.ReadAllAsync(_stop!.Token))
            {
                await SealAsync(segment, _stop.Token);
                _free!.Writer.TryWrite(segment.Plain);
            }
        }
        catch (Exception e)
        {
            // The writer waiting for a free buffer learns of it.
            _free!.Writer.TryComplete(e);
            throw;
        }
    }

    private async ValueTask SealAsync(Segment segment, CancellationToken cancellationToken)
    {
        var plain = segment.Plain.AsSpan(0, segment.Length);
        _hash.AppendData(plain);
        _aes.Encrypt(PayloadCipher.Nonce(_noncePrefix, segment.Index, segment.Last), plain, _cipher.AsSpan(0, segment.Length),
            _cipher.AsSpan(segment.Length, PayloadCipher.TagSize), PayloadCipher.Aad(_aadPrefix, segment.Index, segment.Last));
        await _destination.WriteAsync(_cipher.AsMemory(0, segment.Length + PayloadCipher.TagSize), cancellationToken);
    }

    /// <inheritdoc />
    public override void Flush()
    {
    }

    /// <inheritdoc />
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    /// <inheritdoc />
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    /// <inheritdoc />
    public override void SetLength(long value) => throw new NotSupportedException();

    /// <inheritdoc />
    public override async ValueTask DisposeAsync()
    {
        if (_sealer is not null)
        {
            StopSealer();
            await _sealer.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
        await base.DisposeAsync();
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            if (_sealer is not null)
            {
                // The sealer uses the key and the buffers: it stops before they go.
                StopSealer();
                _sealer.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing).GetAwaiter().GetResult();
                _stop!.Dispose();
            }
            foreach (var buffer in _buffers)
            {
                CryptographicOperations.ZeroMemory(buffer);
            }
            _aes.Dispose();
            _hash.Dispose();
        }
        base.Dispose(disposing);
    }

    private void StopSealer()
    {
        _full!.Writer.TryComplete();
        if (!_sealer!.IsCompleted)
        {
            _stop!.Cancel();
        }
    }

    /// <summary>A full (or the last) segment's plaintext and its place in the payload.</summary>
    private readonly record struct Segment(byte[] Plain, int Length, uint Index, bool Last);
}
