using CpomExchange.Tests.Shared;
using System.Security.Cryptography;
using System.Text;
using CpomExchange.Rules.AccessLog;

namespace CpomExchange.Rules.Tests.AccessLog;

/// <summary>
/// <see cref="ExportStreamVerifier"/>'s pipeline (chunk k hashed while chunk k-1 is checked and chunk k+1 read), on small chunks
/// so that an export of a few hundred entries spans about thirty: the first bad entry in file order is the answer wherever it
/// lies, an error in reading a later chunk does not hide it, cancellation stops the verification.
/// </summary>
public sealed class ExportStreamPipelineTests : IDisposable
{
    private const string LogId = "prevy";
    private const int Size = 600;
    private const int Every = 100;
    private const int ChunkBytes = 16 * 1024;
    private static readonly DateTimeOffset Noon = new(2026, 12, 2, 12, 0, 0, TimeSpan.Zero);

    private readonly ECDsa _key = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    public void Dispose() => _key.Dispose();

    private static AccessLogEntry Draft(long seq) => new(seq, LogId, Noon.AddMilliseconds(seq * 37), "prevy-agent", "Agent de dépôt PREVY", "prevy",
        new string('a', 64), LogActions.Upload, "adherents", "ds_" + seq.ToString("D12", System.Globalization.CultureInfo.InvariantCulture),
        seq % 7 == 0 ? null : 1_000 + seq, "carsat-lr", "sinistralite", "Campagne CPOM 2026, lot n° " + (seq % 100),
        "RGPD art. 6(1)(e)", AccessLogEntry.Allowed, null, "192.0.2.17", "0HNC4M2J7QK1E:" + seq, new byte[32], null);

    /// <summary>
    /// An export of <see cref="Size"/> entries with one alteration at <paramref name="bad"/>: "leaf" (its stored leaf zeroed),
    /// "link" (its previous leaf hash wrong, the chain and checkpoints built on it), "checkpoint" (its content changed and the
    /// chain rebuilt from it, the checkpoints those of the original log), "none".
    /// </summary>
    private byte[] Export(string kind, long bad)
    {
        var honest = new List<byte[]>();
        var previous = new byte[32];
        for (var seq = 0L; seq < Size; seq++)
        {
            previous = (Draft(seq) with { PreviousLeafHash = previous }).LeafHash();
            honest.Add(previous);
        }
        var lines = new List<string>();
        var leaves = new List<byte[]>();
        previous = new byte[32];
        for (var seq = 0L; seq < Size; seq++)
        {
            var entry = Draft(seq) with { PreviousLeafHash = previous };
            if (seq == bad && kind == "link")
            {
                entry = entry with { PreviousLeafHash = SHA256.HashData("autre"u8) };
            }
            if (seq == bad && kind == "checkpoint")
            {
                entry = entry with { Object = "Campagne CPOM 2026, lot réécrit" };
            }
            var leaf = entry.LeafHash();
            leaves.Add(leaf);
            lines.Add(LogExport.EntryLine(new StoredEntry(entry, seq == bad && kind == "leaf" ? new byte[32] : leaf)));
            previous = leaf;
        }
        var range = new CompactRange();
        var checkpoints = new List<SignedCheckpoint>();
        foreach (var leaf in kind == "checkpoint" ? honest : leaves)
        {
            range.Append(leaf);
            if (range.Size % Every == 0)
            {
                var c = new Checkpoint(LogId, range.Size, range.Root(), Noon.AddSeconds(range.Size));
                checkpoints.Add(new SignedCheckpoint(c, "test", _key.SignHash(SignedCheckpoint.Digest(c))));
            }
        }
        var text = new StringBuilder();
        text.Append(LogExport.HeaderLine(new LogExportHeader(LogId, "test", _key.ExportSubjectPublicKeyInfo(), Noon, 0, new CompactRange().Serialize(),
            new byte[32], Size))).Append('\n');
        checkpoints.ForEach(c => text.Append(LogExport.CheckpointLine(c)).Append('\n'));
        lines.ForEach(l => text.Append(l).Append('\n'));
        return Encoding.UTF8.GetBytes(text.ToString());
    }

    /// <summary>Where each chunk of <paramref name="export"/> begins, as the verifier's reader cuts it (no line longer than a chunk).</summary>
    private static List<int> ChunkStarts(byte[] export, int chunkBytes)
    {
        var starts = new List<int>();
        for (var start = 0; start < export.Length;)
        {
            starts.Add(start);
            if (start + chunkBytes >= export.Length)
            {
                break;
            }
            start += export.AsSpan(start, chunkBytes).LastIndexOf((byte)'\n') + 1;
        }
        return starts;
    }

    /// <summary>Where entry <paramref name="seq"/>'s line begins.</summary>
    private static int LineStart(byte[] export, long seq)
    {
        var at = export.AsSpan().IndexOf(Encoding.UTF8.GetBytes($"\"seq\":{seq},\"controller\""));
        Assert.True(at > 0, $"entry {seq} not found");
        return export.AsSpan(0, at).LastIndexOf((byte)'\n') + 1;
    }

    private static int ChunkOf(List<int> starts, int offset) => starts.FindLastIndex(s => s <= offset);

    private static string Verdict(Stream stream, int chunkBytes, CancellationToken cancellationToken = default)
    {
        var (_, v) = ExportStreamVerifier.Verify(stream, null, cancellationToken, chunkBytes: chunkBytes);
        return $"{v.Valid} | {v.EntriesChecked} | {v.CheckpointsChecked} | {v.FirstBadSeq} | {v.Problem} | {v.UnsignedTail} | {v.LatestCheckpoint?.TreeSize}";
    }

    private static async Task<string> FormerVerdict(byte[] export)
    {
        using var reader = new StreamReader(new MemoryStream(export));
        var (_, v) = await LogExport.VerifyStreamAsync(reader);
        return $"{v.Valid} | {v.EntriesChecked} | {v.CheckpointsChecked} | {v.FirstBadSeq} | {v.Problem} | {v.UnsignedTail} | {v.LatestCheckpoint?.TreeSize}";
    }

    /// <summary>The alteration at <paramref name="where"/>, and the export: "first", "middle", "last" chunk, or "boundary" (the first line of a chunk).</summary>
    private (long Bad, byte[] Export) Place(string kind, string where)
    {
        var bad = where switch { "first" => 2L, "middle" => Size / 2, "last" => Size - 2, _ => -1L };
        if (where != "boundary")
        {
            return (bad, Export(kind, bad));
        }
        // The first entry of the chunk holding the middle one: found on the altered export itself (the alteration may move the cuts).
        bad = Size / 2;
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var export = Export(kind, bad);
            var starts = ChunkStarts(export, ChunkBytes);
            var chunkStart = starts[ChunkOf(starts, LineStart(export, bad))];
            if (chunkStart == LineStart(export, bad))
            {
                return (bad, export);
            }
            bad = Encoding.UTF8.GetString(export.AsSpan(chunkStart, 200)) is var head && head.IndexOf("\"seq\":", StringComparison.Ordinal) is var at && at >= 0
                ? long.Parse(head[(at + 6)..head.IndexOf(',', at)], System.Globalization.CultureInfo.InvariantCulture)
                : throw new InvalidOperationException("no entry at a chunk's start");
        }
        throw new InvalidOperationException("no alteration at a chunk's start found");
    }

    public static TheoryData<string, string> Alterations()
    {
        var data = new TheoryData<string, string>();
        foreach (var kind in new[] { "leaf", "link", "checkpoint" })
        {
            foreach (var where in new[] { "first", "middle", "last", "boundary" })
            {
                data.Add(kind, where);
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Alterations))]
    public async Task VerifyStream_OnManyChunks_GivesTheFirstBadEntryInFileOrder_AsTheFormerPathDoes(string kind, string where)
    {
        var (bad, export) = Place(kind, where);
        var starts = ChunkStarts(export, ChunkBytes);
        var chunk = ChunkOf(starts, LineStart(export, bad));
        Assert.True(starts.Count > 25, $"{starts.Count} chunks");
        Assert.Equal(where switch { "first" => 0, "last" => starts.Count - 1, _ => chunk }, chunk);

        var pipelined = Verdict(new MemoryStream(export), ChunkBytes);

        Assert.Equal(await FormerVerdict(export), pipelined);
        Assert.Equal(Verdict(new MemoryStream(export), 64 * 1024 * 1024), pipelined);
        Assert.StartsWith("False | ", pipelined, StringComparison.Ordinal);
        if (kind != "checkpoint")
        {
            Assert.Contains($" | {bad} | ", pipelined, StringComparison.Ordinal);
        }
        else
        {
            Assert.Contains("point de contrôle", pipelined, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task VerifyStream_OnManyChunks_OfAnIntactExport_IsValid()
    {
        var export = Export("none", -1);
        Assert.True(ChunkStarts(export, ChunkBytes).Count > 25);

        var pipelined = Verdict(new MemoryStream(export), ChunkBytes);

        Assert.Equal(await FormerVerdict(export), pipelined);
        Assert.StartsWith($"True | {Size} | {Size / Every} | ", pipelined, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("leaf")]
    [InlineData("link")]
    public void VerifyStream_AnErrorInReadingTheNextChunk_DoesNotHideABadEntryBeforeIt(string kind)
    {
        var (bad, export) = Place(kind, "middle");
        var starts = ChunkStarts(export, ChunkBytes);
        var chunk = ChunkOf(starts, LineStart(export, bad));
        // Reading the bad entry's chunk succeeds; reading the next one (while the bad one is being hashed) fails.
        var failAt = starts[chunk] + ChunkBytes;

        var verdict = Verdict(new FailingStream(export, failAt), ChunkBytes);

        Assert.Equal(Verdict(new MemoryStream(export), ChunkBytes), verdict);
        Assert.Contains($" | {bad} | ", verdict, StringComparison.Ordinal);
    }

    [Fact]
    public void VerifyStream_AnErrorInReading_WithNoBadEntryBeforeIt_IsThrown()
    {
        var (bad, export) = Place("leaf", "middle");
        var starts = ChunkStarts(export, ChunkBytes);
        // The chunk before the bad entry's fails to be read: its error, not the later entry's verdict.
        var failAt = starts[ChunkOf(starts, LineStart(export, bad)) - 2] + ChunkBytes;

        var error = Assert.Throws<IOException>(() => Verdict(new FailingStream(export, failAt), ChunkBytes));

        Assert.Equal("disque illisible", error.Message);
    }

    [Fact]
    public void VerifyStream_Cancelled_WhileChunksAreInFlight_Throws()
    {
        var export = Export("none", -1);
        using var cancellation = new CancellationTokenSource();
        var stream = new FailingStream(export, export.Length / 2, () => cancellation.Cancel());

        Assert.Throws<OperationCanceledException>(() => Verdict(stream, ChunkBytes, cancellation.Token));
        Assert.True(stream.Position < export.Length, "the verification went on to the end");
    }

    /// <summary>A stream of <paramref name="bytes"/> whose reading fails past <paramref name="failAt"/> (or runs <paramref name="atFailure"/> there and goes on).</summary>
    private sealed class FailingStream(byte[] bytes, int failAt, Action? atFailure = null) : ReadOnlyTestStream
    {
        private int _position;

        public override int Read(byte[] buffer, int offset, int count)
        {
            if (_position >= failAt)
            {
                if (atFailure is null)
                {
                    throw new IOException("disque illisible");
                }
                atFailure();
            }
            var n = Math.Min(count, (_position < failAt ? failAt : bytes.Length) - _position);
            bytes.AsSpan(_position, n).CopyTo(buffer.AsSpan(offset));
            _position += n;
            return n;
        }

        public override long Length => bytes.Length;
        public override long Position => _position;
    }
}
