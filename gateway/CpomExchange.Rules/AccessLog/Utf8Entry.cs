using System.Text;
using System.Text.Unicode;

namespace CpomExchange.Rules.AccessLog;

/// <summary>
/// An entry's fields as the database or an export holds them: its text as UTF-8 bytes, never a string per field.
/// Its leaf hash (<see cref="LeafHash"/>) is computed from these bytes and is exactly
/// <c>ToEntry().LeafHash()</c> (<c>Utf8EntryTests</c> compares the two over many random entries): verifying a log
/// of a million entries then costs no UTF-8 → UTF-16 → UTF-8 round trip per field. Reused from entry to entry
/// (<see cref="Clear"/>); only valid UTF-8 is accepted (<see cref="TrySet"/>), the caller handing anything else to
/// the former path.
/// </summary>
internal sealed class Utf8Entry
{
    /// <summary>The text fields, in the order of <see cref="AccessLogEntry"/>'s parameters.</summary>
    public enum Field
    {
        Controller, Agent, AgentName, Organisation, Certificate, Action, Exchange, Dataset, Counterpart, Purpose, Object,
        LegalBasis, Outcome, Reason, ClientAddress, RequestId, Policy,

        /// <summary>The time as an export writes it, for its reader: not hashed (<see cref="TimeUtc"/> is).</summary>
        Time,
    }

    private const int FieldCount = (int)Field.Time + 1;

    private byte[] _text = new byte[1024];
    private int _used;
    private readonly int[] _start = new int[FieldCount];
    private readonly int[] _length = new int[FieldCount];

    public Utf8Entry() => Clear();

    public long Seq { get; set; }

    /// <summary>The time, UTC (as <c>AccessLogEntry.Time.UtcDateTime</c>).</summary>
    public DateTime TimeUtc { get; set; }

    public long? Rows { get; set; }

    public byte[] PreviousLeafHash { get; set; } = [];

    public byte[]? StoredLeafHash { get; set; }

    /// <summary>Every text field null again, the buffer kept.</summary>
    public void Clear()
    {
        _used = 0;
        Array.Fill(_length, -1);
        StoredLeafHash = null;
    }

    /// <summary>Sets a text field from UTF-8; false (nothing set) when the bytes are not valid UTF-8.</summary>
    public bool TrySet(Field field, ReadOnlySpan<byte> utf8)
    {
        if (!Utf8.IsValid(utf8))
        {
            return false;
        }
        utf8.CopyTo(Reserve(utf8.Length));
        Commit(field, utf8.Length);
        return true;
    }

    /// <summary>Room for a field's bytes, to be written by the caller then <see cref="Commit"/>ted.</summary>
    public Span<byte> Reserve(int length)
    {
        if (_text.Length - _used < length)
        {
            Array.Resize(ref _text, Math.Max(_text.Length * 2, _used + length));
        }
        return _text.AsSpan(_used, length);
    }

    /// <summary>Makes the <paramref name="length"/> bytes written at the start of <see cref="Reserve"/>'s span the field's value.</summary>
    public void Commit(Field field, int length)
    {
        _start[(int)field] = _used;
        _length[(int)field] = length;
        _used += length;
    }

    public void SetNull(Field field) => _length[(int)field] = -1;

    public bool IsNull(Field field) => _length[(int)field] < 0;

    public ReadOnlySpan<byte> Get(Field field) => IsNull(field) ? default : _text.AsSpan(_start[(int)field], _length[(int)field]);

    public string? GetString(Field field) => IsNull(field) ? null : Encoding.UTF8.GetString(Get(field));

    /// <summary>1 without a policy hash, 2 with one (<see cref="AccessLogEntry.FormatVersion"/>).</summary>
    public int FormatVersion => IsNull(Field.Policy) ? 1 : 2;

    /// <summary>The entry with its strings: for a verdict's message, the former path and the tests.</summary>
    public AccessLogEntry ToEntry() => new(Seq, GetString(Field.Controller)!, new DateTimeOffset(DateTime.SpecifyKind(TimeUtc, DateTimeKind.Utc)),
        GetString(Field.Agent)!, GetString(Field.AgentName)!, GetString(Field.Organisation), GetString(Field.Certificate)!, GetString(Field.Action)!,
        GetString(Field.Exchange), GetString(Field.Dataset), Rows, GetString(Field.Counterpart), GetString(Field.Purpose), GetString(Field.Object),
        GetString(Field.LegalBasis), GetString(Field.Outcome)!, GetString(Field.Reason), GetString(Field.ClientAddress), GetString(Field.RequestId),
        PreviousLeafHash, GetString(Field.Policy));

    /// <summary>The canonical bytes (<see cref="AccessLogEntry.CanonicalBytes"/>), from the UTF-8 fields.</summary>
    public byte[] CanonicalBytes() => Write()[1..].ToArray();

    /// <summary>The RFC 6962 leaf hash: SHA-256 of 0x00 and the canonical bytes.</summary>
    public byte[] LeafHash() => Sha256Direct.HashData(Write());

    /// <summary><see cref="LeafHash()"/> written into <paramref name="destination"/> (<see cref="MerkleTree.HashSize"/> bytes).</summary>
    public void LeafHash(Span<byte> destination) => Sha256Direct.HashData(Write(), destination);

    // One buffer and one writer per thread, as AccessLogEntry has; the buffer starts with the leaf prefix 0x00.
    [ThreadStatic]
    private static CanonicalJsonWriter? _threadWriter;

    // The member names, quoted, in Field's order (the canonical order is written out in Write), and the others.
    internal static readonly byte[][] Names = [.. new[]
    {
        "controller", "agent", "agentName", "organisation", "certificate", "action", "exchange", "dataset", "counterpart", "purpose",
        "object", "legalBasis", "outcome", "reason", "clientAddress", "requestId", "policy", "time",
    }.Select(n => Encoding.UTF8.GetBytes($"\"{n}\""))];

    /// <summary>
    /// The leaf prefix 0x00 then the canonical bytes, written by <see cref="CanonicalUtf8"/> into the thread's buffer
    /// exactly as <see cref="AccessLogEntry"/>'s <see cref="System.Text.Json.Utf8JsonWriter"/> writes them.
    /// </summary>
    private ReadOnlySpan<byte> Write()
    {
        var buffer = CanonicalJsonWriter.Reset(ref _threadWriter).Buffer;
        // At most: each value escaped at 6 bytes per byte, the hash in base64, names, numbers and punctuation.
        var to = buffer.GetSpan(1 + (CanonicalUtf8.MaxEscapedPerByte * _used) + CanonicalUtf8.Base64Length(PreviousLeafHash.Length) + 512);
        to[0] = 0x00;
        to[1] = (byte)'{';
        var at = CanonicalUtf8.Name(to, 2, "\"v\""u8);
        at = CanonicalUtf8.Number(to, at, FormatVersion);
        to[at++] = (byte)',';
        at = CanonicalUtf8.Name(to, at, "\"seq\""u8);
        at = CanonicalUtf8.Number(to, at, Seq);
        at = Text(to, at, Field.Controller);
        to[at++] = (byte)',';
        at = CanonicalUtf8.Name(to, at, "\"time\""u8);
        at = CanonicalUtf8.Time(to, at, TimeUtc);
        at = Text(to, at, Field.Agent);
        at = Text(to, at, Field.AgentName);
        at = Text(to, at, Field.Organisation);
        at = Text(to, at, Field.Certificate);
        at = Text(to, at, Field.Action);
        at = Text(to, at, Field.Exchange);
        at = Text(to, at, Field.Dataset);
        to[at++] = (byte)',';
        at = CanonicalUtf8.Name(to, at, "\"rows\""u8);
        at = Rows is { } rows ? CanonicalUtf8.Number(to, at, rows) : CanonicalUtf8.Null(to, at);
        at = Text(to, at, Field.Counterpart);
        at = Text(to, at, Field.Purpose);
        at = Text(to, at, Field.Object);
        at = Text(to, at, Field.LegalBasis);
        at = Text(to, at, Field.Outcome);
        at = Text(to, at, Field.Reason);
        at = Text(to, at, Field.ClientAddress);
        at = Text(to, at, Field.RequestId);
        if (!IsNull(Field.Policy))
        {
            // Format 2 only, as AccessLogEntry writes it.
            at = Text(to, at, Field.Policy);
        }
        to[at++] = (byte)',';
        at = CanonicalUtf8.Name(to, at, "\"prev\""u8);
        at = CanonicalUtf8.Base64String(to, at, PreviousLeafHash);
        to[at++] = (byte)'}';
        buffer.Advance(at);
        return buffer.WrittenSpan;
    }

    // ,"name":value — a null field as null, as AccessLogEntry writes it.
    private int Text(Span<byte> to, int at, Field field)
    {
        to[at++] = (byte)',';
        at = CanonicalUtf8.Name(to, at, Names[(int)field]);
        return IsNull(field) ? CanonicalUtf8.Null(to, at) : CanonicalUtf8.String(to, at, Get(field));
    }
}
