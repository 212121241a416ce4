using System.Runtime.ExceptionServices;
using System.Text;

namespace CpomExchange.Rules.AccessLog;

/// <summary>
/// Verifies an export read from its bytes, in chunks of whole lines: the header and the signed
/// checkpoints first (the gateway writes them before the entries), then each chunk's entry lines
/// read and their leaves hashed on every processor (<see cref="ExportChunkEntries"/>: a line in the gateway's
/// exact shape hashed as it is, <see cref="CanonicalEntryLine"/>; any other parsed and re-serialised), then
/// checked one after the other in order by <see cref="LogVerifier.Run"/>, exactly as <see cref="LogVerifier.Verify"/>
/// checks them.
/// </summary>
/// <remarks>
/// The chunks are pipelined: while chunk k's lines are hashed on the pool, the calling thread runs chunk k-1's ordered
/// checks, then reads and splits chunk k+1 (two buffers and two <see cref="ExportChunkEntries"/> in rotation: chunk k-1's
/// buffer is free once its checks are done, before k+1 is read into it). The verdict stays the first bad entry in file
/// order: a chunk's checks run only after every earlier chunk's, an error in reading chunk k+1 is thrown only after
/// chunk k's checks found nothing, and no hashing is left running when <see cref="Verify"/> returns or throws.
/// Memory is two chunks and 72 bytes per line of them, whatever the length of the log.
/// </remarks>
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
    /// <param name="chunkBytes">The chunk's size (smaller only in tests, to put many chunks in a small export).</param>
    public static (LogExportHeader Header, LogVerification Result) Verify(Stream stream, byte[]? publicKeySpki, CancellationToken cancellationToken,
        bool fastLines = true, int chunkBytes = ChunkBytes)
    {
        using var verification = new Verification(stream, publicKeySpki, cancellationToken, fastLines, chunkBytes);
        return verification.Run();
    }

    /// <summary>A chunk's lines, the first of its entry lines and its lines' reading.</summary>
    private sealed class Batch
    {
        public ReadOnlyMemory<byte> Chunk;
        public readonly List<(int Start, int Length)> Lines = [];
        public readonly ExportChunkEntries State = new();
        public int First;
        public byte[]? Controller;
        public int Claimed;

        public int Count => Lines.Count - First;

        // Lines claimed by the threads in blocks of this many: few contended increments, an even share at the end.
        private const int Block = 32;

        /// <summary>Reads and hashes lines not yet claimed by another thread, until none is left.</summary>
        public void Work(CancellationToken token)
        {
            var count = Count;
            while (true)
            {
                token.ThrowIfCancellationRequested();
                var from = Interlocked.Add(ref Claimed, Block) - Block;
                if (from >= count)
                {
                    return;
                }
                var to = Math.Min(from + Block, count);
                var span = Chunk.Span;
                for (var k = from; k < to; k++)
                {
                    var (start, length) = Lines[First + k];
                    State.Read(k, length == 0 ? default : span.Slice(start, length), length == 0, Controller);
                }
            }
        }
    }

    /// <summary>One verification's state, and the pipeline.</summary>
    private sealed class Verification(Stream stream, byte[]? publicKeySpki, CancellationToken cancellationToken, bool fastLines, int chunkBytes)
        : IDisposable
    {
        private readonly ChunkReader _chunks = new(stream, chunkBytes);
        private readonly CancellationTokenSource _stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        private readonly Batch[] _batches = [new(), new()];
        private readonly List<SignedCheckpoint> _checkpoints = [];
        private LogExportHeader? _header;
        private LogVerifier.Run? _run;
        private LogVerification? _refused;
        private byte[]? _controllerValue;
        private int _number;
        private Task? _hashing;

        public (LogExportHeader Header, LogVerification Result) Run()
        {
            var turn = 0;
            // current: read and split, its header lines read; hashed: its leaves computed, its ordered checks not yet run.
            var current = Read(_batches[turn]);
            if (_refused is not null)
            {
                return (_header!, _refused);
            }
            Batch? hashed = null;
            ExceptionDispatchInfo? readError = null;
            while (current is not null)
            {
                if (current.Count > 0)
                {
                    _hashing = Hash(current);
                }
                if (hashed is not null && Check(hashed) is { } problem)
                {
                    return (_header!, problem);
                }
                Batch? following = null;
                try
                {
                    turn ^= 1;
                    following = Read(_batches[turn]);
                }
                catch (Exception e)
                {
                    // Thrown after the checks of the chunks before it: an earlier bad entry is the answer.
                    readError = ExceptionDispatchInfo.Capture(e);
                }
                if (_refused is not null)
                {
                    return (_header!, _refused);
                }
                if (_hashing is { } hashing)
                {
                    // The calling thread takes its share of what is left, then waits for the lines others are reading.
                    current.Work(_stop.Token);
                    _hashing = null;
                    Wait(hashing);
                }
                hashed = current.Count > 0 ? current : null;
                current = following;
            }
            if (hashed is not null && Check(hashed) is { } last)
            {
                return (_header!, last);
            }
            readError?.Throw();
            if (_run is null)
            {
                _run = Begin(out var refused);
                if (refused is not null)
                {
                    return (_header!, refused);
                }
            }
            return (_header!, _run.End(_header!.HeadSize));
        }

        /// <summary>
        /// The next chunk into <paramref name="batch"/>, split into lines, its header and checkpoint lines read (null at the
        /// stream's end). Sets <see cref="_refused"/> if the checkpoints are refused at the first entry.
        /// </summary>
        private Batch? Read(Batch batch)
        {
            if (_chunks.Next(cancellationToken) is not { } chunk)
            {
                return null;
            }
            batch.Chunk = chunk;
            Split(chunk, batch.Lines);
            var i = 0;
            // Header and checkpoints, until the first entry line (no chunk is in flight before it).
            for (; _run is null && i < batch.Lines.Count; i++)
            {
                _number++;
                var (start, length) = batch.Lines[i];
                if (length == 0)
                {
                    continue;
                }
                var line = chunk.Slice(start, length).Span;
                var entry = ExportEntryParser.TryParse(line);
                var item = entry ?? LogExport.ParseLine(Encoding.UTF8.GetString(line), _number);
                switch (item)
                {
                    case LogExportHeader h:
                        _header = h;
                        break;
                    case SignedCheckpoint c:
                        _checkpoints.Add(c);
                        break;
                    default:
                        // The first entry: the checkpoints are all known, the verification begins with this line again.
                        _run = Begin(out _refused);
                        if (_refused is not null)
                        {
                            batch.First = batch.Lines.Count;
                            return batch;
                        }
                        _controllerValue = CanonicalEntryLine.ControllerValue(_header!.LogId);
                        _number--;
                        i--;
                        break;
                }
            }
            batch.First = i;
            return batch;
        }

        /// <summary>
        /// Starts reading and hashing a chunk's entry lines on the pool (<see cref="Help"/>: the calling thread joins in once
        /// its own work is done).
        /// </summary>
        private Task Hash(Batch batch)
        {
            batch.State.Ensure(batch.Count);
            batch.Controller = fastLines ? _controllerValue : null;
            batch.Claimed = 0;
            var token = _stop.Token;
            // One processor's worth is the calling thread's (its checks and reading, then its share of the lines).
            var workers = new Task[Math.Max(1, Environment.ProcessorCount - 1)];
            for (var w = 0; w < workers.Length; w++)
            {
                workers[w] = Task.Run(() => batch.Work(token), CancellationToken.None);
            }
            return Task.WhenAll(workers);
        }

        /// <summary>Waits for a chunk's reading: its errors as <see cref="Parallel.For(int, int, Action{int})"/> gave them.</summary>
        private void Wait(Task hashing)
        {
            try
            {
                hashing.Wait(CancellationToken.None);
            }
            catch (AggregateException e)
            {
                var errors = e.Flatten().InnerExceptions.Where(x => x is not OperationCanceledException).ToList();
                if (errors.Count == 0)
                {
                    throw new OperationCanceledException(cancellationToken);
                }
                throw new AggregateException(errors);
            }
        }

        /// <summary>A hashed chunk's entry lines checked in order: the first problem, or null.</summary>
        private LogVerification? Check(Batch batch)
        {
            var run = _run!;
            var state = batch.State;
            for (var k = 0; k < batch.Count; k++)
            {
                _number++;
                var (start, length) = batch.Lines[batch.First + k];
                var problem = state.Kinds[k] switch
                {
                    LineKind.Empty => null,
                    // In the gateway's shape, its log and stored leaf already checked: place, link, checkpoints.
                    LineKind.Shaped => run.AddLinked(state.Seqs[k], state.Leaf(k), state.Previous(k)),
                    LineKind.Parsed => run.Add(state.Parsed[k]!, state.Leaf(k).ToArray()),
                    // What neither fast path reads: the former path's verdict (an entry it reads) or error.
                    _ => run.Add(LogExport.ParseLine(Encoding.UTF8.GetString(batch.Chunk.Slice(start, length).Span), _number) as StoredEntry
                        ?? throw new FormatException($"Ligne {_number} de l'export : les points de contrôle doivent précéder les entrées.")),
                };
                if (problem is not null)
                {
                    return problem;
                }
            }
            return null;
        }

        private LogVerifier.Run Begin(out LogVerification? refused)
        {
            if (_header is null)
            {
                throw new FormatException("L'export ne commence pas par sa ligne d'en-tête (type « log »).");
            }
            var key = publicKeySpki ?? _header.PublicKeySpki;
            var start = new LogStart(_header.StartSize, CompactRange.Deserialize(_header.StartSize, _header.StartRange), _header.StartLastLeafHash);
            var run = new LogVerifier.Run(_header.LogId, _checkpoints, start, _header.HeadSize);
            using var verifier = new CheckpointVerifier(key);
            refused = run.Begin(verifier.Verify);
            return run;
        }

        /// <summary>Stops and waits for a chunk's hashing still in flight (a bad entry found, an error) before the buffers go back.</summary>
        public void Dispose()
        {
            if (_hashing is { } hashing)
            {
                _hashing = null;
                _stop.Cancel();
                Task.WaitAny(hashing);
                _ = hashing.Exception; // observed: its error is not the answer
            }
            _stop.Dispose();
        }
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

    /// <summary>
    /// Reads a stream in chunks that end at a line's end (the last chunk at the stream's end), into two buffers in turn: a chunk
    /// stays valid until the next-but-one call. A UTF-8 BOM is skipped.
    /// </summary>
    private sealed class ChunkReader(Stream stream, int chunkBytes)
    {
        // Two arrays for a whole verification (not pooled: a chunk may still be read by the pool's threads when one returns).
        private readonly byte[][] _buffers = [new byte[chunkBytes], new byte[chunkBytes]];
        private int _current;
        private int _filled;
        private int _consumed;
        private bool _ended;
        private bool _started;

        public ReadOnlyMemory<byte>? Next(CancellationToken cancellationToken)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (_started)
            {
                // What the last chunk left (a line begun) moves to the other buffer, the one of the chunk before it.
                var other = 1 - _current;
                var left = _filled - _consumed;
                if (_buffers[other].Length < left)
                {
                    _buffers[other] = new byte[_buffers[_current].Length];
                }
                _buffers[_current].AsSpan(_consumed, left).CopyTo(_buffers[other]);
                _current = other;
                _filled = left;
                _consumed = 0;
            }
            while (true)
            {
                var buffer = _buffers[_current];
                while (!_ended && _filled < buffer.Length)
                {
                    var read = stream.Read(buffer, _filled, buffer.Length - _filled);
                    if (read == 0)
                    {
                        _ended = true;
                    }
                    _filled += read;
                }
                if (!_started)
                {
                    _started = true;
                    if (buffer.AsSpan(0, _filled).StartsWith("\uFEFF"u8))
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
                    var all = new ReadOnlyMemory<byte>(buffer, _consumed, _filled - _consumed);
                    _consumed = _filled;
                    return all;
                }
                var last = buffer.AsSpan(_consumed, _filled - _consumed).LastIndexOf((byte)'\n');
                if (last >= 0)
                {
                    var chunk = new ReadOnlyMemory<byte>(buffer, _consumed, last + 1);
                    _consumed += last + 1;
                    return chunk;
                }
                // One line longer than the buffer: grow it, within reason.
                if (buffer.Length >= MaxLineBytes)
                {
                    throw new FormatException("L'export contient une ligne de plus de 64 Mio : ce n'est pas un export du journal.");
                }
                var larger = new byte[buffer.Length * 2];
                buffer.AsSpan(_consumed, _filled - _consumed).CopyTo(larger);
                _filled -= _consumed;
                _consumed = 0;
                _buffers[_current] = larger;
            }
        }
    }
}
