using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace CpomExchange.Rules.AccessLog;

/// <summary>
/// A checkpoint of the access log: its size and hash at a time, as the text the log signs, in the
/// spirit of C2SP tlog-checkpoint and signed-note. The text is five lines, each ended by
/// <c>\n</c>: <see cref="Header"/>, the log id, the tree size in decimal, the root hash in
/// standard padded base64, and the time in Unix milliseconds.
/// </summary>
/// <remarks>
/// Values are checked on construction so that every checkpoint has exactly one text and that text
/// parses back to it: the log id is printable ASCII without spaces (like a C2SP origin, which it
/// fills the role of), the size is not negative, the hash is <see cref="MerkleTree.HashSize"/>
/// bytes (copied), and the time is at or after the Unix epoch; it is kept in UTC, truncated to the
/// millisecond. Equality compares the root hash by value.
/// </remarks>
/// <param name="LogId">The identifier of the log, e.g. <c>cpomexchange.example.fr/access-log</c>.</param>
/// <param name="TreeSize">The number of entries in the log.</param>
/// <param name="RootHash">The hash of the tree of those entries (<see cref="MerkleTree.RootHash"/>).</param>
/// <param name="Time">When the checkpoint was made.</param>
public sealed record Checkpoint(string LogId, long TreeSize, byte[] RootHash, DateTimeOffset Time)
{
    /// <summary>The first line of every checkpoint: the format and its version.</summary>
    public const string Header = "cpomexchange.access-log/v1";

    private const int LineCount = 5;

    // DateTimeOffset.MaxValue in Unix milliseconds: 9999-12-31T23:59:59.999Z.
    private static readonly long MaxUnixMilliseconds = DateTimeOffset.MaxValue.ToUnixTimeMilliseconds();

    private readonly string _logId = CheckLogId(LogId);
    private readonly long _treeSize = CheckTreeSize(TreeSize);
    private readonly byte[] _rootHash = CheckRootHash(RootHash);
    private readonly DateTimeOffset _time = CheckTime(Time);

    /// <summary>The identifier of the log: printable ASCII, no spaces.</summary>
    public string LogId { get => _logId; init => _logId = CheckLogId(value); }

    /// <summary>The number of entries in the log.</summary>
    public long TreeSize { get => _treeSize; init => _treeSize = CheckTreeSize(value); }

    /// <summary>The hash of the tree of the first <see cref="TreeSize"/> entries. Do not modify the array.</summary>
    public byte[] RootHash { get => _rootHash; init => _rootHash = CheckRootHash(value); }

    /// <summary>When the checkpoint was made, in UTC, to the millisecond.</summary>
    public DateTimeOffset Time { get => _time; init => _time = CheckTime(value); }

    /// <summary>The text that is signed, UTF-8 encoded (ASCII, in fact): five lines, each ended by <c>\n</c>.</summary>
    public byte[] SignedBytes() => Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture,
        $"{Header}\n{_logId}\n{_treeSize}\n{Convert.ToBase64String(_rootHash)}\n{_time.ToUnixTimeMilliseconds()}\n"));

    /// <summary>
    /// Reads the text of <see cref="SignedBytes"/>, strictly: exactly five lines each ended by
    /// <c>\n</c> (no <c>\r</c>, nothing after), numbers in decimal without sign or leading zero,
    /// the hash in canonical padded base64. A signed note's signature lines must be removed first.
    /// </summary>
    /// <param name="text">The checkpoint's text.</param>
    /// <exception cref="FormatException">The text is not a checkpoint as <see cref="SignedBytes"/> writes it.</exception>
    public static Checkpoint Parse(ReadOnlySpan<byte> text)
    {
        var lines = new string[LineCount];
        var rest = text;
        for (var i = 0; i < LineCount; i++)
        {
            var end = rest.IndexOf((byte)'\n');
            if (end < 0)
            {
                throw new FormatException($"Checkpoint line {i + 1} is missing or not ended by a line feed.");
            }
            var line = rest[..end];
            if (line.ContainsAnyExceptInRange((byte)0x20, (byte)0x7E))
            {
                throw new FormatException($"Checkpoint line {i + 1} holds a byte that is not printable ASCII.");
            }
            lines[i] = Encoding.ASCII.GetString(line);
            rest = rest[(end + 1)..];
        }
        if (!rest.IsEmpty)
        {
            throw new FormatException("A checkpoint has five lines; there is more.");
        }
        if (lines[0] != Header)
        {
            throw new FormatException($"A checkpoint starts with the line \"{Header}\".");
        }
        if (!IsValidLogId(lines[1]))
        {
            throw new FormatException("The log id of a checkpoint is printable ASCII without spaces.");
        }
        if (!TryParseDecimal(lines[2], out var treeSize))
        {
            throw new FormatException("The tree size of a checkpoint is a decimal number without sign or leading zero.");
        }
        var rootHash = new byte[MerkleTree.HashSize];
        if (!Convert.TryFromBase64String(lines[3], rootHash, out var written)
            || written != MerkleTree.HashSize
            || Convert.ToBase64String(rootHash) != lines[3])
        {
            throw new FormatException($"The root hash of a checkpoint is {MerkleTree.HashSize} bytes in canonical padded base64.");
        }
        if (!TryParseDecimal(lines[4], out var milliseconds) || milliseconds > MaxUnixMilliseconds)
        {
            throw new FormatException("The time of a checkpoint is a number of Unix milliseconds in decimal without sign or leading zero.");
        }
        return new Checkpoint(lines[1], treeSize, rootHash, DateTimeOffset.FromUnixTimeMilliseconds(milliseconds));
    }

    /// <summary>Equal when every field is, the root hash compared byte by byte.</summary>
    public bool Equals(Checkpoint? other) =>
        other is not null
        && _logId == other._logId
        && _treeSize == other._treeSize
        && _rootHash.AsSpan().SequenceEqual(other._rootHash)
        && _time == other._time;

    /// <inheritdoc/>
    public override int GetHashCode() =>
        HashCode.Combine(_logId, _treeSize, BinaryPrimitives.ReadInt64LittleEndian(_rootHash), _time);

    private static bool IsValidLogId(string? logId) =>
        !string.IsNullOrEmpty(logId) && !logId.AsSpan().ContainsAnyExceptInRange('\x21', '\x7E');

    private static string CheckLogId(string logId) =>
        IsValidLogId(logId) ? logId : throw new ArgumentException("A log id is printable ASCII without spaces, and not empty.", nameof(LogId));

    private static long CheckTreeSize(long treeSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(treeSize, nameof(TreeSize));
        return treeSize;
    }

    private static byte[] CheckRootHash(byte[] rootHash) =>
        rootHash is { Length: MerkleTree.HashSize }
            ? (byte[])rootHash.Clone()
            : throw new ArgumentException($"A root hash is {MerkleTree.HashSize} bytes long.", nameof(RootHash));

    private static DateTimeOffset CheckTime(DateTimeOffset time)
    {
        var milliseconds = time.ToUnixTimeMilliseconds();
        ArgumentOutOfRangeException.ThrowIfNegative(milliseconds, nameof(Time));
        return DateTimeOffset.FromUnixTimeMilliseconds(milliseconds);
    }

    // Canonical decimal: digits only, no leading zero but for "0" itself, within a long.
    private static bool TryParseDecimal(string text, out long value)
    {
        value = 0;
        return text.Length > 0
            && (text.Length == 1 || text[0] != '0')
            && !text.AsSpan().ContainsAnyExceptInRange('0', '9')
            && long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value);
    }
}
