using System.Security.Cryptography;
using System.Text;
using CpomExchange.Infrastructure.Payloads;
using CpomExchange.Rules.Csv;
using CpomExchange.Rules.Pseudonymisation;
using CsvHelper;

namespace CpomExchange.Bench.Crypto;

/// <summary>
/// The pieces of B1's per-row processor time changed by rowcost19, each beside the form it replaced,
/// in the same process and minutes (crypto suite): 8 against 16 hash lanes, CsvHelper's writer against
/// the direct UTF-8 row writer; and the sorters' runs (131,072 values: the subject index's pseudonyms,
/// the SIRETs with their lines) sorted by comparison against <see cref="RadixSort"/>. (rowcost19's
/// in-place radix sort, measured on a loaded machine, was dropped; the seventh session's LSD sort with a
/// scratch run was adopted: BENCHMARKS.md.)
/// </summary>
internal static class RowCostProbes
{
    public static async Task RunAsync(Report report, string[] sirets)
    {
        var count = sirets.Length / 32 * 32;
        report.Progress("crypto: per-row pieces (lanes, sorted runs, row writer)");
        var messages = new byte[count * 28];
        for (var i = 0; i < count; i++)
        {
            "cpom/siret/v1:"u8.CopyTo(messages.AsSpan(i * 28));
            Encoding.ASCII.GetBytes(sirets[i], messages.AsSpan(i * 28 + 14, 14));
        }
        var lengths = Enumerable.Repeat(28, 32).ToArray();
        var macs = new byte[32 * 32];
        using var hmac = new ShortMessageHmac(RandomNumberGenerator.GetBytes(32));
        foreach (var group in new[] { 8, 16, 8, 16 })
        {
            var probe = Probe.Start();
            for (var i = 0; i < count; i += 32)
            {
                hmac.ComputeMany(messages.AsSpan(i * 28, 32 * 28), lengths, macs, group);
            }
            report.Add($"lanes{group}.cpu", $"HMAC of 28-byte messages, batches of 32, {group} lanes: processor time per message", probe.CpuSeconds * 1e6 / count, "us");
        }

        // The sorters' runs: random pseudonyms, and SIRETs (some twice) with their lines in file order.
        const int runLength = ExternalSorter<UInt128>.DefaultRunLength / 2;
        var random = new Random(17);
        var pseudonyms = new UInt128[runLength];
        var siretsAt = new UniqueValues.SiretAt[runLength];
        for (var i = 0; i < runLength; i++)
        {
            pseudonyms[i] = new UInt128((ulong)random.NextInt64() ^ ((ulong)random.Next() << 40), (ulong)random.NextInt64());
            siretsAt[i] = new UniqueValues.SiretAt(long.Parse(sirets[random.Next(sirets.Length)], System.Globalization.CultureInfo.InvariantCulture), i + 2);
        }
        var work128 = new UInt128[runLength];
        var scratch128 = new UInt128[runLength];
        var workAt = new UniqueValues.SiretAt[runLength];
        var scratchAt = new UniqueValues.SiretAt[runLength];
        const int runs = 40;
        foreach (var radix in new[] { false, true, false, true, false, true })
        {
            var probe = Probe.Start();
            for (var r = 0; r < runs; r++)
            {
                pseudonyms.CopyTo(work128, 0);
                if (radix)
                {
                    RadixSort.Sort(work128, scratch128);
                }
                else
                {
                    work128.AsSpan().Sort();
                }
            }
            var perPseudonym = probe.CpuSeconds * 1e9 / ((double)runs * runLength);
            probe = Probe.Start();
            for (var r = 0; r < runs; r++)
            {
                siretsAt.CopyTo(workAt, 0);
                if (radix)
                {
                    RadixSort.Sort<UniqueValues.SiretAt, UniqueValues.SiretAt>(workAt, scratchAt);
                }
                else
                {
                    workAt.AsSpan().Sort();
                }
            }
            var perSiret = probe.CpuSeconds * 1e9 / ((double)runs * runLength);
            var name = radix ? "radix" : "introsort";
            report.Add($"sort.{name}.pseudonym", $"a run of {runLength:N0} pseudonyms sorted by {(radix ? "RadixSort" : "comparison (IntroSort)")}: processor time per value (copy included)", perPseudonym, "ns");
            report.Add($"sort.{name}.siret", $"a run of {runLength:N0} SIRETs with their lines sorted the same way: processor time per value", perSiret, "ns");
        }

        // The adherents' delivered rows: SIRET, name, postal code, headcount.
        var rows = sirets.Take(1_000_000).Select((s, i) => new[] { s, "Établissement n° " + i, "75011", (i % 500).ToString(System.Globalization.CultureInfo.InvariantCulture) }).ToArray();
        foreach (var direct in new[] { false, true, false, true, false, true })
        {
            using var sink = new MemoryStream();
            var probe = Probe.Start();
            if (direct)
            {
                await using var writer = new Utf8RowWriter(sink);
                await writer.WriteAsync(null, ["siret", "nom", "code_postal", "effectif"], CancellationToken.None);
                foreach (var row in rows)
                {
                    await writer.WriteAsync(null, row, CancellationToken.None);
                    TruncateWhenLarge(sink);
                }
            }
            else
            {
                await using var writer = CsvWriter.Create(sink, CsvIngestor.OutputOptions, leaveOpen: true);
                writer.WriteHeader(["siret", "nom", "code_postal", "effectif"]);
                foreach (var row in rows)
                {
                    await writer.WriteRecordAsync(row);
                    TruncateWhenLarge(sink);
                }
            }
            report.Add(direct ? "rowwriter.cpu" : "csvhelper.cpu", $"delivered CSV row written by {(direct ? "Utf8RowWriter" : "CsvHelper")}: processor time per row",
                probe.CpuSeconds * 1e6 / rows.Length, "us");
        }
    }

    private static void TruncateWhenLarge(MemoryStream stream)
    {
        if (stream.Length > 1 << 20)
        {
            stream.SetLength(0);
        }
    }
}
