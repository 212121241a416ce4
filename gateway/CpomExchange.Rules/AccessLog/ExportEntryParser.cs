using System.Globalization;
using System.Text.Json;

namespace CpomExchange.Rules.AccessLog;

/// <summary>
/// Reads one entry line of an export straight from its UTF-8 bytes (a <see cref="Utf8JsonReader"/>, no
/// string per line, no <see cref="JsonDocument"/>). It accepts exactly the lines
/// <see cref="LogExport.ParseEntry"/> reads: any line it cannot read in this way is handed back
/// (<c>null</c>) to the slower path, which then gives the verdict or the error it always gave.
/// </summary>
internal static class ExportEntryParser
{
    /// <summary>The entry of an entry line, or null when the line is not one this fast path reads.</summary>
    public static StoredEntry? TryParse(ReadOnlySpan<byte> line)
    {
        var entry = new Utf8Entry();
        return TryParse(line, entry) ? new StoredEntry(entry.ToEntry(), entry.StoredLeafHash) : null;
    }

    /// <summary>
    /// Reads an entry line into <paramref name="entry"/> (its text as UTF-8, unescaped; no string): false when the line is
    /// not one this fast path reads (then <paramref name="entry"/> holds nothing to use).
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> line, Utf8Entry entry)
    {
        try
        {
            return Parse(line, entry);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException or ArgumentException or OverflowException)
        {
            return false;
        }
    }

    private static bool Parse(ReadOnlySpan<byte> line, Utf8Entry entry)
    {
        var reader = new Utf8JsonReader(line, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow });
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return false;
        }
        entry.Clear();
        Fields f = default;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = Name(ref reader);
            reader.Read();
            switch (name)
            {
                case Field.Type: f.IsEntry = reader.TokenType == JsonTokenType.String && reader.ValueTextEquals("entry"u8); break;
                case Field.V: f.V = reader.GetInt32(); f.Has |= 1L << (int)Field.V; break;
                case Field.Seq: f.Seq = reader.GetInt64(); f.Has |= 1L << (int)Field.Seq; break;
                case Field.Rows: f.Rows = reader.TokenType == JsonTokenType.Null ? null : reader.GetInt64(); f.Has |= 1L << (int)Field.Rows; break;
                case Field.Prev:
                    f.Prev = reader.TokenType == JsonTokenType.Null ? null : reader.TryGetBytesFromBase64(out var prev) ? prev : Convert.FromBase64String(reader.GetString()!);
                    f.Has |= 1L << (int)Field.Prev;
                    break;
                case Field.LeafHash:
                    f.LeafHash = reader.TokenType == JsonTokenType.Null ? null : reader.TryGetBytesFromBase64(out var leaf) ? leaf : Convert.FromBase64String(reader.GetString()!);
                    f.Has |= 1L << (int)Field.LeafHash;
                    break;
                case Field.Other: reader.Skip(); break;
                default:
                    if (!SetText(ref reader, entry, name))
                    {
                        return false;
                    }
                    f.Has |= 1L << (int)name;
                    break;
            }
        }
        if (reader.TokenType != JsonTokenType.EndObject || reader.Read())
        {
            // Not one object alone on its line.
            return false;
        }
        if (!f.IsEntry || (f.Has & Fields.Required) != Fields.Required || f.Prev is null)
        {
            return false;
        }
        var hasPolicy = (f.Has & (1L << (int)Field.Policy)) != 0;
        if (!(f.V == 1 && !hasPolicy) && !(f.V == 2 && !entry.IsNull(Utf8Entry.Field.Policy)))
        {
            return false;
        }
        if (entry.IsNull(Utf8Entry.Field.Time))
        {
            return false;
        }
        // The time as the former parser read it (DateTimeOffset.Parse of the string), then its UTC DateTime (what is hashed).
        var text = entry.Get(Utf8Entry.Field.Time);
        Span<char> chars = text.Length <= 128 ? stackalloc char[text.Length] : new char[text.Length];
        var length = System.Text.Encoding.UTF8.GetChars(text, chars);
        entry.TimeUtc = DateTimeOffset.Parse(chars[..length], CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal).UtcDateTime;
        entry.SetNull(Utf8Entry.Field.Time);
        entry.Seq = f.Seq;
        entry.Rows = f.Rows;
        entry.PreviousLeafHash = f.Prev;
        entry.StoredLeafHash = f.LeafHash;
        return true;
    }

    /// <summary>A text member (a string or null, as GetString reads it), unescaped into the entry's UTF-8; false for invalid UTF-8.</summary>
    private static bool SetText(ref Utf8JsonReader reader, Utf8Entry entry, Field name)
    {
        var field = Texts[name - Field.Controller];
        if (reader.TokenType == JsonTokenType.Null)
        {
            entry.SetNull(field);
            return true;
        }
        if (reader.TokenType != JsonTokenType.String)
        {
            throw new InvalidOperationException("not a string"); // GetString's refusal
        }
        if (!reader.ValueIsEscaped && !reader.HasValueSequence)
        {
            return entry.TrySet(field, reader.ValueSpan);
        }
        var room = entry.Reserve(reader.HasValueSequence ? checked((int)reader.ValueSequence.Length) : reader.ValueSpan.Length);
        var written = reader.CopyString(room);
        if (!System.Text.Unicode.Utf8.IsValid(room[..written]))
        {
            return false;
        }
        entry.Commit(field, written);
        return true;
    }

    // The parser's text fields (from Controller on, in their order) as Utf8Entry's.
    private static readonly Utf8Entry.Field[] Texts =
    [
        Utf8Entry.Field.Controller, Utf8Entry.Field.Time, Utf8Entry.Field.Agent, Utf8Entry.Field.AgentName, Utf8Entry.Field.Organisation,
        Utf8Entry.Field.Certificate, Utf8Entry.Field.Action, Utf8Entry.Field.Exchange, Utf8Entry.Field.Dataset, Utf8Entry.Field.Counterpart,
        Utf8Entry.Field.Purpose, Utf8Entry.Field.Object, Utf8Entry.Field.LegalBasis, Utf8Entry.Field.Outcome, Utf8Entry.Field.Reason,
        Utf8Entry.Field.ClientAddress, Utf8Entry.Field.RequestId, Utf8Entry.Field.Policy,
    ];

    private enum Field
    {
        Other, Type, V, Seq, Rows, Prev, LeafHash,
        Controller, Time, Agent, AgentName, Organisation, Certificate, Action, Exchange, Dataset, Counterpart, Purpose, Object, LegalBasis,
        Outcome, Reason, ClientAddress, RequestId, Policy,
    }

    private static Field Name(ref Utf8JsonReader reader)
    {
        // Names are compared unescaped (ValueTextEquals), as JsonElement.GetProperty matches them.
        foreach (var (bytes, field) in Names)
        {
            if (reader.ValueTextEquals(bytes))
            {
                return field;
            }
        }
        return Field.Other;
    }

    private static readonly (byte[] Name, Field Field)[] Names =
    [
        ("type"u8.ToArray(), Field.Type), ("v"u8.ToArray(), Field.V), ("seq"u8.ToArray(), Field.Seq), ("controller"u8.ToArray(), Field.Controller),
        ("time"u8.ToArray(), Field.Time), ("agent"u8.ToArray(), Field.Agent), ("agentName"u8.ToArray(), Field.AgentName),
        ("organisation"u8.ToArray(), Field.Organisation), ("certificate"u8.ToArray(), Field.Certificate), ("action"u8.ToArray(), Field.Action),
        ("exchange"u8.ToArray(), Field.Exchange), ("dataset"u8.ToArray(), Field.Dataset), ("rows"u8.ToArray(), Field.Rows),
        ("counterpart"u8.ToArray(), Field.Counterpart), ("purpose"u8.ToArray(), Field.Purpose), ("object"u8.ToArray(), Field.Object),
        ("legalBasis"u8.ToArray(), Field.LegalBasis), ("outcome"u8.ToArray(), Field.Outcome), ("reason"u8.ToArray(), Field.Reason),
        ("clientAddress"u8.ToArray(), Field.ClientAddress), ("requestId"u8.ToArray(), Field.RequestId), ("policy"u8.ToArray(), Field.Policy),
        ("prev"u8.ToArray(), Field.Prev), ("leafHash"u8.ToArray(), Field.LeafHash),
    ];

    private struct Fields
    {
        // Every member ParseEntry reads with GetProperty (policy only for format 2, checked apart).
        public const long Required = (1L << (int)Field.V) | (1L << (int)Field.Seq) | (1L << (int)Field.Rows) | (1L << (int)Field.Prev)
            | (1L << (int)Field.LeafHash) | (1L << (int)Field.Controller) | (1L << (int)Field.Time) | (1L << (int)Field.Agent)
            | (1L << (int)Field.AgentName) | (1L << (int)Field.Organisation) | (1L << (int)Field.Certificate) | (1L << (int)Field.Action)
            | (1L << (int)Field.Exchange) | (1L << (int)Field.Dataset) | (1L << (int)Field.Counterpart) | (1L << (int)Field.Purpose)
            | (1L << (int)Field.Object) | (1L << (int)Field.LegalBasis) | (1L << (int)Field.Outcome) | (1L << (int)Field.Reason)
            | (1L << (int)Field.ClientAddress) | (1L << (int)Field.RequestId);

        public bool IsEntry;
        public int V;
        public long Seq;
        public long? Rows;
        public byte[]? Prev;
        public byte[]? LeafHash;
        public long Has;
    }
}
