using System.Security.Cryptography;
using System.Text;
using CpomExchange.Rules.Csv;
using CpomExchange.Rules.Errors;
using CpomExchange.Rules.Pseudonymisation;
using CsvHelper;
using CsvRow = CpomExchange.Rules.Csv.CsvRow;
using CpomExchange.Tests.Shared;

namespace CpomExchange.Rules.Tests.Csv;

/// <summary>
/// The row loop in two stages (<c>CsvIngestor.ReadRowsInStagesAsync</c>) against the loop on one thread it
/// replaced (<see cref="CsvIngestOptions.OneStage"/>), over many generated files: the same result (rows,
/// errors with their codes, lines, columns, values and order, the reported cut-off, encoding, separator),
/// the same output bytes, the same rows handed to <see cref="CsvIngestOptions.OnRow"/> with their
/// pseudonyms, the same exception. The input arrives in random chunks, some after a yield, so that the
/// first stage really runs beside the second.
/// </summary>
public sealed class CsvIngestorStagesTests
{
    private static readonly CsvSchema Adherents = CpomExchange.Rules.Policies.PolicyLoader.Load(CpomExchange.Tests.Shared.TestPaths.Policies).Exchanges["adherents"].Schema;
    private static readonly Encoding Windows1252 = GetWindows1252();
    private static readonly byte[] PseudonymKey = RandomNumberGenerator.GetBytes(32);

    /// <summary>A guard against a hang (a stage waiting for the other forever), not a limit on speed.</summary>
    private static readonly TimeSpan HangGuard = TimeSpan.FromMinutes(1);

    private static Encoding GetWindows1252()
    {
        Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);
        return Encoding.GetEncoding(1252);
    }

    private enum Flavour
    {
        Plain,
        Pseudonyms,
        RowCheck,
        FewReported,
        FewRows,
        ShortRecords,
        NoOutput,
    }

    private sealed record Case(string Name, byte[] Bytes, Flavour Flavour, int Seed);

    /// <summary>One row of the kind <paramref name="kind"/> (0: valid; others: one kind of error, or a tricky valid row).</summary>
    private static string Row(int kind, int i, char sep, Random random)
    {
        var siret = TestSirets.Numbered(i);
        var name = "Atelier " + i;
        return kind switch
        {
            1 => $"{siret[..13]}{(char)('0' + ((siret[13] - '0' + 1) % 10))}{sep}{name}{sep}56.10A{sep}12{sep}53000", // wrong check digit
            2 => $"{TestSirets.Numbered(Math.Max(0, i - 1 - random.Next(3)))}{sep}{name}{sep}{sep}{sep}",                          // a duplicate (or itself, first row)
            3 => $"{sep}{name}{sep}{sep}{sep}",                                                                          // required cell empty
            4 => "fin",                                                                                                  // too few fields
            5 => $"{siret}{sep}{name}{sep}{sep}{sep}{sep}en trop",                                                        // a non-empty extra field
            6 => $"{siret}{sep}{name}{sep}{sep}{sep}{sep}",                                                               // an empty extra field: fine
            7 => $"{siret}{sep}ab\"cd{sep}{sep}{sep}",                                                                    // stray quote
            8 => $"{siret}{sep}\"ab\"cd{sep}{sep}{sep}",                                                                  // text after the closing quote
            9 => $"{siret}{sep}\"SARL{sep} \"\"X\"\"\"{sep}{sep}{sep}",                                                   // quoted separator and quotes: fine
            10 => $"{siret}{sep}Ate\u200Blier{sep}{sep}{sep}",                                                            // forbidden character
            11 => $"{siret}{sep}{name}{sep}{sep}12a{sep}",                                                                // not an integer
            12 => $"{siret}{sep}{new string('x', 201)}{sep}{sep}{sep}",                                                   // too long a cell
            13 => string.Empty,                                                                                          // a blank line: skipped
            14 => $"{siret}{sep}\"jamais fermé{sep}{sep}{sep}",                                                           // unterminated quote
            15 => $"{siret}{sep}Société {i}{sep}{sep}{sep}",                                                              // accented: the encoding is decided here
            _ => $"{siret}{sep}{name}{sep}56.10A{sep}{random.Next(1, 500)}{sep}{random.Next(10_000, 99_999)}",
        };
    }

    private static byte[] File(IReadOnlyList<string> rows, char sep, string newLine, bool bom, bool windows1252, bool header = true, int badByteAtRow = -1, bool trailingNewLine = true)
    {
        var encoding = windows1252 ? Windows1252 : new UTF8Encoding(false);
        var bytes = new List<byte>();
        if (bom && !windows1252)
        {
            bytes.AddRange([0xEF, 0xBB, 0xBF]);
        }
        if (header)
        {
            bytes.AddRange(encoding.GetBytes($"siret{sep}raison_sociale{sep}code_naf{sep}effectif{sep}code_postal{newLine}"));
        }
        for (var r = 0; r < rows.Count; r++)
        {
            if (r == badByteAtRow)
            {
                // Undefined in Windows-1252 and not a UTF-8 sequence: a decoding error at this row.
                bytes.AddRange(encoding.GetBytes(TestSirets.Numbered(r) + sep));
                bytes.Add(0x81);
                bytes.AddRange(encoding.GetBytes($"x{sep}{sep}{sep}"));
            }
            else
            {
                bytes.AddRange(encoding.GetBytes(rows[r]));
            }
            if (r < rows.Count - 1 || trailingNewLine)
            {
                bytes.AddRange(encoding.GetBytes(newLine));
            }
        }
        return [.. bytes];
    }

    private static List<string> Rows(int count, char sep, Random random, double errorRate, params (int Row, int Kind)[] forced)
    {
        var rows = new List<string>(count);
        for (var i = 0; i < count; i++)
        {
            var kind = random.NextDouble() < errorRate ? random.Next(1, 16) : 0;
            rows.Add(Row(kind, i, sep, random));
        }
        foreach (var (row, kind) in forced)
        {
            if (row >= 0 && row < count)
            {
                rows[row] = Row(kind, row, sep, random);
            }
        }
        return rows;
    }

    private static IEnumerable<Case> Cases()
    {
        var batch = CsvIngestor.RowsPerBatch;
        var random = new Random(20261202);
        var flavours = Enum.GetValues<Flavour>();
        var n = 0;
        Case Make(string name, byte[] bytes) => new(name, bytes, flavours[n % flavours.Length], n++);

        // Edge cases, each under every flavour.
        foreach (var flavour in flavours)
        {
            var f = (int)flavour;
            yield return new("empty", [], flavour, f);
            yield return new("header only", File([], ';', "\r\n", true, false), flavour, f);
            yield return new("header only, no new line", Encoding.UTF8.GetBytes("siret;raison_sociale"), flavour, f);
            yield return new("wrong header", File(Rows(batch + 3, ';', random, 0.1), ';', "\n", false, false).Skip(5).ToArray(), flavour, f);
            yield return new("3 valid rows", File(Rows(3, ';', random, 0), ';', "\r\n", true, false), flavour, f);
            yield return new("one row, no new line", File(Rows(1, ',', random, 0), ',', "\n", false, false, trailingNewLine: false), flavour, f);
            foreach (var count in new[] { batch - 1, batch, batch + 1, 2 * batch, 2 * batch + 1, 7 * batch + 13 })
            {
                yield return new($"{count} valid rows", File(Rows(count, ';', random, 0), ';', "\r\n", true, false), flavour, f);
                foreach (var at in new[] { 0, batch - 1, batch, count - 1 })
                {
                    foreach (var kind in new[] { 1, 2, 4, 5, 7, 14 })
                    {
                        yield return new($"{count} rows, error {kind} at row {at}", File(Rows(count, ';', random, 0, (at, kind)), ';', "\r\n", true, false), flavour, f);
                    }
                    yield return new($"{count} rows, bad byte at row {at}", File(Rows(count, ';', random, 0), ';', "\n", false, false, badByteAtRow: at), flavour, f);
                    yield return new($"{count} rows, bad byte at row {at}, after an accent", File(Rows(count, ';', random, 0, (0, 15)), ';', "\n", false, false, badByteAtRow: Math.Max(at, 1)), flavour, f);
                }
            }
            // A record over the limit (ShortRecords' 1 KiB, or the default 64 KiB), in the middle of the second batch.
            var longRows = Rows(2 * batch + 5, ';', random, 0.02);
            longRows[batch + 40] = $"{TestSirets.Numbered(batch + 40)};{new string('y', 70_000)};;;";
            yield return new("a record over the limit", File(longRows, ';', "\r\n", true, false), flavour, f);
            // Errors only: the reader's errors fill batches before their rows do.
            yield return new("too few fields everywhere", File(Enumerable.Repeat("fin", 3 * batch + 7).ToList(), ';', "\n", false, false), flavour, f);
            yield return new("stray quotes everywhere", File(Rows(3 * batch, ',', random, 0).Select(r => r.Replace("Atelier", "At\"elier", StringComparison.Ordinal)).ToList(), ',', "\n", false, false), flavour, f);
        }

        // Random files: sizes around the batches, every error kind, both separators, both encodings, BOM or not, CRLF or LF.
        for (var i = 0; i < 160; i++)
        {
            var count = random.Next(4) switch
            {
                0 => random.Next(0, 6),
                1 => batch + random.Next(-3, 4),
                2 => random.Next(0, 4 * batch),
                _ => random.Next(4 * batch, 12 * batch),
            };
            var sep = random.Next(2) == 0 ? ';' : ',';
            var errorRate = random.Next(3) switch { 0 => 0, 1 => 0.002, _ => 0.05 };
            var windows1252 = random.Next(4) == 0;
            var bad = random.Next(8) == 0 ? random.Next(Math.Max(1, count)) : -1;
            yield return Make($"random {i}: {count} rows, '{sep}', error rate {errorRate}, {(windows1252 ? "1252" : "utf-8")}, bad byte at {bad}",
                File(Rows(count, sep, random, errorRate), sep, random.Next(2) == 0 ? "\r\n" : "\n", random.Next(2) == 0, windows1252, badByteAtRow: bad,
                    trailingNewLine: random.Next(4) != 0));
        }
    }

    /// <summary>What one run gave: everything a caller of <see cref="CsvIngestor.IngestAsync"/> can see.</summary>
    private sealed record Outcome(string? Exception, long Rows, long ErrorCount, string Errors, string? Encoding, char Separator, bool IsValid, string Output, string Handed);

    private static async Task<Outcome> RunAsync(Case c, bool oneStage, Func<CsvRow, ValueTask>? onRowExtra = null)
    {
        using var pseudonymiser = new Pseudonymiser(PseudonymKey, 1);
        var handed = new StringBuilder();
        var options = new CsvIngestOptions
        {
            OneStage = oneStage,
            Pseudonymiser = c.Flavour is Flavour.Pseudonyms or Flavour.RowCheck or Flavour.FewRows ? pseudonymiser : null,
            MaxReportedErrors = c.Flavour == Flavour.FewReported ? 3 : 1000,
            MaxRows = c.Flavour == Flavour.FewRows ? 2 * CsvIngestor.RowsPerBatch + 7 : 5_000_000,
            MaxRecordBytes = c.Flavour == Flavour.ShortRecords ? 1024 : 64 * 1024,
            // Every seventh line refused by the row check (the one-row-at-a-time path).
            RowCheck = c.Flavour == Flavour.RowCheck
                ? row => ValueTask.FromResult(row.Line % 7 == 3 ? new RowProblem("siret", "TEST-ROW", $"ligne {row.Line}") : null)
                : null,
            OnRow = async row =>
            {
                handed.Append(row.Line).Append('|').AppendJoin(';', row.Cells).Append('|').Append(row.Subject(0)).Append('\n');
                if (onRowExtra is not null)
                {
                    await onRowExtra(row);
                }
            },
        };
        using var output = new MemoryStream();
        CsvIngestResult? result = null;
        string? exception = null;
        try
        {
            var input = new TrickleStream(c.Bytes, c.Seed);
            if (c.Flavour == Flavour.NoOutput)
            {
                result = await CsvIngestor.IngestAsync(input, Adherents, null, options).WaitAsync(HangGuard);
            }
            else
            {
                await using var writer = CsvWriter.Create(output, CsvIngestor.OutputOptions, leaveOpen: true);
                result = await CsvIngestor.IngestAsync(input, Adherents, writer, options).WaitAsync(HangGuard);
            }
        }
#pragma warning disable CA1031 // The exception is part of the outcome compared.
        catch (Exception e)
#pragma warning restore CA1031
        {
            exception = $"{e.GetType().FullName}: {e.Message}";
        }
        return new Outcome(exception, result?.Rows ?? -1, result?.ErrorCount ?? -1,
            result is null ? string.Empty : string.Join("\n", result.Errors.Select(e => $"{e.Line}|{e.Column}|{e.Value}|{e.Code}|{e.Reason}")),
            result?.Encoding, result?.Separator ?? '\0', result?.IsValid ?? false, Convert.ToHexString(output.ToArray()), handed.ToString());
    }

    [Fact]
    public async Task Two_stages_give_exactly_what_one_thread_gave_on_every_generated_file()
    {
        var cases = Cases().ToList();
        var kinds = new HashSet<string>();
        foreach (var c in cases)
        {
            var expected = await RunAsync(c, oneStage: true);
            var actual = await RunAsync(c, oneStage: false);
            Assert.True(expected == actual, $"{c.Name} ({c.Flavour}):\n one stage {Describe(expected)}\n two       {Describe(actual)}\n"
                + FirstDifference(expected.Errors, actual.Errors) + FirstDifference(expected.Handed, actual.Handed) + FirstDifference(expected.Output, actual.Output));
            kinds.UnionWith(expected.Errors.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(e => e.Split('|')[3]));
            if (expected.Exception is { } e)
            {
                kinds.Add(e);
            }
        }
        // The generated files reach every error the stages place (so that the comparison above compared them).
        foreach (var code in new[] { ErrorCatalog.BadQuotes, ErrorCatalog.FieldCount, ErrorCatalog.TooManyRows, ErrorCatalog.BadEncoding, ErrorCatalog.RecordTooLong, ErrorCatalog.DuplicateSiret, ErrorCatalog.Empty, ErrorCatalog.NoRows, "TEST-ROW" })
        {
            Assert.Contains(kinds, k => k.StartsWith(code, StringComparison.Ordinal));
        }
    }

    private static string Describe(Outcome o) =>
        $"exception {o.Exception ?? "none"}, rows {o.Rows}, errors {o.ErrorCount}, encoding {o.Encoding}, separator '{o.Separator}', valid {o.IsValid}, output {o.Output.Length / 2} bytes, handed {o.Handed.Count(ch => ch == '\n')} rows";

    private static string FirstDifference(string a, string b)
    {
        var i = 0;
        while (i < a.Length && i < b.Length && a[i] == b[i])
        {
            i++;
        }
        return i == a.Length && i == b.Length ? string.Empty
            : $" first difference at {i}: «{a.Substring(Math.Max(0, i - 60), Math.Min(a.Length, i + 60) - Math.Max(0, i - 60))}» against «{b.Substring(Math.Max(0, i - 60), Math.Min(b.Length, i + 60) - Math.Max(0, i - 60))}»\n";
    }

    [Fact]
    public async Task A_failure_of_the_checks_stops_the_reading_and_surfaces_as_on_one_thread()
    {
        var batch = CsvIngestor.RowsPerBatch;
        var random = new Random(7);
        var c = new Case("OnRow fails", File(Rows(20 * batch, ';', random, 0), ';', "\r\n", true, false), Flavour.Pseudonyms, 3);
        ValueTask Fail(CsvRow row) => row.Line == batch + 50 ? throw new InvalidOperationException($"échec à la ligne {row.Line}") : ValueTask.CompletedTask;

        var expected = await RunAsync(c, oneStage: true, Fail);
        var actual = await RunAsync(c, oneStage: false, Fail);

        Assert.Equal($"System.InvalidOperationException: échec à la ligne {batch + 50}", expected.Exception);
        Assert.Equal(expected, actual);
    }

    [Fact]
    public async Task A_failure_of_the_checks_cancels_a_read_that_waits_for_the_connection()
    {
        var batch = CsvIngestor.RowsPerBatch;
        var bytes = File(Rows(3 * batch, ';', new Random(11), 0), ';', "\r\n", true, false);
        // The client sends three batches' worth, then nothing: the first stage waits in a read.
        var input = new StalledStream(bytes);
        var options = new CsvIngestOptions
        {
            OnRow = row => row.Line == batch + 10 ? throw new InvalidOperationException("échec") : ValueTask.CompletedTask,
        };

        var ingest = CsvIngestor.IngestAsync(input, Adherents, null, options);
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => ingest.WaitAsync(HangGuard));

        Assert.Equal("échec", e.Message);
        Assert.True(input.StalledReadCancelled, "the stalled read was not cancelled");
    }

    [Fact]
    public async Task Cancelled_by_the_caller_mid_file_both_stages_stop_with_an_OperationCanceledException()
    {
        var expected = await CancelledAsync(oneStage: true);
        var actual = await CancelledAsync(oneStage: false);

        Assert.True(actual.StalledReadCancelled, "the stalled read was not cancelled");
        Assert.Equal(expected, actual);
        // The token is looked at by the reads: every row the reader gave before the stall was checked and handed on.
        Assert.Equal(3 * CsvIngestor.RowsPerBatch - 1, actual.Handed);
    }

    private static async Task<(bool StalledReadCancelled, long Handed)> CancelledAsync(bool oneStage)
    {
        var batch = CsvIngestor.RowsPerBatch;
        var bytes = File(Rows(3 * batch, ';', new Random(13), 0), ';', "\r\n", true, false);
        var input = new StalledStream(bytes);
        using var cancel = new CancellationTokenSource();
        var handed = 0L;
        var options = new CsvIngestOptions
        {
            OneStage = oneStage,
            OnRow = row =>
            {
                if (++handed == batch + 10)
                {
                    cancel.Cancel();
                }
                return ValueTask.CompletedTask;
            },
        };

        var ingest = CsvIngestor.IngestAsync(input, Adherents, null, options, cancel.Token);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => ingest.WaitAsync(HangGuard));
        return (input.StalledReadCancelled, handed);
    }

    /// <summary>Gives its bytes in random chunks, some after a yield to the thread pool.</summary>
    private sealed class TrickleStream(byte[] bytes, int seed) : ReadOnlyTestStream
    {
        private readonly Random _random = new(seed);
        private int _position;

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (_random.Next(4) == 0)
            {
                await Task.Yield();
            }
            var n = Math.Min(Math.Min(buffer.Length, bytes.Length - _position), 1 + _random.Next(8192));
            bytes.AsMemory(_position, n).CopyTo(buffer);
            _position += n;
            return n;
        }

        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();
        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
    }

    /// <summary>Gives its bytes, then waits for more that never come, until its read is cancelled.</summary>
    private sealed class StalledStream(byte[] bytes) : ReadOnlyTestStream
    {
        private int _position;

        public bool StalledReadCancelled { get; private set; }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_position == bytes.Length)
            {
                try
                {
                    await Task.Delay(Timeout.Infinite, cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    StalledReadCancelled = true;
                    throw;
                }
            }
            var n = Math.Min(Math.Min(buffer.Length, bytes.Length - _position), 4096);
            bytes.AsMemory(_position, n).CopyTo(buffer);
            _position += n;
            return n;
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
    }
}
