using System.Text;
using CpomExchange.Rules.Csv;

namespace CpomExchange.Rules.Tests.Csv;

public sealed class DetectingTextReaderTests
{
    private static async Task<(string Text, string? Encoding)> ReadAllAsync(byte[] bytes, int bufferSize = 16)
    {
        using var reader = new DetectingTextReader(new MemoryStream(bytes), bufferSize);
        var text = await reader.ReadToEndAsync();
        return (text, reader.DetectedEncoding);
    }

    [Fact]
    public async Task Bom_IsRemoved_AndUtf8Chosen()
    {
        var (text, encoding) = await ReadAllAsync([0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes("é;à")]);
        Assert.Equal("é;à", text);
        Assert.Equal("utf-8-bom", encoding);
    }

    [Fact]
    public async Task MultiByteSequences_SplitAcrossBuffers_AreDecoded()
    {
        var expected = string.Concat(Enumerable.Repeat("aé€𝄞", 50));
        var (text, encoding) = await ReadAllAsync(Encoding.UTF8.GetBytes(expected), bufferSize: 9);
        Assert.Equal(expected, text);
        Assert.Equal("utf-8", encoding);
    }

    [Fact]
    public async Task Windows1252_IsChosen_WhenTheFirstNonAsciiByteIsNotUtf8()
    {
        Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);
        var (text, encoding) = await ReadAllAsync(Encoding.GetEncoding(1252).GetBytes("SOCIÉTÉ – 12 €"));
        Assert.Equal("SOCIÉTÉ – 12 €", text);
        Assert.Equal("windows-1252", encoding);
    }

    [Fact]
    public async Task AsciiOnly_StaysUndecided()
    {
        var (text, encoding) = await ReadAllAsync(Encoding.ASCII.GetBytes("siret;raison_sociale"));
        Assert.Equal("siret;raison_sociale", text);
        Assert.Null(encoding);
    }

    [Fact]
    public async Task BytesUndefinedInWindows1252_AreRefused()
    {
        // 0x81 is undefined in Windows-1252 and cannot start a UTF-8 sequence.
        await Assert.ThrowsAsync<CsvDecodingException>(() => ReadAllAsync([0x41, 0x81, 0x42]));
    }
}
