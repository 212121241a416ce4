using System.Buffers;
using System.Security.Cryptography;
using System.Text;

namespace CpomExchange.Infrastructure.Payloads;

/// <summary>
/// Writes a delivered dataset's CSV straight to UTF-8 bytes, byte for byte what CsvHelper's writer
/// gives with <see cref="Rules.Csv.CsvIngestor.OutputOptions"/> (<c>;</c>, CRLF, a byte-order mark,
/// formula injection escaped), without its text writer, encoder and asynchronous layers per field:
/// <list type="bullet">
/// <item>a cell whose first character a spreadsheet would run (<c>= + - @</c>, tab, CR) gets a <c>'</c> in front and is quoted;</item>
/// <item>a cell holding <c>;</c>, <c>"</c>, CR or LF is quoted, its quotes doubled; nothing else is (spaces, tabs inside, commas);</item>
/// <item>a null cell is empty, but a record of one empty cell is written <c>""</c> (not an empty line); a lone surrogate becomes U+FFFD (the UTF-8 encoder's replacement);</item>
/// <item>a record without a cell, or with another number of cells than the first (the header), is refused with CsvHelper's message.</item>
/// </list>
/// <c>Utf8RowWriterTests</c> compares it with CsvHelper over many random cells. The rows are
/// gathered in a buffer of <see cref="BufferSize"/> bytes, handed to the destination when full,
/// and zeroed when the writer is disposed (they are a dataset's plaintext).
/// </summary>
internal sealed class Utf8RowWriter : IAsyncDisposable
{
    /// <summary>The bytes gathered before they are handed to the destination.</summary>
    public const int BufferSize = 64 * 1024;

    private static readonly SearchValues<char> Quoted = SearchValues.Create(";\"\r\n");
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false);

    private readonly Stream _destination;
    private byte[] _buffer = new byte[BufferSize];
    private int _filled;
    private int _fieldCount = -1;
    private long _records;

    /// <summary>Writes to <paramref name="destination"/>, which it does not dispose; the byte-order mark first.</summary>
    public Utf8RowWriter(Stream destination)
    {
        _destination = destination;
        _buffer[0] = 0xEF;
        _buffer[1] = 0xBB;
        _buffer[2] = 0xBF;
        _filled = 3;
    }

    /// <summary>Writes one record: <paramref name="first"/> (when not null) then <paramref name="cells"/>.</summary>
    public ValueTask WriteAsync(string? first, string?[] cells, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(cells);
        var count = cells.Length + (first is null ? 0 : 1);
        if (count == 0)
        {
            throw new InvalidOperationException("A CSV record must contain at least one field.");
        }
        _records++;
        if (_fieldCount < 0)
        {
            _fieldCount = count;
        }
        else if (count != _fieldCount)
        {
            throw new InvalidOperationException($"Record {_records} has {count} fields but the first record has {_fieldCount}. " +
                "RFC 4180 requires the same number of fields in every record (set ValidateFieldCount = false to allow it).");
        }
        // At most 3 bytes per UTF-16 unit, and per cell a quote, an apostrophe, a quote and a separator; CRLF.
        long most = 2 + (first is null ? 0 : 3L * first.Length + 4);
        foreach (var cell in cells)
        {
            most += 3L * (cell?.Length ?? 0) + 4;
        }
        if (_filled + most <= _buffer.Length)
        {
            Append(first, cells);
            return _filled >= BufferSize / 2 ? FlushAsync(cancellationToken) : ValueTask.CompletedTask;
        }
        return WriteSlowAsync(first, cells, most, cancellationToken);
    }

    private async ValueTask WriteSlowAsync(string? first, string?[] cells, long most, CancellationToken cancellationToken)
    {
        await FlushAsync(cancellationToken);
        if (most > _buffer.Length)
        {
            CryptographicOperations.ZeroMemory(_buffer);
            _buffer = new byte[checked((int)most)];
        }
        Append(first, cells);
        await FlushAsync(cancellationToken);
    }

    /// <summary>Hands the bytes gathered so far to the destination.</summary>
    public async ValueTask FlushAsync(CancellationToken cancellationToken)
    {
        if (_filled > 0)
        {
            await _destination.WriteAsync(_buffer.AsMemory(0, _filled), cancellationToken);
            _filled = 0;
        }
    }

    private void Append(string? first, string?[] cells)
    {
        var span = _buffer.AsSpan();
        var at = _filled;
        var separator = false;
        if (first is null && cells.Length == 1 && string.IsNullOrEmpty(cells[0]))
        {
            // One empty cell: quoted, so that the record is not an empty line.
            span[at++] = (byte)'"';
            span[at++] = (byte)'"';
        }
        else if (first is not null)
        {
            at = Cell(span, at, first);
            separator = true;
        }
        foreach (var cell in cells)
        {
            if (separator)
            {
                span[at++] = (byte)';';
            }
            separator = true;
            at = Cell(span, at, cell ?? string.Empty);
        }
        span[at++] = (byte)'\r';
        span[at++] = (byte)'\n';
        _filled = at;
    }

    private static int Cell(Span<byte> span, int at, string cell)
    {
        if (cell.Length == 0)
        {
            return at;
        }
        var injected = cell[0] is '=' or '+' or '-' or '@' or '\t' or '\r';
        if (!injected && !cell.AsSpan().ContainsAny(Quoted))
        {
            return at + Utf8.GetBytes(cell, span[at..]);
        }
        span[at++] = (byte)'"';
        if (injected)
        {
            span[at++] = (byte)'\'';
        }
        var rest = cell.AsSpan();
        while (true)
        {
            var quote = rest.IndexOf('"');
            var part = quote < 0 ? rest : rest[..quote];
            at += Utf8.GetBytes(part, span[at..]);
            if (quote < 0)
            {
                break;
            }
            span[at++] = (byte)'"';
            span[at++] = (byte)'"';
            rest = rest[(quote + 1)..];
        }
        span[at++] = (byte)'"';
        return at;
    }

    /// <summary>Hands the last bytes to the destination, then zeroes the buffer.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            await FlushAsync(CancellationToken.None);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(_buffer);
            _filled = 0;
        }
    }
}
