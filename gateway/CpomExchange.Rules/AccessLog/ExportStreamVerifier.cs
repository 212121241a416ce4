using System.Buffers;
using System.Text;

namespace CpomExchange.Rules.AccessLog;

/// <summary>
/// Verifies an export read from its bytes, in chunks of whole lines: the header and the signed
/// checkpoints first (the gateway writes them before the entries), then each chunk's entry lines
/// read and their leaves hashed on every processor (<see cref="ExportChunkEntries"/>: a line in the gateway's
/// exact shape hashed as it is, <see cref="CanonicalEntryLine"/>; any other parsed and re-serialised), then
/// checked one after the other in order by <see cref="LogVerifier.Run"/>, exactly as <see cref="LogVerifier.Verify"/>
/// checks them. Memory is one chunk and 72 bytes per line of it, whatever the length of the log.
/// </summary>
internal static class ExportStreamVerifier
{
    // About 5,000 entry lines of a realistic log per chunk (about 10 ms of work): enough for the pool's threads to wake and
    // take their share before the calling thread has done it all, small next to 100 MiB.
    private const int ChunkBytes = 4 * 1024 * 1024;

    // A line longer than this is not an export's.
    private const int MaxLineBytes = 64 * 1024 * 1024;

    /// <param name="stream">The export.</param>
    /// <param name="publicKeySpki">The key to check the checkpoints with (null: the export's own).</param>
    /// <param name="cancellationToken">Stops the verification.</param>
    /// <param name="fastLines">
    /// Whether lines in the gateway's exact shape are hashed as they are (<see cref="CanonicalEntryLine"/>); false only for the
    /// tests that compare the two paths.
    /// </param>
    public static (LogExportHeader Header, LogVerification Result) Verify(Stream stream, byte[]? publicKeySpki, CancellationToken cancellationToken,
        bool fastLines = true)
    {
        var chunks = new ChunkReader(stream);
        try
        {
            LogExportHeader? header = null;
            var checkpoints = new List<SignedCheckpoint>();
            LogVerifier.Run? run = null;
            var number = 0;
            var lines = new List<(int Start, int Length)>();
            var state = new ExportChunkEntries();
            byte[]? controllerValue = null;
            while (chunks.Next(cancellationToken) is { } chunk)
            {
                Split(chunk, lines);
                var i = 0;
                // Header and checkpoints, until the first entry line.
                for (; run is null && i < lines.Count; i++)
                {
                    number++;
                    var (start, length) = lines[i];
                    if (length == 0)
                    {
                        continue;
                    }
                    var line = chunk.Slice(start, length).Span;
                    var entry = ExportEntryParser.TryParse(line);
                    var item = entry ?? LogExport.ParseLine(Encoding.UTF8.GetString(line), number);
                    switch (item)
                    {
                        case LogExportHeader h:
                            header = h;
                            break;
                        case SignedCheckpoint c:
                            checkpoints.Add(c);
                            break;
                        default:
                            // The first entry: the checkpoints are all known, the verification begins with this line again.
                            run = Begin(header, checkpoints, publicKeySpki, out var refused);
                            if (refused is not null)
                            {
                                return (header!, refused);
                            }
                            controllerValue = CanonicalEntryLine.ControllerValue(header!.LogId);
                            number--;
                            i--;
                            break;
                    }
                }
                if (run is null || i >= lines.Count)
                {
                    continue;
                }
                // Entry lines: read and hashed in parallel, checked in order.
                var count = lines.Count - i;
                state.Ensure(count);
                var first = i;
                var memory = chunk;
                var chunkState = state;
                var controller = fastLines ? controllerValue : null;
                Parallel.For(0, count, new ParallelOptions { CancellationToken = cancellationToken }, k =>
                {
                    var (start, length) = lines[first + k];
                    chunkState.Read(k, length == 0 ? default : memory.Slice(start, length).Span, length == 0, controller);
                });
                for (var k = 0; k < count; k++)
                {
                    number++;
                    var (start, length) = lines[first + k];
                    var problem = state.Kinds[k] switch
                    {
                        LineKind.Empty => null,
                        // In the gateway's shape, its log and stored leaf already checked: place, link, checkpoints.
                        LineKind.Shaped => run.AddLinked(state.Seqs[k], state.Leaf(k), state.Previous(k)),
                        LineKind.Parsed => run.Add(state.Parsed[k]!, state.Leaf(k).ToArray()),
                        // What neither fast path reads: the former path's verdict (an entry it reads) or error.
                        _ => run.Add(LogExport.ParseLine(Encoding.UTF8.GetString(chunk.Slice(start, length).Span), number) as StoredEntry
                            ?? throw new FormatException($"Ligne {number} de l'export : les points de contrôle doivent précéder les entrées.")),
                    };
                    if (problem is not null)
                    {
                        return (header!, problem);
                    }
                }
            }
            if (run is null)
            {
                run = Begin(header, checkpoints, publicKeySpki, out var refused);
                if (refused is not null)
                {
                    return (header!, refused);
                }
            }
            return (header!, run.End(header!.HeadSize));
        }
        finally
        {
            chunks.Dispose();
        }
    }

    private static LogVerifier.Run Begin(LogExportHeader? header, List<SignedCheckpoint> checkpoints, byte[]? publicKeySpki, out LogVerification? refused)
    {
        if (header is null)
        {
            throw new FormatException("L'export ne commence pas par sa ligne d'en-tête (type « log »).");
        }
        var key = publicKeySpki ?? header.PublicKeySpki;
        var start = new LogStart(header.StartSize, CompactRange.Deserialize(header.StartSize, header.StartRange), header.StartLastLeafHash);
        var run = new LogVerifier.Run(header.LogId, checkpoints, start, header.HeadSize);
        refused = run.Begin(c => c.VerifyWith(key));
        return run;
    }

    /// <summary>The lines of a chunk (without their "\n" or "\r\n").</summary>
    private static void Split(ReadOnlyMemory<byte> chunk, List<(int Start, int Length)> lines)
    {
        lines.Clear();
        var span = chunk.Span;
        var start = 0;
        while (start < span.Length)
        {
            var end = span[start..].IndexOf((byte)'\n');
            var next = end < 0 ? span.Length : start + end + 1;
            var length = (end < 0 ? span.Length : start + end) - start;
            if (length > 0 && span[start + length - 1] == (byte)'\r')
            {
                length--;
            }
            lines.Add((start, length));
            start = next;
        }
    }

    /// <summary>Reads a stream in chunks that end at a line's end (the last chunk at the stream's end); a UTF-8 BOM is skipped.</summary>
    private sealed class ChunkReader(Stream stream) : IDisposable
    {
        private byte[] _buffer = ArrayPool<byte>.Shared.Rent(ChunkBytes);
        private int _filled;
        private int _consumed;
        private bool _ended;
        private bool _started;

        public ReadOnlyMemory<byte>? Next(CancellationToken cancellationToken)
        {
            cancellationToken.ThrowIfCancellationRequested();
            // Keep what the last chunk left (a line begun), then fill.
            if (_consumed > 0)
            {
                _buffer.AsSpan(_consumed, _filled - _consumed).CopyTo(_buffer);
                _filled -= _consumed;
                _consumed = 0;
            }
            while (true)
            {
                while (!_ended && _filled < _buffer.Length)
                {
                    var read = stream.Read(_buffer, _filled, _buffer.Length - _filled);
                    if (read == 0)
                    {
                        _ended = true;
                    }
                    _filled += read;
                }
                if (!_started)
                {
                    _started = true;
                    if (_buffer.AsSpan(0, _filled).StartsWith("\uFEFF"u8))
                    {
                        _consumed = 3;
                    }
                }
                if (_ended)
                {
                    if (_filled == _consumed)
                    {
                        return null;
                    }
                    var all = new ReadOnlyMemory<byte>(_buffer, _consumed, _filled - _consumed);
                    _consumed = _filled;
                    return all;
                }
                var last = _buffer.AsSpan(_consumed, _filled - _consumed).LastIndexOf((byte)'\n');
                if (last >= 0)
                {
                    var chunk = new ReadOnlyMemory<byte>(_buffer, _consumed, last + 1);
                    _consumed += last + 1;
                    return chunk;
                }
                // One line longer than the buffer: grow it, within reason.
                if (_buffer.Length >= MaxLineBytes)
                {
                    throw new FormatException("L'export contient une ligne de plus de 64 Mio : ce n'est pas un export du journal.");
                }
                var larger = ArrayPool<byte>.Shared.Rent(_buffer.Length * 2);
                _buffer.AsSpan(_consumed, _filled - _consumed).CopyTo(larger);
                _filled -= _consumed;
                _consumed = 0;
                ArrayPool<byte>.Shared.Return(_buffer);
                _buffer = larger;
            }
        }

        public void Dispose() => ArrayPool<byte>.Shared.Return(_buffer);
    }
}
