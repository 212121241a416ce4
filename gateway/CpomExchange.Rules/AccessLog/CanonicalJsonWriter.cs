using System.Buffers;
using System.Text.Json;

namespace CpomExchange.Rules.AccessLog;

/// <summary>
/// One buffer, and the JSON writer of the canonical form over it (no white space, validated) for whoever
/// writes through one, reused by a thread for every entry it writes: verifying a log writes the canonical
/// bytes of every entry, and a stream, a writer and growing buffers per entry cost more than the hash.
/// Each writer of the canonical form keeps its own in a <c>[ThreadStatic]</c> slot: <see cref="AccessLogEntry"/>
/// writes through <see cref="Json"/>, <see cref="Utf8Entry"/> straight into <see cref="Buffer"/> (it never
/// makes the JSON writer); nothing awaits between writing and reading the buffer, so a thread never sees
/// another's bytes.
/// </summary>
internal sealed class CanonicalJsonWriter
{
    // A buffer an unusually large entry grew beyond this is not kept.
    private const int MaxKeptCapacity = 64 * 1024;

    private static readonly JsonWriterOptions Options = new() { Indented = false, SkipValidation = false };

    private Utf8JsonWriter? _json;

    private CanonicalJsonWriter() => Buffer = new ArrayBufferWriter<byte>(1024);

    /// <summary>The bytes written.</summary>
    public ArrayBufferWriter<byte> Buffer { get; }

    /// <summary>The JSON writer over <see cref="Buffer"/>, made at its first use.</summary>
    public Utf8JsonWriter Json => _json ??= new Utf8JsonWriter(Buffer, Options);

    /// <summary>The writer of <paramref name="slot"/>, emptied (a new one the first time, or after a large entry).</summary>
    public static CanonicalJsonWriter Reset(ref CanonicalJsonWriter? slot)
    {
        var writer = slot;
        if (writer is null || writer.Buffer.Capacity > MaxKeptCapacity)
        {
            writer = slot = new CanonicalJsonWriter();
        }
        writer.Buffer.ResetWrittenCount();
        writer._json?.Reset(writer.Buffer);
        return writer;
    }
}
