using System.Text;
using CpomExchange.Infrastructure.Payloads;
using CpomExchange.Rules.Csv;
using CsvHelper;

namespace CpomExchange.Infrastructure.Tests.Payloads;

/// <summary>
/// The delivered CSV written straight to UTF-8 (<see cref="Utf8RowWriter"/>) against the writer it
/// replaced, CsvHelper's with <see cref="CsvIngestor.OutputOptions"/>: the same bytes for random
/// records of separators, quotes, CR/LF, formula characters, spaces, tabs, non-ASCII text, lone
/// surrogates, empty and null cells, and for rows far larger than its buffer.
/// </summary>
public sealed class Utf8RowWriterTests
{
    // What makes CsvHelper quote, escape or replace, mixed with ordinary text.
    private static readonly string[] Pieces =
    [
        ";", "\"", "\r", "\n", "\r\n", "=", "+", "-", "@", "\t", " ", "'", ",", "a", "Z", "0", "9", "é", "ß", "€", "日本",
        "😀", "\uD800", "\uDC00", "\u00A0", "\u200B", "ds_0123", "12345678901234", "=SUM(A1)", "-3", "@x", "",
    ];

    private static async Task<byte[]> CsvHelperBytesAsync(string?[][] records)
    {
        using var stream = new MemoryStream();
        await using (var writer = CsvWriter.Create(stream, CsvIngestor.OutputOptions, leaveOpen: true))
        {
            writer.WriteHeader(records[0].Select(c => c ?? string.Empty).ToArray());
            foreach (var record in records.Skip(1))
            {
                await writer.WriteRecordAsync(record!);
            }
        }
        return stream.ToArray();
    }

    private static async Task<byte[]> DirectBytesAsync(string?[][] records, string? firstCell = null)
    {
        using var stream = new MemoryStream();
        await using (var writer = new Utf8RowWriter(stream))
        {
            await writer.WriteAsync(null, records[0], CancellationToken.None);
            foreach (var record in records.Skip(1))
            {
                await writer.WriteAsync(firstCell, record, CancellationToken.None);
            }
        }
        return stream.ToArray();
    }

    private static string? RandomCell(Random random)
    {
        if (random.Next(20) == 0)
        {
            return random.Next(2) == 0 ? null : string.Empty;
        }
        var text = new StringBuilder();
        var pieces = random.Next(1, 6);
        for (var i = 0; i < pieces; i++)
        {
            text.Append(random.Next(3) == 0 ? Pieces[random.Next(Pieces.Length)] : ((char)random.Next(0x20, 0x7F)).ToString());
        }
        return text.ToString();
    }

    [Fact]
    public async Task Random_records_are_written_as_CsvHelper_writes_them()
    {
        var random = new Random(20261202);
        for (var round = 0; round < 200; round++)
        {
            var records = new string?[random.Next(2, 200)][];
            var columns = random.Next(1, 8);
            for (var r = 0; r < records.Length; r++)
            {
                records[r] = new string?[columns];
                for (var c = 0; c < records[r].Length; c++)
                {
                    records[r][c] = r == 0 ? RandomCell(random) ?? "h" : RandomCell(random);
                }
            }
            var expected = await CsvHelperBytesAsync(records);
            var actual = await DirectBytesAsync(records);
            Assert.True(expected.AsSpan().SequenceEqual(actual),
                $"round {round}: expected {Convert.ToHexString(expected)}, got {Convert.ToHexString(actual)}");
        }
    }

    [Theory]
    [InlineData("plain", "plain")]
    [InlineData("a;b", "\"a;b\"")]
    [InlineData("q\"q", "\"q\"\"q\"")]
    [InlineData("=1+1", "\"'=1+1\"")]
    [InlineData("+33 1", "\"'+33 1\"")]
    [InlineData("-3", "\"'-3\"")]
    [InlineData("@x", "\"'@x\"")]
    [InlineData("\tx", "\"'\tx\"")]
    [InlineData("\rx", "\"'\rx\"")]
    [InlineData("\nx", "\"\nx\"")]
    [InlineData("=a\"b", "\"'=a\"\"b\"")]
    [InlineData(" =x", " =x")]
    [InlineData("a\tb", "a\tb")]
    [InlineData("a,b", "a,b")]
    [InlineData("", "\"\"")]
    public async Task Each_rule_gives_the_bytes_CsvHelper_gives(string cell, string written)
    {
        string?[][] records = [["h"], [cell]];
        var expected = await CsvHelperBytesAsync(records);
        Assert.Equal("\uFEFFh\r\n" + written + "\r\n", Encoding.UTF8.GetString(expected));
        Assert.Equal(expected, await DirectBytesAsync(records));
    }

    [Fact]
    public async Task A_row_larger_than_the_buffer_and_a_first_cell_are_written_whole()
    {
        var big = string.Concat(Enumerable.Repeat("é;\"=x ", Utf8RowWriter.BufferSize / 3));
        string?[][] records = [["a", "b"], ["small", "=1"], [big, "-2"], ["after", big]];
        Assert.Equal(await CsvHelperBytesAsync(records), await DirectBytesAsync(records));
        // A row reference in front of each row is what writing the array with it in front gives.
        string?[][] referenced = [["ref", "a", "b"], ["ds_1:1", "small", "=1"], ["ds_1:1", big, "-2"]];
        Assert.Equal(await CsvHelperBytesAsync(referenced), await DirectBytesAsync([["ref", "a", "b"], ["small", "=1"], [big, "-2"]], "ds_1:1"));
    }

    [Fact]
    public async Task A_record_without_a_cell_is_refused_as_CsvHelper_refuses_it()
    {
        using var stream = new MemoryStream();
        await using var writer = new Utf8RowWriter(stream);
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => writer.WriteAsync(null, [], CancellationToken.None).AsTask());
        Assert.Equal("A CSV record must contain at least one field.", e.Message);
    }

    [Fact]
    public async Task A_record_of_another_width_than_the_header_is_refused_as_CsvHelper_refuses_it()
    {
        string?[][] records = [["a", "b", "c"], ["1", "2", "3"], ["1", "2"]];
        var expected = await Assert.ThrowsAsync<InvalidOperationException>(() => CsvHelperBytesAsync(records));
        var actual = await Assert.ThrowsAsync<InvalidOperationException>(() => DirectBytesAsync(records));
        Assert.Equal(expected.Message, actual.Message);
        Assert.StartsWith("Record 3 has 2 fields but the first record has 3.", actual.Message, StringComparison.Ordinal);
    }
}
