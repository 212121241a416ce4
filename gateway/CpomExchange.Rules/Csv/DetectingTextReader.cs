using System.Text;

namespace CpomExchange.Rules.Csv;

/// <summary>
/// Decodes the bytes of an uploaded file as agents' software writes them: UTF-8 with or without a
/// byte-order mark, or Windows-1252 (Excel's "CSV (séparateur: point-virgule)"). The choice is made
/// on the first non-ASCII byte, so a file streams through without being held in memory; after that
/// the chosen encoding is strict and a byte it cannot decode raises <see cref="CsvDecodingException"/>.
/// </summary>
internal sealed class DetectingTextReader : TextReader
{
    private static readonly Encoding StrictUtf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
    private static readonly Lazy<Encoding> StrictWindows1252 = new(() =>
    {
        Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);
        return Encoding.GetEncoding(1252, EncoderFallback.ExceptionFallback, DecoderFallback.ExceptionFallback);
    });

    private readonly Stream _stream;
    private readonly byte[] _bytes;
    private int _bytePos;
    private int _byteLen;
    private bool _streamEnded;
    private long _bytesBefore; // bytes of the stream before _bytes[0]
    private readonly char[] _chars;
    private int _charPos;
    private int _charLen;
    private Decoder? _decoder;
    private bool _started;
    private bool _flushed;
    private long _newlines; // line feeds in the bytes decoded so far (0x0A in UTF-8 and Windows-1252 alike)
    private bool _windows1252;
    private static readonly System.Buffers.SearchValues<byte> Windows1252Undefined = System.Buffers.SearchValues.Create([0x81, 0x8D, 0x8F, 0x90, 0x9D]);

    /// <summary>Creates a reader over <paramref name="stream"/>, which it does not dispose.</summary>
    public DetectingTextReader(Stream stream, int bufferSize = 64 * 1024)
    {
        _stream = stream ?? throw new ArgumentNullException(nameof(stream));
        _bytes = new byte[bufferSize];
        _chars = new char[bufferSize + 4];
    }

    /// <summary>The encoding chosen so far: "utf-8", "utf-8-bom", "windows-1252", or null while only ASCII was seen.</summary>
    public string? DetectedEncoding { get; private set; }

    /// <summary>How many bytes of the stream were read so far.</summary>
    public long BytesRead => _bytesBefore + _byteLen;

    /// <inheritdoc />
    public override int Peek() => FillChars() ? _chars[_charPos] : -1;

    /// <inheritdoc />
    public override int Read() => FillChars() ? _chars[_charPos++] : -1;

    /// <inheritdoc />
    public override int Read(char[] buffer, int index, int count) => Read(buffer.AsSpan(index, count));

    /// <inheritdoc />
    public override int Read(Span<char> buffer)
    {
        if (buffer.IsEmpty || !FillChars())
        {
            return 0;
        }
        var n = Math.Min(buffer.Length, _charLen - _charPos);
        _chars.AsSpan(_charPos, n).CopyTo(buffer);
        _charPos += n;
        return n;
    }

    /// <inheritdoc />
    public override Task<int> ReadAsync(char[] buffer, int index, int count) => ReadAsync(buffer.AsMemory(index, count)).AsTask();

    /// <inheritdoc />
    public override async ValueTask<int> ReadAsync(Memory<char> buffer, CancellationToken cancellationToken = default)
    {
        if (buffer.IsEmpty)
        {
            return 0;
        }
        if (_charPos >= _charLen)
        {
            await FillBytesAsync(cancellationToken).ConfigureAwait(false);
            if (!DecodeAvailable())
            {
                return 0;
            }
        }
        var n = Math.Min(buffer.Length, _charLen - _charPos);
        _chars.AsMemory(_charPos, n).CopyTo(buffer);
        _charPos += n;
        return n;
    }

    private bool FillChars()
    {
        if (_charPos < _charLen)
        {
            return true;
        }
        FillBytesAsync(CancellationToken.None).AsTask().GetAwaiter().GetResult();
        return DecodeAvailable();
    }

    private async ValueTask FillBytesAsync(CancellationToken cancellationToken)
    {
        // Keep unconsumed bytes (an incomplete multi-byte sequence, or bytes awaiting detection).
        while (!_streamEnded && _byteLen - _bytePos < 8)
        {
            if (_bytePos > 0)
            {
                var remaining = _byteLen - _bytePos;
                Buffer.BlockCopy(_bytes, _bytePos, _bytes, 0, remaining);
                _bytesBefore += _bytePos;
                _bytePos = 0;
                _byteLen = remaining;
            }
            var read = await _stream.ReadAsync(_bytes.AsMemory(_byteLen), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                _streamEnded = true;
            }
            _byteLen += read;
            if (read > 0 && _byteLen - _bytePos >= 8)
            {
                break;
            }
        }
        if (!_started && (_byteLen - _bytePos >= 3 || _streamEnded))
        {
            _started = true;
            if (_bytes.AsSpan(_bytePos, _byteLen - _bytePos).StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
            {
                _bytePos += 3;
                _decoder = StrictUtf8.GetDecoder();
                DetectedEncoding = "utf-8-bom";
            }
        }
    }

    private bool DecodeAvailable()
    {
        _charPos = 0;
        _charLen = 0;
        var available = _byteLen - _bytePos;
        if (available == 0)
        {
            if (_decoder is not null && !_flushed && _streamEnded)
            {
                _flushed = true;
                try
                {
                    _charLen = _decoder.GetChars([], _chars, flush: true);
                }
                catch (DecoderFallbackException e)
                {
                    throw new CsvDecodingException(BytesRead, DetectedEncoding ?? "utf-8", e);
                }
            }
            return _charLen > 0;
        }
        if (_decoder is null)
        {
            // Undecided: copy ASCII through until the first byte above 0x7F decides.
            var span = _bytes.AsSpan(_bytePos, available);
            var i = 0;
            while (i < span.Length && i < _chars.Length && span[i] < 0x80)
            {
                _chars[i] = (char)span[i];
                i++;
            }
            if (i > 0)
            {
                _newlines += span[..i].Count((byte)'\n');
                _bytePos += i;
                _charLen = i;
                return true;
            }
            Decide(span);
            available = _byteLen - _bytePos;
        }
        if (_windows1252)
        {
            // Five bytes have no character in Windows-1252; .NET would pass them as C1 controls.
            var undefined = _bytes.AsSpan(_bytePos, available).IndexOfAny(Windows1252Undefined);
            if (undefined >= 0)
            {
                throw new CsvDecodingException(_bytesBefore + _bytePos + undefined, "windows-1252",
                    new DecoderFallbackException("Byte undefined in Windows-1252."), LineAt(undefined));
            }
        }
        try
        {
            var flush = _streamEnded;
            _decoder!.Convert(_bytes, _bytePos, available, _chars, 0, _chars.Length - 4, flush, out var bytesUsed, out var charsUsed, out _);
            _newlines += _bytes.AsSpan(_bytePos, bytesUsed).Count((byte)'\n');
            _bytePos += bytesUsed;
            _charLen = charsUsed;
            if (flush && _bytePos == _byteLen)
            {
                _flushed = true;
            }
        }
        catch (DecoderFallbackException e)
        {
            // The bad byte is somewhere in this chunk; without a usable index, the chunk's first line is named.
            var index = e.Index >= 0 && e.Index < available ? e.Index : 0;
            throw new CsvDecodingException(_bytesBefore + _bytePos + index, DetectedEncoding ?? "?", e, LineAt(FirstUndecodable(index, available)));
        }
        return _charLen > 0 || (!_flushed && DecodeAvailable());
    }

    /// <summary>The 1-based line of the file holding the byte at <paramref name="offset"/> from the current position.</summary>
    private long LineAt(int offset) => _newlines + _bytes.AsSpan(_bytePos, Math.Max(0, offset)).Count((byte)'\n') + 1;

    /// <summary>The first byte from the current position that does not start a valid UTF-8 sequence (for the line of an error).</summary>
    private int FirstUndecodable(int hint, int available)
    {
        if (_windows1252)
        {
            return hint;
        }
        var span = _bytes.AsSpan(_bytePos, available);
        var i = 0;
        while (i < span.Length)
        {
            var status = System.Text.Rune.DecodeFromUtf8(span[i..], out _, out var consumed);
            if (status == System.Buffers.OperationStatus.InvalidData)
            {
                return i;
            }
            if (status != System.Buffers.OperationStatus.Done)
            {
                return i;
            }
            i += consumed;
        }
        return hint;
    }

    private void Decide(ReadOnlySpan<byte> span)
    {
        var status = System.Text.Rune.DecodeFromUtf8(span, out _, out _);
        if (status == System.Buffers.OperationStatus.Done
            || (status == System.Buffers.OperationStatus.NeedMoreData && !_streamEnded))
        {
            _decoder = StrictUtf8.GetDecoder();
            DetectedEncoding = "utf-8";
        }
        else
        {
            _decoder = StrictWindows1252.Value.GetDecoder();
            _windows1252 = true;
            DetectedEncoding = "windows-1252";
        }
    }
}

/// <summary>The bytes of a file are neither UTF-8 nor Windows-1252.</summary>
internal sealed class CsvDecodingException(long byteOffset, string encoding, Exception inner, long line = 0)
    : Exception($"Undecodable byte at offset {byteOffset} for {encoding}.", inner)
{
    /// <summary>The line of the file (1-based) that holds the undecodable byte; 0 when unknown.</summary>
    public long Line { get; } = line;

    /// <summary>The offset, in the stream, near the byte that could not be decoded.</summary>
    public long ByteOffset { get; } = byteOffset;

    /// <summary>The encoding the file was being read as.</summary>
    public string Encoding { get; } = encoding;
}
