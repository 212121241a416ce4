using System.Security.Cryptography;
using System.Text;
using CpomExchange.Rules.AccessLog;

namespace CpomExchange.Rules.Tests.AccessLog;

/// <summary>
/// The canonical bytes are what every leaf hash, checkpoint and export rests on: these vectors pin
/// them (member order, escaping, times, nulls, base64), so that no change of implementation can
/// silently change a hash and break the verification of the logs already written.
/// </summary>
public sealed class AccessLogEntryTests
{
    private static readonly byte[] Previous = [.. Enumerable.Range(0, 32).Select(i => (byte)i)];

    // Non-ASCII, quotes, backslash, HTML-sensitive characters, a tab and a surrogate pair: all escaped.
    internal static readonly AccessLogEntry Full = new(41, "prevy", new DateTimeOffset(2026, 3, 2, 13, 4, 5, 678, TimeSpan.FromHours(1)),
        "prevy-agent", "Agent « PREVY » n°1 — dépôts", "prevy", "3f5a0c1b9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a29180706f5e4d3c2b1a090",
        LogActions.Upload, "adherents", "ds_0190c2a4e7f37c3b8a5d6e7f80912345", 12345, "carsat-lr", "sinistralite",
        "Dossier \"A\\B\" <x> & 'y'\ttab \U0001F600",
        "RGPD art. 6(1)(e) (mission d'intérêt public) ; Code du travail L. 4622-10 et D. 4622-44 à D. 4622-47 (CPOM)",
        AccessLogEntry.Allowed, null, "2001:db8::1", "0HNC4M2J7QK1E:00000001", Previous);

    internal static readonly AccessLogEntry Nulls = new(0, "pst38", new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero), "admin", "Administrateur",
        null, new string('0', 64), LogActions.AdminChange, null, null, null, null, null, null, null, AccessLogEntry.Denied, "policy.no-contract", null, null,
        new byte[32]);

    // Over 1,024 bytes: MerkleTree.LeafHash takes its incremental path.
    internal static readonly AccessLogEntry Large = Nulls with { Seq = 7, LegalBasis = string.Concat(Enumerable.Repeat("Base légale très longue. ", 60)) };

    private const string FullText =
        """{"v":1,"seq":41,"controller":"prevy","time":"2026-03-02T12:04:05.678Z","agent":"prevy-agent","agentName":"Agent \u00AB PREVY \u00BB n\u00B01 \u2014 d\u00E9p\u00F4ts","organisation":"prevy","certificate":"3f5a0c1b9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a29180706f5e4d3c2b1a090","action":"upload","exchange":"adherents","dataset":"ds_0190c2a4e7f37c3b8a5d6e7f80912345","rows":12345,"counterpart":"carsat-lr","purpose":"sinistralite","object":"Dossier \u0022A\\B\u0022 \u003Cx\u003E \u0026 \u0027y\u0027\ttab \uD83D\uDE00","legalBasis":"RGPD art. 6(1)(e) (mission d\u0027int\u00E9r\u00EAt public) ; Code du travail L. 4622-10 et D. 4622-44 \u00E0 D. 4622-47 (CPOM)","outcome":"allowed","reason":null,"clientAddress":"2001:db8::1","requestId":"0HNC4M2J7QK1E:00000001","prev":"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="}""";

    private const string NullsText =
        """{"v":1,"seq":0,"controller":"pst38","time":"2026-01-01T00:00:00.000Z","agent":"admin","agentName":"Administrateur","organisation":null,"certificate":"0000000000000000000000000000000000000000000000000000000000000000","action":"admin-change","exchange":null,"dataset":null,"rows":null,"counterpart":null,"purpose":null,"object":null,"legalBasis":null,"outcome":"denied","reason":"policy.no-contract","clientAddress":null,"requestId":null,"prev":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="}""";

    [Fact]
    public void CanonicalBytes_EscapeEverythingButPrintableAscii()
    {
        Assert.Equal(FullText, Encoding.UTF8.GetString(Full.CanonicalBytes()));
    }

    [Fact]
    public void CanonicalBytes_WriteAbsentFieldsAsNull()
    {
        Assert.Equal(NullsText, Encoding.UTF8.GetString(Nulls.CanonicalBytes()));
    }

    public static TheoryData<string, int, string, string> Vectors => new()
    {
        { nameof(Full), 810, "9c7ad0783fcdc61fa6e8255f4609caf03325162dca15c30243da7d836cad0916", "ff66d50fe84df965ab47aafdc8def94034bab156d421151e1fdaae1356e15668" },
        { nameof(Nulls), 490, "27ebb6ada5e861f13dc40dd92b78d3d4e64cbeeeba06bf2017c7407350953880", "060a5face9332f632e91c3d3a3804ded8a30e31bcd1fec00ef4bef70299f42ab" },
        { nameof(Large), 2588, "028608cdfe4a6cd2b74ab9d9c3ed3eb5a5b2a46e89cc2102967dab7f474ef36c", "59168ab28eed97f0b09918f4af6d79c1a5c7e0e074914bda4e71c6cfb2f319f4" },
    };

    [Theory]
    [MemberData(nameof(Vectors))]
    public void CanonicalBytesAndLeafHash_MatchTheVectors(string name, int length, string canonicalSha256, string leafHash)
    {
        var entry = name switch
        {
            nameof(Full) => Full,
            nameof(Nulls) => Nulls,
            _ => Large,
        };
        var bytes = entry.CanonicalBytes();
        Assert.Equal(length, bytes.Length);
        Assert.Equal(canonicalSha256, Convert.ToHexStringLower(SHA256.HashData(bytes)));
        Assert.Equal(leafHash, Convert.ToHexStringLower(entry.LeafHash()));
        Assert.Equal(MerkleTree.LeafHash(bytes), entry.LeafHash());
    }

    [Fact]
    public void CanonicalBytes_AreTheSameFromEveryThread()
    {
        var expected = Full.CanonicalBytes();
        var results = new byte[16][];
        Parallel.For(0, results.Length, i =>
        {
            for (var k = 0; k < 200; k++)
            {
                Nulls.CanonicalBytes();
                Large.LeafHash();
                results[i] = Full.CanonicalBytes();
            }
        });
        Assert.All(results, r => Assert.Equal(expected, r));
    }
}
