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
        try
        {
            return Parse(line);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException or ArgumentException or OverflowException)
        {
            return null;
        }
    }

    private static StoredEntry? Parse(ReadOnlySpan<byte> line)
    {
        var reader = new Utf8JsonReader(line, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow });
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return null;
        }
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
                default: f.Set(name, reader.GetString()); break;
            }
        }
        if (reader.TokenType != JsonTokenType.EndObject || reader.Read())
        {
            // Not one object alone on its line.
            return null;
        }
        if (!f.IsEntry || (f.Has & Fields.Required) != Fields.Required || f.Prev is null)
        {
            return null;
        }
        string? policy = f.V switch
        {
            1 when (f.Has & (1L << (int)Field.Policy)) == 0 => null,
            2 when f.Strings[(int)Field.Policy] is { } p => p,
            _ => throw new FormatException("version"),
        };
        var time = f.Strings[(int)Field.Time] ?? throw new FormatException("time");
        var s = f.Strings;
        var entry = new AccessLogEntry(f.Seq, s[(int)Field.Controller]!,
            DateTimeOffset.Parse(time, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal),
            s[(int)Field.Agent]!, s[(int)Field.AgentName]!, s[(int)Field.Organisation], s[(int)Field.Certificate]!, s[(int)Field.Action]!,
            s[(int)Field.Exchange], s[(int)Field.Dataset], f.Rows, s[(int)Field.Counterpart], s[(int)Field.Purpose], s[(int)Field.Object],
            s[(int)Field.LegalBasis], s[(int)Field.Outcome]!, s[(int)Field.Reason], s[(int)Field.ClientAddress], s[(int)Field.RequestId], f.Prev, policy);
        return new StoredEntry(entry, f.LeafHash);
    }

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
        private string?[]? _strings;

        public string?[] Strings => _strings ??= new string?[(int)Field.Policy + 1];

        public void Set(Field field, string? value)
        {
            Strings[(int)field] = value;
            Has |= 1L << (int)field;
        }
    }
}
