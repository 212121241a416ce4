using System.Security.Cryptography;
using CpomExchange.Rules.AccessLog;

namespace CpomExchange.Rules.Tests.AccessLog;

public sealed class LogVerifierTests : IDisposable
{
    private const string LogId = "prevy";
    private static readonly DateTimeOffset Noon = new(2026, 3, 2, 12, 0, 0, TimeSpan.Zero);

    private readonly ECDsa _key = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    public void Dispose() => _key.Dispose();

    // A log of 10 entries, signed at sizes 4 and 8; its head says 10.
    private sealed record Log(List<StoredEntry> Entries, List<SignedCheckpoint> Checkpoints, LogStart Start, long HeadSize);

    private Log Build(int size = 10, int checkpointEvery = 4, Func<long, AccessLogEntry, AccessLogEntry>? rewrite = null)
    {
        var entries = new List<StoredEntry>();
        var checkpoints = new List<SignedCheckpoint>();
        var range = new CompactRange();
        var previous = new byte[32];
        for (var seq = 0L; seq < size; seq++)
        {
            var entry = new AccessLogEntry(seq, LogId, Noon.AddSeconds(seq), "prevy-agent", "Agent PREVY", "prevy", new string('a', 64), LogActions.Download,
                "adherents", "ds_" + seq, 10 + seq, "carsat-lr", "sinistralite", null, "RGPD art. 6(1)(e)", AccessLogEntry.Allowed, null, "192.0.2.1", "r" + seq, previous);
            entry = rewrite?.Invoke(seq, entry) ?? entry;
            var leaf = entry.LeafHash();
            range.Append(leaf);
            entries.Add(new StoredEntry(entry, leaf));
            previous = leaf;
            if (range.Size % checkpointEvery == 0)
            {
                checkpoints.Add(Sign(new Checkpoint(LogId, range.Size, range.Root(), Noon.AddSeconds(seq))));
            }
        }
        return new Log(entries, checkpoints, LogStart.Empty, size);
    }

    private SignedCheckpoint Sign(Checkpoint checkpoint) => new(checkpoint, "test", _key.SignHash(SignedCheckpoint.Digest(checkpoint)));

    private LogVerification Verify(Log log)
    {
        var spki = _key.ExportSubjectPublicKeyInfo();
        return LogVerifier.Verify(LogId, log.Entries, log.Checkpoints, c => c.VerifyWith(spki), log.Start, log.HeadSize);
    }

    private Task<LogVerification> VerifyAsync(Log log, IAsyncEnumerable<StoredEntry> entries)
    {
        var spki = _key.ExportSubjectPublicKeyInfo();
        return LogVerifier.VerifyAsync(LogId, entries, log.Checkpoints, c => c.VerifyWith(spki), log.Start, log.HeadSize);
    }

    private static async IAsyncEnumerable<StoredEntry> Stream(IEnumerable<StoredEntry> entries, Action? onEach = null)
    {
        foreach (var entry in entries)
        {
            await Task.Yield();
            onEach?.Invoke();
            yield return entry;
        }
    }

    [Fact]
    public void Verify_OfAnIntactLog_ChecksEveryEntryAndCheckpoint()
    {
        var result = Verify(Build());
        Assert.True(result.Valid);
        Assert.Equal(10, result.EntriesChecked);
        Assert.Equal(2, result.CheckpointsChecked);
        Assert.Equal(8, result.LatestCheckpoint!.TreeSize);
        Assert.Equal(2, result.UnsignedTail);
        Assert.Null(result.FirstBadSeq);
    }

    public static TheoryData<string, long, long, int> Tamperings => new()
    {
        // case, first bad entry, entries checked, checkpoints checked
        { "field-changed", 5, 5, 1 },
        { "field-and-leaf-rewritten", 6, 6, 1 },
        { "chain-rewritten", 0, 4, 0 },
        { "entry-deleted", 3, 3, 0 },
        { "entries-swapped", 3, 3, 0 },
        { "entry-duplicated", 3, 4, 1 },
        { "other-log-entry", 2, 2, 0 },
        { "truncated-below-checkpoint", 6, 6, 1 },
        { "truncated-below-head", 9, 9, 2 },
        { "bad-signature", 3, 0, 0 },
    };

    [Theory]
    [MemberData(nameof(Tamperings))]
    public void Verify_OfATamperedLog_NamesTheFirstBadEntry(string tampering, long firstBad, long entriesChecked, int checkpointsChecked)
    {
        var result = Verify(Tamper(tampering));
        Assert.False(result.Valid);
        Assert.Equal(firstBad, result.FirstBadSeq);
        Assert.Equal(entriesChecked, result.EntriesChecked);
        Assert.Equal(checkpointsChecked, result.CheckpointsChecked);
        Assert.NotNull(result.Problem);
    }

    public static TheoryData<string> TamperingNames => new(Tamperings.Select(row => (string)row[0]));

    [Theory]
    [MemberData(nameof(TamperingNames))]
    public async Task VerifyAsync_GivesTheSameVerdictAsVerify(string tampering)
    {
        foreach (var log in new[] { Build(), Tamper(tampering) })
        {
            Assert.Equal(Verify(log), await VerifyAsync(log, Stream(log.Entries)));
        }
    }

    [Fact]
    public async Task VerifyAsync_StopsReadingAtTheFirstBadEntry()
    {
        var log = Tamper("field-changed");
        var read = 0;
        var result = await VerifyAsync(log, Stream(log.Entries, () => read++));
        Assert.Equal(5, result.FirstBadSeq);
        Assert.Equal(6, read);
    }

    [Fact]
    public void Verify_AfterAPurge_StartsFromTheCompactRange()
    {
        var full = Build();
        var range = new CompactRange();
        foreach (var e in full.Entries.Take(4))
        {
            range.Append(e.StoredLeafHash!);
        }
        var purged = full with { Entries = full.Entries.Skip(4).ToList(), Start = new LogStart(4, range, full.Entries[3].StoredLeafHash!) };
        var result = Verify(purged);
        Assert.True(result.Valid);
        Assert.Equal(6, result.EntriesChecked);
        Assert.Equal(2, result.CheckpointsChecked);
    }

    [Fact]
    public void Verify_WithoutStoredLeaves_RecomputesThem()
    {
        var log = Build();
        var result = Verify(log with { Entries = log.Entries.Select(e => e with { StoredLeafHash = null }).ToList() });
        Assert.True(result.Valid);
        Assert.Equal(10, result.EntriesChecked);
    }

    private Log Tamper(string tampering)
    {
        var log = Build();
        var entries = log.Entries;
        switch (tampering)
        {
            case "field-changed":
                entries[5] = entries[5] with { Entry = entries[5].Entry with { Purpose = "ciblage" } };
                break;
            case "field-and-leaf-rewritten":
                var changed = entries[5].Entry with { Purpose = "ciblage" };
                entries[5] = new StoredEntry(changed, changed.LeafHash());
                break;
            case "chain-rewritten":
                // Entry 1 changed and every later leaf and link recomputed: only the signed checkpoints tell.
                return Build(rewrite: (seq, e) => seq == 1 ? e with { Purpose = "ciblage" } : e) with { Checkpoints = log.Checkpoints };
            case "entry-deleted":
                entries.RemoveAt(3);
                break;
            case "entries-swapped":
                (entries[3], entries[4]) = (entries[4], entries[3]);
                break;
            case "entry-duplicated":
                entries.Insert(4, entries[3]);
                break;
            case "other-log-entry":
                entries[2] = entries[2] with { Entry = entries[2].Entry with { Controller = "pst38" } };
                break;
            case "truncated-below-checkpoint":
                entries.RemoveRange(6, 4);
                break;
            case "truncated-below-head":
                entries.RemoveAt(9);
                break;
            case "bad-signature":
                var first = log.Checkpoints[0];
                var signature = (byte[])first.Signature.Clone();
                signature[0] ^= 1;
                log.Checkpoints[0] = first with { Signature = signature };
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(tampering));
        }
        return log;
    }
}
