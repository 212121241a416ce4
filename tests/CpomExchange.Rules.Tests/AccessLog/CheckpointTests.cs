using System.Text;
using CpomExchange.Rules.AccessLog;

namespace CpomExchange.Rules.Tests.AccessLog;

public sealed class CheckpointTests
{
    private static readonly byte[] Root = Convert.FromHexString("5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328");
    private static readonly DateTimeOffset Noon = new(2026, 3, 2, 12, 0, 0, 123, TimeSpan.Zero);

    private const string ValidText =
        "cpomexchange.access-log/v1\ncpomexchange.example.fr/access-log\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n1772452800123\n";

    [Fact]
    public void SignedBytes_AreTheFiveLinesOfTheNote()
    {
        var checkpoint = new Checkpoint("cpomexchange.example.fr/access-log", 8, Root, Noon);
        Assert.Equal(ValidText, Encoding.UTF8.GetString(checkpoint.SignedBytes()));
    }

    [Fact]
    public void Parse_OfTheNote_GivesTheCheckpoint()
    {
        var checkpoint = Checkpoint.Parse(Encoding.UTF8.GetBytes(ValidText));
        Assert.Equal("cpomexchange.example.fr/access-log", checkpoint.LogId);
        Assert.Equal(8, checkpoint.TreeSize);
        Assert.Equal(Root, checkpoint.RootHash);
        Assert.Equal(Noon, checkpoint.Time);
        Assert.Equal(TimeSpan.Zero, checkpoint.Time.Offset);
    }

    public static TheoryData<string, long, string, long> RoundTrips => new()
    {
        { "cpomexchange.example.fr/access-log", 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", 0 },
        { "a", 1, "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d", 1 },
        { "log-42", 1_000_000, "0000000000000000000000000000000000000000000000000000000000000000", 1_772_452_800_000 },
        { "!~", long.MaxValue, "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff", 253_402_300_799_999 },
    };

    [Theory]
    [MemberData(nameof(RoundTrips))]
    public void Parse_OfSignedBytes_RoundTripsExactly(string logId, long size, string root, long milliseconds)
    {
        var checkpoint = new Checkpoint(logId, size, Convert.FromHexString(root), DateTimeOffset.FromUnixTimeMilliseconds(milliseconds));
        var bytes = checkpoint.SignedBytes();
        var parsed = Checkpoint.Parse(bytes);
        Assert.Equal(checkpoint, parsed);
        Assert.Equal(checkpoint.GetHashCode(), parsed.GetHashCode());
        Assert.Equal(bytes, parsed.SignedBytes());
        Assert.Equal(logId, parsed.LogId);
        Assert.Equal(size, parsed.TreeSize);
        Assert.Equal(root, Convert.ToHexStringLower(parsed.RootHash));
        Assert.Equal(milliseconds, parsed.Time.ToUnixTimeMilliseconds());
    }

    [Fact]
    public void Time_IsKeptInUtcToTheMillisecond()
    {
        var local = new DateTimeOffset(2026, 3, 2, 13, 0, 0, TimeSpan.FromHours(1)).AddTicks(1_234_567);
        var checkpoint = new Checkpoint("log", 1, Root, local);
        Assert.Equal(TimeSpan.Zero, checkpoint.Time.Offset);
        Assert.Equal(new DateTimeOffset(2026, 3, 2, 12, 0, 0, 123, TimeSpan.Zero), checkpoint.Time);
        Assert.Equal(checkpoint, Checkpoint.Parse(checkpoint.SignedBytes()));
    }

    [Fact]
    public void Equality_ComparesTheRootHashByValue()
    {
        var a = new Checkpoint("log", 8, Root, Noon);
        var b = new Checkpoint("log", 8, (byte[])Root.Clone(), Noon);
        Assert.Equal(a, b);
        Assert.NotEqual(a, b with { RootHash = new byte[32] });
        Assert.NotEqual(a, b with { TreeSize = 9 });
        Assert.NotEqual(a, b with { LogId = "other" });
        Assert.NotEqual(a, b with { Time = Noon.AddMilliseconds(1) });
    }

    [Fact]
    public void RootHash_IsCopiedOnConstruction()
    {
        var root = (byte[])Root.Clone();
        var checkpoint = new Checkpoint("log", 8, root, Noon);
        root[0] ^= 1;
        Assert.Equal(Root, checkpoint.RootHash);
    }

    [Theory]
    [InlineData("")]
    [InlineData("has space")]
    [InlineData("line\nfeed")]
    [InlineData("tab\there")]
    [InlineData("carriage\r")]
    [InlineData("accentué")]
    public void Construction_WithABadLogId_Throws(string logId)
    {
        Assert.Throws<ArgumentException>(() => new Checkpoint(logId, 1, Root, Noon));
        var valid = new Checkpoint("log", 1, Root, Noon);
        Assert.Throws<ArgumentException>(() => valid with { LogId = logId });
    }

    [Fact]
    public void Construction_WithBadValues_Throws()
    {
        Assert.Throws<ArgumentException>(() => new Checkpoint(null!, 1, Root, Noon));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Checkpoint("log", -1, Root, Noon));
        Assert.Throws<ArgumentException>(() => new Checkpoint("log", 1, Root[..31], Noon));
        Assert.Throws<ArgumentException>(() => new Checkpoint("log", 1, null!, Noon));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Checkpoint("log", 1, Root, DateTimeOffset.UnixEpoch.AddTicks(-1)));
        var valid = new Checkpoint("log", 1, Root, Noon);
        Assert.Throws<ArgumentOutOfRangeException>(() => valid with { TreeSize = -1 });
        Assert.Throws<ArgumentException>(() => valid with { RootHash = new byte[33] });
    }

    [Theory]
    [InlineData("")]
    [InlineData("\n")]
    [InlineData("cpomexchange.access-log/v1\ncpomexchange.example.fr/access-log\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n1772452800123")] // no final line feed
    [InlineData("cpomexchange.access-log/v1\ncpomexchange.example.fr/access-log\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n")] // four lines
    [InlineData("cpomexchange.access-log/v1\ncpomexchange.example.fr/access-log\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n1772452800123\n\n")] // a sixth, empty
    [InlineData("cpomexchange.access-log/v1\ncpomexchange.example.fr/access-log\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n1772452800123\n\n\u2014 cpom AAAA\n")] // signature lines
    [InlineData("cpomexchange.access-log/v1\r\ncpomexchange.example.fr/access-log\r\n8\r\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\r\n1772452800123\r\n")] // CRLF
    [InlineData("\uFEFFcpomexchange.access-log/v1\ncpomexchange.example.fr/access-log\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n1772452800123\n")] // BOM
    [InlineData("cpomexchange.access-log/v2\ncpomexchange.example.fr/access-log\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n1772452800123\n")] // other version
    [InlineData(" cpomexchange.access-log/v1\ncpomexchange.example.fr/access-log\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n1772452800123\n")]
    [InlineData("cpomexchange.access-log/v1\n\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n1772452800123\n")] // empty log id
    [InlineData("cpomexchange.access-log/v1\ncpom exchange\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n1772452800123\n")] // space in log id
    [InlineData("cpomexchange.access-log/v1\ncpomexchangé\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n1772452800123\n")] // not ASCII
    [InlineData("cpomexchange.access-log/v1\nlog\n08\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n1772452800123\n")] // leading zero
    [InlineData("cpomexchange.access-log/v1\nlog\n+8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n1772452800123\n")]
    [InlineData("cpomexchange.access-log/v1\nlog\n-8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n1772452800123\n")]
    [InlineData("cpomexchange.access-log/v1\nlog\n 8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n1772452800123\n")]
    [InlineData("cpomexchange.access-log/v1\nlog\n8 \nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n1772452800123\n")]
    [InlineData("cpomexchange.access-log/v1\nlog\n\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n1772452800123\n")] // no size
    [InlineData("cpomexchange.access-log/v1\nlog\n8.0\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n1772452800123\n")]
    [InlineData("cpomexchange.access-log/v1\nlog\n0x8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n1772452800123\n")]
    [InlineData("cpomexchange.access-log/v1\nlog\n9223372036854775808\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n1772452800123\n")] // overflows a long
    [InlineData("cpomexchange.access-log/v1\nlog\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg\n1772452800123\n")] // no padding
    [InlineData("cpomexchange.access-log/v1\nlog\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyh=\n1772452800123\n")] // non-canonical last character
    [InlineData("cpomexchange.access-log/v1\nlog\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz-Nw7_RgQyg=\n1772452800123\n")] // base64url
    [InlineData("cpomexchange.access-log/v1\nlog\n8\nXcnaeacGWamtVZy3 Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n1772452800123\n")] // space inside
    [InlineData("cpomexchange.access-log/v1\nlog\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQ=\n1772452800123\n")] // 31 bytes
    [InlineData("cpomexchange.access-log/v1\nlog\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQygAA==\n1772452800123\n")] // 33 bytes
    [InlineData("cpomexchange.access-log/v1\nlog\n8\n5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328\n1772452800123\n")] // hex
    [InlineData("cpomexchange.access-log/v1\nlog\n8\n\n1772452800123\n")] // no hash
    [InlineData("cpomexchange.access-log/v1\nlog\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n01772452800123\n")] // leading zero
    [InlineData("cpomexchange.access-log/v1\nlog\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n-1\n")] // before the epoch
    [InlineData("cpomexchange.access-log/v1\nlog\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n253402300800000\n")] // after year 9999
    [InlineData("cpomexchange.access-log/v1\nlog\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n2026-03-02T12:00:00Z\n")] // not milliseconds
    [InlineData("cpomexchange.access-log/v1\nlog\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n\n")] // no time
    public void Parse_OfAMalformedNote_Throws(string text) =>
        Assert.Throws<FormatException>(() => Checkpoint.Parse(Encoding.UTF8.GetBytes(text)));

    [Fact]
    public void Parse_OfANulOrInvalidUtf8_Throws()
    {
        var valid = Encoding.UTF8.GetBytes(ValidText);
        var nul = (byte[])valid.Clone();
        nul[30] = 0;
        Assert.Throws<FormatException>(() => Checkpoint.Parse(nul));
        var invalid = (byte[])valid.Clone();
        invalid[30] = 0xFF;
        Assert.Throws<FormatException>(() => Checkpoint.Parse(invalid));
        Assert.Throws<FormatException>(() => Checkpoint.Parse([]));
    }
}
