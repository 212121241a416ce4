using System.Security.Cryptography;
using System.Text;
using CpomExchange.Rules.AccessLog;

namespace CpomExchange.Rules.Tests.AccessLog;

/// <summary>
/// <see cref="LogExport.VerifyStream"/> with the lines in the gateway's shape hashed as they are (<see cref="CanonicalEntryLine"/>)
/// against the same verifier without that path (every line parsed and re-serialised): the same verdict, message, counts
/// or error for every export, intact or altered.
/// </summary>
public sealed class ExportFastPathTests : IDisposable
{
    private const string LogId = "prevy";
    private readonly ECDsa _key = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    public void Dispose() => _key.Dispose();

    /// <summary>An export's bytes: header, checkpoints every <paramref name="every"/>, then the entry lines (<paramref name="line"/> may rewrite each).</summary>
    private byte[] Export(IReadOnlyList<AccessLogEntry> drafts, int every, Func<int, AccessLogEntry, byte[]> leafOf, Func<int, AccessLogEntry, byte[], byte[]> line)
    {
        var range = new CompactRange();
        var previous = new byte[32];
        var lines = new List<byte[]>();
        var checkpoints = new List<SignedCheckpoint>();
        for (var i = 0; i < drafts.Count; i++)
        {
            var entry = drafts[i] with { Seq = i, Controller = LogId, PreviousLeafHash = previous };
            var leaf = leafOf(i, entry);
            lines.Add(line(i, entry, leaf));
            range.Append(leaf);
            previous = leaf;
            if (range.Size % every == 0)
            {
                var c = new Checkpoint(LogId, range.Size, range.Root(), new DateTimeOffset(2026, 12, 2, 12, 0, 0, TimeSpan.Zero).AddSeconds(i));
                checkpoints.Add(new SignedCheckpoint(c, "test", _key.SignHash(SignedCheckpoint.Digest(c))));
            }
        }
        using var output = new MemoryStream();
        void Write(string text) => output.Write(Encoding.UTF8.GetBytes(text + "\n"));
        Write(LogExport.HeaderLine(new LogExportHeader(LogId, "test", _key.ExportSubjectPublicKeyInfo(), DateTimeOffset.UnixEpoch, 0, new CompactRange().Serialize(), new byte[32], drafts.Count)));
        checkpoints.ForEach(c => Write(LogExport.CheckpointLine(c)));
        foreach (var l in lines)
        {
            output.Write(l);
            output.WriteByte((byte)'\n');
        }
        return output.ToArray();
    }

    private static string Verdict(byte[] export, bool fastLines)
    {
        try
        {
            var (_, v) = ExportStreamVerifier.Verify(new MemoryStream(export), null, CancellationToken.None, fastLines);
            return $"{v.Valid} | {v.EntriesChecked} | {v.CheckpointsChecked} | {v.FirstBadSeq} | {v.Problem} | {v.UnsignedTail} | {v.LatestCheckpoint?.TreeSize}";
        }
        catch (FormatException e)
        {
            return "FormatException: " + e.Message;
        }
    }

    [Fact]
    public void AlteredExports_GetTheSameVerdictMessageAndCounts_WithAndWithoutTheFastPath()
    {
        var random = new Random(2026_12_02);
        var outcomes = new Dictionary<string, int>();
        for (var n = 0; n < 400; n++)
        {
            var drafts = Enumerable.Range(0, 40).Select(i => i % 2 == 0 ? CanonicalEntryLineTests.Realistic(i, []) : Utf8EntryTests.RandomEntry(random, large: false)).ToList();
            var altered = Enumerable.Range(0, 1 + random.Next(3)).Select(_ => random.Next(40)).ToHashSet();
            var export = Export(drafts, every: 8, (_, e) => e.LeafHash(), (i, e, leaf) =>
            {
                var line = Encoding.UTF8.GetBytes(LogExport.EntryLine(new StoredEntry(e, leaf)));
                return altered.Contains(i) && n % 10 != 0 ? CanonicalEntryLineTests.Mutate(line, random) : line;
            });
            var withFast = Verdict(export, fastLines: true);
            var without = Verdict(export, fastLines: false);
            Assert.True(without == withFast, $"export {n}: {without} / {withFast}");
            var outcome = withFast.StartsWith("True", StringComparison.Ordinal) ? "valid" : withFast.StartsWith("False", StringComparison.Ordinal) ? "altered" : "error";
            outcomes[outcome] = outcomes.GetValueOrDefault(outcome) + 1;
        }
        // Every kind of verdict compared, many times each: intact exports (one in ten), altered ones refused, unreadable ones.
        Assert.True(outcomes.GetValueOrDefault("valid") >= 80, string.Join(", ", outcomes));
        Assert.True(outcomes.GetValueOrDefault("altered") >= 50, string.Join(", ", outcomes));
        Assert.True(outcomes.GetValueOrDefault("error") >= 150, string.Join(", ", outcomes));
    }

    public static TheoryData<string, string> Forgeries => new()
    {
        { "d\\u00E9p\\u00F4t", "d\\u00e9p\\u00F4t" }, // the same character, hexadecimal in lower case
        { "Agent de", "\\u0041gent de" },            // an ASCII letter escaped
        { "d\\u00E9p\\u00F4t", "dép\\u00F4t" },         // a character beyond ASCII raw
    };

    /// <summary>
    /// An attacker rewrites an entry's text in another form the JSON reader decodes to the same string, and makes the whole
    /// export agree with the line's bytes (its leafHash, the next entry's prev, every checkpoint, signed with the export's
    /// own key): a verifier that hashed any line as it is would call it intact, while its parsed entry is not what was hashed.
    /// The former path says the entry was modified; so must the fast path.
    /// </summary>
    [Theory]
    [MemberData(nameof(Forgeries))]
    public void AnExportForgedOverAnotherFormOfTheSameText_IsRefusedAsTheFormerPathRefusesIt(string written, string forged)
    {
        const int Forged = 13;
        var drafts = Enumerable.Range(0, 30).Select(i => CanonicalEntryLineTests.Realistic(i, [])).ToList();
        var export = Export(drafts, every: 10, (i, e) =>
        {
            if (i != Forged)
            {
                return e.LeafHash();
            }
            // The leaf of the line's own bytes, as a verifier hashing lines as they are would compute it.
            var canonical = Encoding.UTF8.GetString(e.CanonicalBytes());
            Assert.Contains(written, canonical, StringComparison.Ordinal);
            return SHA256.HashData([0, .. Encoding.UTF8.GetBytes(canonical.Replace(written, forged, StringComparison.Ordinal))]);
        }, (i, e, leaf) =>
        {
            var line = LogExport.EntryLine(new StoredEntry(e, leaf));
            return Encoding.UTF8.GetBytes(i == Forged ? line.Replace(written, forged, StringComparison.Ordinal) : line);
        });

        Assert.Equal($"False | {Forged} | 1 | {Forged} | le contenu de l'entrée n° {Forged} a été modifié. | 0 | 10", Verdict(export, fastLines: false));
        Assert.Equal(Verdict(export, fastLines: false), Verdict(export, fastLines: true));
    }

    [Fact]
    public void TheGatewaysExport_IsVerifiedAlike_AndItsLinesAreReadInShape()
    {
        var drafts = Enumerable.Range(0, 3_000).Select(i => CanonicalEntryLineTests.Realistic(i, [])).ToList();
        var inShape = 0;
        var export = Export(drafts, every: 1_000, (_, e) => e.LeafHash(), (_, e, leaf) =>
        {
            var line = Encoding.UTF8.GetBytes(LogExport.EntryLine(new StoredEntry(e, leaf)));
            inShape += CanonicalEntryLine.TryRead(line, out long _, out Range _, new byte[32], new byte[32], new byte[32]) ? 1 : 0;
            return line;
        });
        Assert.Equal(3_000, inShape);
        Assert.Equal("True | 3000 | 3 |  |  | 0 | 3000", Verdict(export, fastLines: true));
        Assert.Equal(Verdict(export, fastLines: false), Verdict(export, fastLines: true));
    }
}
