using CpomExchange.Tests.Shared;
using System.Text;
using CpomExchange.Rules.Csv;

namespace CpomExchange.Rules.Tests.Csv;

/// <summary>Memory is measured for the whole process: nothing else runs beside these tests.</summary>
[CollectionDefinition(nameof(MemoryMeasurement), DisableParallelization = true)]
public sealed class MemoryMeasurement;

/// <summary>Streaming, measured: a file larger than what the ingestor may hold goes through in bounded memory.</summary>
[Collection(nameof(MemoryMeasurement))]
public sealed class CsvIngestorMemoryTests
{
    private static readonly CsvSchema Adherents = CpomExchange.Rules.Policies.PolicyLoader.Load(CpomExchange.Tests.Shared.TestPaths.Policies).Exchanges["adherents"].Schema;

    /// <summary>
    /// A CSV of <paramref name="rows"/> distinct valid SIRETs, made as it is read: it never exists whole,
    /// in memory or on disk, so what the ingestor holds is what it keeps itself.
    /// </summary>
    private sealed class GeneratedCsv(int rows) : ReadOnlyTestStream
    {
        private readonly IEnumerator<string> _sirets = CpomExchange.Tests.Shared.TestSirets.From().Take(rows).GetEnumerator();
        private byte[] _pending = Encoding.ASCII.GetBytes("siret\r\n");
        private int _offset;

        /// <summary>Header and rows: 7 + 16 bytes a row.</summary>
        public long Size { get; } = 7 + 16L * rows;

        public long BytesRead { get; private set; }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var written = 0;
            while (written < buffer.Length)
            {
                if (_offset == _pending.Length)
                {
                    if (!_sirets.MoveNext())
                    {
                        break;
                    }
                    _pending = Encoding.ASCII.GetBytes(_sirets.Current + "\r\n");
                    _offset = 0;
                }
                var n = Math.Min(buffer.Length - written, _pending.Length - _offset);
                _pending.AsSpan(_offset, n).CopyTo(buffer[written..]);
                _offset += n;
                written += n;
            }
            BytesRead += written;
            return written;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            Task.FromResult(Read(buffer.AsSpan(offset, count)));

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(Read(buffer.Span));

        public override long Position => BytesRead;

        protected override void Dispose(bool disposing)
        {
            _sirets.Dispose();
            base.Dispose(disposing);
        }
    }

    [Fact]
    public async Task LargeFile_IsStreamed_InMemoryFarBelowItsSize()
    {
        // 2,000,000 rows, 32 MB of CSV (and several times that as .NET strings): holding the file,
        // its rows or its SIRETs would take far more than the bound below. What the ingestor may
        // hold: one run of its external sort (256 Ki SIRETs of 16 bytes, 4 MiB) and its buffers.
        const int rows = 2_000_000;
        using var file = new GeneratedCsv(rows);
        var spill = Directory.CreateTempSubdirectory("cpom-memory-").FullName;
        try
        {
            var baseline = GC.GetTotalMemory(forceFullCollection: true);
            long peak = 0;
            var seen = 0;
            var samples = 0;
            var options = new CsvIngestOptions
            {
                SpillDirectory = spill,
                OnRow = _ =>
                {
                    // The live heap (after a full collection) every 100,000 rows while the file flows.
                    if (++seen % 100_000 == 0)
                    {
                        peak = Math.Max(peak, GC.GetTotalMemory(forceFullCollection: true) - baseline);
                        samples++;
                    }
                    return ValueTask.CompletedTask;
                },
            };
            var result = await CsvIngestor.IngestAsync(file, Adherents, output: null, options);
            peak = Math.Max(peak, GC.GetTotalMemory(forceFullCollection: true) - baseline);

            Assert.True(result.IsValid, string.Join("; ", result.Errors.Take(3)));
            Assert.Equal(rows, result.Rows);
            Assert.Equal(file.Size, file.BytesRead);
            Assert.Equal(rows / 100_000, samples);
            Assert.True(peak < file.Size / 4, $"Live memory grew by {peak:N0} bytes for a file of {file.Size:N0} bytes.");
        }
        finally
        {
            Directory.Delete(spill, recursive: true);
        }
    }
}
