using System.Text;
using CpomExchange.Rules.Csv;
using CpomExchange.Tests.Shared;

namespace CpomExchange.Rules.Tests.Csv;

/// <summary>The spool quota: sorted runs are written only within it, and give their bytes back when closed.</summary>
public sealed class SpillQuotaTests : IDisposable
{
    // A run of 1,000 ulongs: 8,000 bytes in two chunks of 4,096 values at most, each with a 32-byte header.
    private const long RunBytes = 8_000 + 32;

    private readonly string _dir = Directory.CreateTempSubdirectory("cpom-quota-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void RunsBeyondTheQuota_AreRefused_BeforeAnythingIsWritten_AndClosingGivesTheBytesBack()
    {
        var quota = new SpillQuota(2 * RunBytes);
        using (var first = new ExternalSorter<ulong>(1_000, _dir, quota))
        {
            for (var i = 0; i < 2_000; i++)
            {
                first.Add((ulong)i);
            }
            // The second run is still in memory; the first is on disk and counted exactly.
            Assert.Equal(1, first.SpilledRuns);
            Assert.Equal(RunBytes, quota.UsedBytes);
            Assert.Equal(RunBytes, new FileInfo(Assert.Single(Directory.GetFiles(_dir))).Length);

            // A second sorter shares the quota: its first run fits, its second does not.
            using var second = new ExternalSorter<ulong>(1_000, _dir, quota);
            for (var i = 0; i < 2_000; i++)
            {
                second.Add((ulong)i);
            }
            Assert.Equal(2 * RunBytes, quota.UsedBytes);
            Assert.Throws<SpillQuotaExceededException>(() => second.Add(1));
            Assert.Equal(2 * RunBytes, quota.UsedBytes);
            Assert.Equal(2, Directory.GetFiles(_dir).Length);
        }
        Assert.Equal(0, quota.UsedBytes);
        Assert.Empty(Directory.GetFiles(_dir));
    }

    [Fact]
    public void ReservationsOfManyThreads_NeverExceedTheQuota()
    {
        var quota = new SpillQuota(1_000);
        var granted = 0;
        Parallel.For(0, 10_000, _ =>
        {
            if (quota.TryReserve(3))
            {
                Interlocked.Increment(ref granted);
            }
        });
        Assert.Equal(333, granted);
        Assert.Equal(999, quota.UsedBytes);
        Assert.False(quota.TryReserve(2));
        Assert.True(quota.TryReserve(1));
    }

    [Fact]
    public async Task IngestingAFileWhoseRunsDoNotFit_StopsWithTheQuotaError_AndLeavesNoRun()
    {
        var text = new StringBuilder("siret;raison_sociale\n");
        foreach (var siret in TestSirets.From().Take(ExternalSorter<ulong>.DefaultRunLength + 10))
        {
            text.Append(siret).Append(";A\n");
        }
        var quota = new SpillQuota(1024 * 1024);
        var schema = CpomExchange.Rules.Policies.PolicyLoader.Load(TestPaths.Policies).Exchanges["adherents"].Schema;
        await Assert.ThrowsAsync<SpillQuotaExceededException>(() => CsvIngestor.IngestAsync(new MemoryStream(Encoding.UTF8.GetBytes(text.ToString())), schema, null,
            new CsvIngestOptions { SpillDirectory = _dir, SpillQuota = quota }));
        Assert.Equal(0, quota.UsedBytes);
        Assert.Empty(Directory.GetFiles(_dir));
    }
}
