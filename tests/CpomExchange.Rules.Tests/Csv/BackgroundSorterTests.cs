using CpomExchange.Rules.Csv;
using CpomExchange.Rules.Errors;

namespace CpomExchange.Rules.Tests.Csv;

/// <summary>
/// The sorter whose full runs are sorted and written in the background
/// (<see cref="ExternalSorter{T}.InBackground"/>) against the one that does it on the caller's
/// thread: the same values in the same order, the same runs on disk, the same quota.
/// </summary>
public sealed class BackgroundSorterTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("cpom-bgsorter-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData(0, 100)]
    [InlineData(100, 100)]
    [InlineData(101, 100)]
    [InlineData(25_001, 1_000)]
    [InlineData(100_000, 4_096)]
    [InlineData(300_000, 65_536)]
    public void InBackground_GivesWhatTheForegroundSorterGives_WithTheSameRunsOnDisk(int count, int runLength)
    {
        var random = new Random(count + runLength);
        // Many duplicates, and values that differ only in their high half (UInt128's order).
        var values = Enumerable.Range(0, count).Select(_ => new UInt128((ulong)random.Next(3), (ulong)random.NextInt64(0, count / 3 + 1))).ToList();
        using var foreground = new ExternalSorter<UInt128>(runLength, _dir);
        using var background = ExternalSorter<UInt128>.InBackground(_dir, runLength: runLength);
        foreach (var v in values)
        {
            foreground.Add(v);
            background.Add(v);
        }

        Assert.Equal(foreground.SpilledRuns, background.SpilledRuns);
        Assert.Equal(count / runLength - (count % runLength == 0 && count > 0 ? 1 : 0), background.SpilledRuns);
        var sorted = background.Sorted().ToList();
        Assert.Equal(count, sorted.Count);
        Assert.Equal(foreground.Sorted(), sorted);
        Assert.Equal(values.Order(), sorted);
    }

    [Fact]
    public void InBackground_RunsBeyondTheQuota_AreRefusedOnTheCallersThread_AndClosingDeletesEveryRun()
    {
        const int runLength = 1_000;
        var runBytes = (long)runLength * 16 + (4 + 12 + 16);
        var quota = new SpillQuota(2 * runBytes);
        using (var sorter = ExternalSorter<UInt128>.InBackground(_dir, quota, runLength))
        {
            for (var i = 0; i < 3 * runLength; i++)
            {
                sorter.Add((UInt128)i);
            }
            Assert.Equal(2, sorter.SpilledRuns);
            Assert.Equal(2 * runBytes, quota.UsedBytes);
            // The third full run does not fit: refused when it is handed over, before any file.
            Assert.Throws<SpillQuotaExceededException>(() => sorter.Add(0));
            Assert.Equal(2, Directory.GetFiles(_dir).Length);
        }
        Assert.Equal(0, quota.UsedBytes);
        Assert.Empty(Directory.GetFiles(_dir));
    }
}
