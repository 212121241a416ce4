using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using CpomExchange.Rules.Csv;
using CpomExchange.Rules.Policies;
using CpomExchange.Rules.Pseudonymisation;

namespace CpomExchange.Bench.Transfer;

/// <summary>
/// <c>ingest-stages [--rows N] [--rounds R]</c>: B1's row loop alone, in this process, without TLS, Kestrel or the
/// payload: <see cref="CsvIngestor.IngestAsync"/> of an N-row <c>adherents</c> file held in memory, with the
/// pseudonymiser and a row handler that does nothing, one stage (<see cref="CsvIngestOptions.OneStage"/>, the
/// former loop) and two stages alternated R times. Prints wall and processor time per row: with two stages on two
/// free processors the wall falls below the processor time.
/// </summary>
internal static class IngestStages
{
    public const string Command = "ingest-stages";

    public static async Task<int> RunAsync(string[] args)
    {
        string? Option(string name) => Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : null;
        var rows = int.Parse(Option("--rows") ?? "1000000", CultureInfo.InvariantCulture);
        var rounds = int.Parse(Option("--rounds") ?? "3", CultureInfo.InvariantCulture);
        var path = Path.Combine(Path.GetTempPath(), "cpom-ingest-" + Guid.NewGuid().ToString("N")[..12] + ".csv");
        try
        {
            await TransferSuite.WriteAdherentsAsync(path, rows, CancellationToken.None);
            var bytes = await File.ReadAllBytesAsync(path);
            var schema = PolicyLoader.Load(Path.Combine(BenchGateway.FindRepository(), "policies")).Exchanges["adherents"].Schema;
            using var pseudonymiser = new Pseudonymiser(RandomNumberGenerator.GetBytes(32), 1);
            foreach (var oneStage in new[] { true, false })
            {
                await OnceAsync(bytes, schema, pseudonymiser, oneStage); // warm-up
            }
            for (var round = 1; round <= rounds; round++)
            {
                foreach (var oneStage in new[] { true, false })
                {
                    var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
                    var watch = Stopwatch.StartNew();
                    var result = await OnceAsync(bytes, schema, pseudonymiser, oneStage);
                    var wall = watch.Elapsed.TotalSeconds;
                    var cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalSeconds;
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"{Command} round {round}, {(oneStage ? "one stage " : "two stages")}: {result.Rows:N0} rows, valid {result.IsValid}, {wall:F3} s wall ({wall * 1e6 / rows:F2} us per row), processor {cpu:F3} s ({cpu * 1e6 / rows:F2} us per row); load average {File.ReadAllText("/proc/loadavg")[..14]}"));
                }
            }
            return 0;
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static Task<CsvIngestResult> OnceAsync(byte[] bytes, CsvSchema schema, Pseudonymiser pseudonymiser, bool oneStage) =>
        CsvIngestor.IngestAsync(new MemoryStream(bytes, writable: false), schema, null, new CsvIngestOptions
        {
            OneStage = oneStage,
            Pseudonymiser = pseudonymiser,
            OnRow = _ => ValueTask.CompletedTask,
        });
}
