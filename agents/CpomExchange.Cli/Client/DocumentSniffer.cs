using System.Text;

namespace CpomExchange.Cli.Client;

/// <summary>
/// The media type to send a file as, from its first bytes (never its name): <c>application/pdf</c>
/// for <c>%PDF-</c>; for an OpenDocument package (a zip whose first entry is an uncompressed
/// <c>mimetype</c>), the type it names; otherwise <c>text/csv</c>. The gateway decides again, by the
/// whole content; this only declares what the content is.
/// </summary>
internal static class DocumentSniffer
{
    /// <summary>Reads the start of <paramref name="stream"/> and puts it back at its beginning.</summary>
    public static async Task<string> ContentTypeAsync(Stream stream, CancellationToken cancellationToken)
    {
        var head = new byte[160];
        var read = 0;
        int n;
        while (read < head.Length && (n = await stream.ReadAsync(head.AsMemory(read), cancellationToken)) > 0)
        {
            read += n;
        }
        stream.Position = 0;
        var bytes = head.AsSpan(0, read);
        if (bytes.StartsWith("%PDF-"u8))
        {
            return "application/pdf";
        }
        if (bytes.Length >= 38 && bytes.StartsWith("PK\u0003\u0004"u8) && bytes.Slice(30, 8).SequenceEqual("mimetype"u8)
            && BitConverter.ToUInt16(bytes[8..10]) == 0 && BitConverter.ToUInt16(bytes[26..28]) == 8 && BitConverter.ToUInt16(bytes[28..30]) == 0)
        {
            var size = (int)Math.Min(BitConverter.ToUInt32(bytes[18..22]), (uint)(bytes.Length - 38));
            var type = Encoding.ASCII.GetString(bytes.Slice(38, size));
            if (type.StartsWith("application/vnd.oasis.opendocument.", StringComparison.Ordinal))
            {
                return type;
            }
        }
        return "text/csv";
    }
}
