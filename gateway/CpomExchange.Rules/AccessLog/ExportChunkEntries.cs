namespace CpomExchange.Rules.AccessLog;

/// <summary>How an entry line of an export was read by <see cref="ExportChunkEntries.Read"/>.</summary>
internal enum LineKind : byte
{
    /// <summary>An empty line: skipped.</summary>
    Empty,

    /// <summary>
    /// In the gateway's exact shape (<see cref="CanonicalEntryLine"/>), of the log being verified, its stored leaf equal to
    /// the leaf of its bytes: its sequence number, leaf and previous leaf hash are what the ordered checks need.
    /// </summary>
    Shaped,

    /// <summary>Read by <see cref="ExportEntryParser"/> into a <see cref="Utf8Entry"/>, its leaf computed: checked in full.</summary>
    Parsed,

    /// <summary>Read by neither: the former parser reads it (and gives its error if it cannot).</summary>
    Former,
}

/// <summary>
/// What <see cref="ExportStreamVerifier"/> keeps of one chunk's entry lines, read and hashed on every processor (one line
/// per call of <see cref="Read"/>, any thread), then checked in order. Reused from chunk to chunk: 72 bytes per line
/// in flat arrays, and a <see cref="Utf8Entry"/> only for the lines the fast path leaves.
/// </summary>
internal sealed class ExportChunkEntries
{
    private const int HashBytes = 32;

    private byte[] _leaves = [];
    private byte[] _previous = [];
    private readonly byte[] _previousOne = new byte[HashBytes];

    public LineKind[] Kinds { get; private set; } = [];

    public long[] Seqs { get; private set; } = [];

    public Utf8Entry?[] Parsed { get; private set; } = [];

    /// <summary>Room for <paramref name="count"/> lines.</summary>
    public void Ensure(int count)
    {
        if (Kinds.Length >= count)
        {
            return;
        }
        Kinds = new LineKind[count];
        Seqs = new long[count];
        _leaves = new byte[count * HashBytes];
        _previous = new byte[count * HashBytes];
        var parsed = Parsed;
        Array.Resize(ref parsed, count);
        Parsed = parsed;
    }

    /// <summary>
    /// Reads line <paramref name="k"/> of the chunk: in the gateway's shape if it is, its controller's value
    /// <paramref name="controllerValue"/> (null: no line takes that path) and its stored leaf that of its bytes; else
    /// through <see cref="ExportEntryParser"/>; else left to the former parser.
    /// </summary>
    public void Read(int k, ReadOnlySpan<byte> line, bool empty, byte[]? controllerValue)
    {
        if (empty)
        {
            Kinds[k] = LineKind.Empty;
            return;
        }
        var leaf = _leaves.AsSpan(k * HashBytes, HashBytes);
        Span<byte> stored = stackalloc byte[HashBytes];
        if (controllerValue is not null
            && CanonicalEntryLine.TryRead(line, out Seqs[k], out var controller, leaf, _previous.AsSpan(k * HashBytes, HashBytes), stored)
            && line[controller].SequenceEqual(controllerValue)
            && leaf.SequenceEqual(stored)) // a public hash: an ordinary comparison (see LogVerifier.Run.Link)
        {
            Kinds[k] = LineKind.Shaped;
            return;
        }
        // Any other line, or any mismatch (another log, another leaf): the verdict and message are the full check's.
        var entry = Parsed[k] ??= new Utf8Entry();
        if (ExportEntryParser.TryParse(line, entry))
        {
            entry.LeafHash(leaf);
            Kinds[k] = LineKind.Parsed;
            return;
        }
        Kinds[k] = LineKind.Former;
    }

    /// <summary>Line <paramref name="k"/>'s leaf.</summary>
    public ReadOnlySpan<byte> Leaf(int k) => _leaves.AsSpan(k * HashBytes, HashBytes);

    /// <summary>A <see cref="LineKind.Shaped"/> line's previous leaf hash, in an array reused by the next call.</summary>
    public byte[] Previous(int k)
    {
        _previous.AsSpan(k * HashBytes, HashBytes).CopyTo(_previousOne);
        return _previousOne;
    }
}
