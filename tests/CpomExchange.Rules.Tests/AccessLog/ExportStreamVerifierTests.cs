using CpomExchange.Tests.Shared;
using System.Security.Cryptography;
using System.Text;
using CpomExchange.Rules.AccessLog;

namespace CpomExchange.Rules.Tests.AccessLog;

/// <summary><see cref="LogExport.VerifyStream"/>: what <c>cpom audit verify FILE</c> runs on a DPO's machine.</summary>
[Collection(nameof(CpomExchange.Rules.Tests.Csv.MemoryMeasurement))]
public sealed class ExportStreamVerifierTests : IDisposable
{
    private const string LogId = "prevy";
    private static readonly DateTimeOffset Noon = new(2026, 3, 2, 12, 0, 0, TimeSpan.Zero);
    private const string LegalBasis = "RGPD art. 6(1)(e) (mission d'intérêt public) ; Code du travail L. 4622-10 et D. 4622-44 à D. 4622-47 (CPOM)";

    private readonly ECDsa _key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly string _folder = Directory.CreateTempSubdirectory("cpom-export-test-").FullName;

    public void Dispose()
    {
        _key.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    /// <summary>An export as the gateway writes it (header, checkpoints every <paramref name="every"/>, entries), to a file.</summary>
    private string Write(int size, int every = 1000, Func<long, string, string>? rewriteLine = null, string newLine = "\n", bool bom = false,
        Random? random = null)
    {
        var entries = new List<StoredEntry>(size);
        var checkpoints = new List<SignedCheckpoint>();
        var range = new CompactRange();
        var previous = new byte[32];
        for (var seq = 0L; seq < size; seq++)
        {
            // Format 2 and format 1 entries mixed, non-ASCII text, nulls: what real logs hold.
            var entry = new AccessLogEntry(seq, LogId, Noon.AddMilliseconds(seq * 37), "prevy-agent", "Agent de dépôt PREVY", "prevy", new string('a', 64),
                LogActions.Upload, "adherents", "ds_" + seq.ToString("D12", System.Globalization.CultureInfo.InvariantCulture), seq % 7 == 0 ? null : 1_000 + seq,
                "carsat-lr", "sinistralite", "Campagne CPOM 2026, lot n° " + (seq % 100), LegalBasis, AccessLogEntry.Allowed, null, "192.0.2.17",
                "0HNC4M2J7QK1E:" + seq, previous, seq % 3 == 0 ? null : "sha256:" + new string('b', 64));
            if (random is not null)
            {
                // Any text (escapes, control characters, non-ASCII, nulls), both versions, now and then a large entry.
                var any = Utf8EntryTests.RandomEntry(random, large: seq % 1000 == 999);
                entry = any with { Seq = seq, Controller = LogId, PreviousLeafHash = previous, AgentName = "é" + any.AgentName };
            }
            var leaf = entry.LeafHash();
            range.Append(leaf);
            entries.Add(new StoredEntry(entry, leaf));
            previous = leaf;
            if (range.Size % every == 0)
            {
                var checkpoint = new Checkpoint(LogId, range.Size, range.Root(), Noon.AddSeconds(seq));
                checkpoints.Add(new SignedCheckpoint(checkpoint, "test", _key.SignHash(SignedCheckpoint.Digest(checkpoint))));
            }
        }
        var path = Path.Combine(_folder, Guid.NewGuid().ToString("N") + ".jsonl");
        using var writer = new StreamWriter(path, false, new UTF8Encoding(bom)) { NewLine = newLine };
        writer.WriteLine(LogExport.HeaderLine(new LogExportHeader(LogId, "test", _key.ExportSubjectPublicKeyInfo(), Noon, 0, new CompactRange().Serialize(), new byte[32], size)));
        foreach (var c in checkpoints)
        {
            writer.WriteLine(LogExport.CheckpointLine(c));
        }
        foreach (var e in entries)
        {
            var line = LogExport.EntryLine(e);
            writer.WriteLine(rewriteLine?.Invoke(e.Entry.Seq, line) ?? line);
        }
        return path;
    }

    private static (LogExportHeader Header, LogVerification Result) Fast(string path)
    {
        using var stream = File.OpenRead(path);
        return LogExport.VerifyStream(stream);
    }

    private static async Task<(LogExportHeader Header, LogVerification Result)> Former(string path)
    {
        using var reader = File.OpenText(path);
        return await LogExport.VerifyStreamAsync(reader);
    }

    [Fact]
    public void VerifyStream_DoesNotHoldTheFile_ItsLiveMemoryStaysBounded()
    {
        // 80,000 entries: about 66 MiB of export, about 200 MiB if its entries were held in memory.
        const int Size = 80_000;
        const long BoundBytes = 24L * 1024 * 1024;
        var path = Write(Size);
        Assert.True(new FileInfo(path).Length > 2 * BoundBytes, "the export must be larger than the bound for the test to mean anything");

        GC.Collect();
        GC.WaitForPendingFinalizers();
        var baseline = GC.GetTotalMemory(forceFullCollection: true);
        LogVerification result;
        long peakLive;
        using (var stream = new SamplingStream(File.OpenRead(path), sampleEveryBytes: 4 * 1024 * 1024))
        {
            result = LogExport.VerifyStream(stream).Result;
            peakLive = stream.PeakLiveBytes;
            Assert.True(stream.Samples >= 10, $"only {stream.Samples} samples");
        }

        Assert.True(result.Valid, result.Problem);
        Assert.Equal(Size, result.EntriesChecked);
        Assert.Equal(80, result.CheckpointsChecked);
        Assert.True(peakLive - baseline < BoundBytes,
            $"live memory grew by {(peakLive - baseline) / (1024 * 1024)} MiB while reading a {new FileInfo(path).Length / (1024 * 1024)} MiB export");
    }

    public static TheoryData<string> Alterations => new() { "intact", "field", "leaf", "unparsable", "checkpoint-after", "crlf-bom", "unknown-version",
        "random", "random-field", "random-controller", "random-lone-surrogate" };

    [Theory]
    [MemberData(nameof(Alterations))]
    public async Task VerifyStream_GivesTheVerdictOrTheErrorOfTheFormerPath(string alteration)
    {
        var path = alteration switch
        {
            "field" => Write(3_000, rewriteLine: (seq, line) => seq == 2_345 ? line.Replace("\"prevy-agent\"", "\"quelqu-un\"", StringComparison.Ordinal) : line),
            "leaf" => Write(3_000, rewriteLine: (seq, line) => seq == 17
                ? System.Text.RegularExpressions.Regex.Replace(line, "\"leafHash\":\"[^\"]*\"", "\"leafHash\":\"" + Convert.ToBase64String(new byte[32]) + "\"")
                : line),
            "unparsable" => Write(3_000, rewriteLine: (seq, line) => seq == 1_500 ? line[..^5] : line),
            "checkpoint-after" => Write(3_000, rewriteLine: (seq, line) => seq == 2_999 ? line + "\n{\"type\":\"checkpoint\"}" : line),
            "crlf-bom" => Write(3_000, newLine: "\r\n", bom: true),
            "unknown-version" => Write(3_000, rewriteLine: (seq, line) => seq == 10 ? line.Replace("\"v\":2", "\"v\":3", StringComparison.Ordinal) : line),
            "random" => Write(3_000, random: new Random(17)),
            "random-field" => Write(3_000, random: new Random(17),
                rewriteLine: (seq, line) => seq == 1_500 ? line.Replace("\"agentName\":\"", "\"agentName\":\"\\u00e9", StringComparison.Ordinal) : line),
            "random-controller" => Write(3_000, random: new Random(17),
                rewriteLine: (seq, line) => seq == 777 ? line.Replace("\"controller\":\"prevy\"", "\"controller\":\"pr\\u00e9vy\"", StringComparison.Ordinal) : line),
            "random-lone-surrogate" => Write(3_000, random: new Random(17),
                rewriteLine: (seq, line) => seq == 2_000 ? line.Replace("\"agentName\":\"", "\"agentName\":\"\\ud800", StringComparison.Ordinal) : line),
            _ => Write(3_000),
        };
        Exception? formerError = null, fastError = null;
        LogVerification? former = null, fast = null;
        try
        {
            former = (await Former(path)).Result;
        }
        catch (Exception e) when (e is FormatException || alteration == "random-lone-surrogate")
        {
            formerError = e;
        }
        try
        {
            fast = Fast(path).Result;
        }
        catch (Exception e) when (e is FormatException || alteration == "random-lone-surrogate")
        {
            fastError = e;
        }

        Assert.Equal(formerError?.GetType(), fastError?.GetType());
        Assert.Equal(formerError?.Message, fastError?.Message);
        Assert.Equal(Summary(former), Summary(fast));
        if (alteration is "random-lone-surrogate")
        {
            return; // whatever the former path says of it (same verdict or error, above)
        }
        var expectedValid = alteration is "intact" or "crlf-bom" or "random";
        var expectedError = alteration is "unparsable" or "checkpoint-after" or "unknown-version";
        Assert.Equal(expectedError, fastError is not null);
        Assert.Equal(expectedValid, fast?.Valid ?? false);
        if (alteration is "field")
        {
            Assert.Equal(2_345, fast!.FirstBadSeq);
        }
        if (alteration is "random-field")
        {
            Assert.Equal(1_500, fast!.FirstBadSeq);
            Assert.Equal("le contenu de l'entrée n° 1500 a été modifié.", fast.Problem);
        }
        if (alteration is "random-controller")
        {
            Assert.Equal(777, fast!.FirstBadSeq);
            Assert.Equal("l'entrée n° 777 appartient au journal « prévy ».", fast.Problem);
        }
        if (alteration is "leaf")
        {
            Assert.Equal(17, fast!.FirstBadSeq);
        }
    }

    private static string? Summary(LogVerification? v) => v is null ? null
        : $"{v.Valid} {v.EntriesChecked} {v.CheckpointsChecked} {v.FirstBadSeq} {v.Problem} {v.UnsignedTail} {v.LatestCheckpoint?.TreeSize}";

    /// <summary>Samples the process's live managed memory (after a full collection) as the verifier reads.</summary>
    private sealed class SamplingStream(Stream inner, long sampleEveryBytes) : ReadOnlyTestStream
    {
        private long _read;
        private long _nextSample;

        public long PeakLiveBytes { get; private set; }
        public int Samples { get; private set; }

        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = inner.Read(buffer, offset, count);
            _read += n;
            if (_read >= _nextSample)
            {
                _nextSample += sampleEveryBytes;
                PeakLiveBytes = Math.Max(PeakLiveBytes, GC.GetTotalMemory(forceFullCollection: true));
                Samples++;
            }
            return n;
        }

        public override long Length => inner.Length;
        public override long Position => _read;

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }
            base.Dispose(disposing);
        }
    }
}
