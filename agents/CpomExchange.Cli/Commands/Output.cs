using System.Text.Json;
using CpomExchange.Cli.Client;
using System.Text;
using CpomExchange.Cli.Text;
using CpomExchange.Rules.Csv;

namespace CpomExchange.Cli.Commands;

/// <summary>
/// What <c>cpom</c> prints: French for people, JSON (<c>--json</c>) for scripts. Everything goes
/// through <see cref="TerminalWriter"/>: <see cref="CpomCli.RunAsync(string[], TextWriter, TextWriter, CancellationToken)"/>
/// wraps the process's writers before any command sees them, and this class wraps whatever it is
/// given, so no command can print a control or bidirectional character a counterpart put in a
/// purpose, an object or an id.
/// </summary>
internal sealed class Output(CliIo io, bool json)
{
    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public TextWriter Out { get; } = TerminalWriter.Wrap(io.Out);
    public TextWriter Err { get; } = TerminalWriter.Wrap(io.Err);
    public bool Json { get; } = json;

    /// <summary>Where a confirmation is asked.</summary>
    public CliConsole Console { get; } = io.Console;

    /// <summary>Whether errors go to this process's console (then a progress bar may be drawn there).</summary>
    public bool ErrorIsConsole => ReferenceEquals(TerminalWriter.Unwrap(Err), System.Console.Error);

    public void WriteJson(object value) => Out.WriteLine(JsonSerializer.Serialize(value, JsonOptions));

    public void Dataset(DatasetInfo d)
    {
        Out.WriteLine($"Jeu de données : {d.Id}");
        Out.WriteLine($"  échange     : {d.Type}, de {d.From} vers {d.To}");
        Out.WriteLine($"  finalité    : {d.Purpose}{(d.Object is null ? string.Empty : $" (objet : {d.Object})")}");
        Out.WriteLine($"  lignes      : {Formats.Number(d.Rows)}");
        Out.WriteLine($"  taille      : {Formats.Number(d.Size)} octets");
        Out.WriteLine($"  SHA-256     : {d.Sha256}");
        Out.WriteLine($"  contrat     : {d.Contract}");
        Out.WriteLine($"  déposé le   : {Formats.Time(d.CreatedAt, seconds: true)}");
        if (d.ReplyTo is not null)
        {
            Out.WriteLine($"  répond à    : {d.ReplyTo}");
        }
        if (d.MaskedCells > 0)
        {
            Out.WriteLine($"  masquage    : {Masking.Describe(d)}");
        }
        if (d.Status != "available")
        {
            Out.WriteLine($"  état        : {Labels.Status(d.Status)} le {(d.ShreddedAt is { } at ? Formats.Time(at) : "-")} (contenu détruit)");
        }
    }

    /// <summary>
    /// A refusal by the gateway, on stderr (or stdout as JSON). The exit code follows the status: a
    /// request the gateway cannot take as written (400: unknown type, purpose or organisation, a
    /// parameter too long) is wrong usage, as when <c>cpom</c> notices it itself.
    /// </summary>
    public int Problem(GatewayProblem problem)
    {
        if (Json)
        {
            WriteJson(new { status = problem.Status, code = problem.Code, title = problem.Title, detail = problem.Detail, errors = problem.Errors, errorCount = problem.ErrorCount });
        }
        else
        {
            Err.WriteLine($"{(problem.Status >= 500 ? "Erreur de la passerelle" : "Refusé")} ({problem.Status}, {problem.Code}) : {problem.Title}");
            if (!string.IsNullOrEmpty(problem.Detail))
            {
                Err.WriteLine($"  {problem.Detail}");
            }
            WriteErrors(problem.Errors.Select(e => new CsvRowError(e.Line, e.Column, e.Value, e.Code, e.Reason)), problem.ErrorCount);
        }
        return ExitCode(problem.Status);
    }

    /// <summary>The exit code of an HTTP refusal (README, "Exit codes").</summary>
    public static int ExitCode(int status) => status switch
    {
        400 => ExitCodes.Usage,
        422 => ExitCodes.InvalidFile,
        404 or 410 => ExitCodes.NotFound,
        >= 500 => ExitCodes.ServerError,
        _ => ExitCodes.Refused,
    };

    /// <summary>The lines of a file report, one per error.</summary>
    public void WriteErrors(IEnumerable<CsvRowError> errors, long total)
    {
        var listed = 0;
        foreach (var e in errors)
        {
            listed++;
            var where = e.Line > 0 ? $"ligne {Formats.Number(e.Line)}" : "fichier";
            var column = e.Column is null ? string.Empty : $", colonne {e.Column}";
            var value = string.IsNullOrEmpty(e.Value) ? string.Empty : $" [valeur : {e.Value}]";
            Err.WriteLine($"  {where}{column} : {e.Reason} ({e.Code}){value}");
        }
        if (total > listed)
        {
            Err.WriteLine($"  ... et {Formats.Number(total - listed)} autre(s) erreur(s).");
        }
    }
}

/// <summary>
/// A writer for a terminal: drops every control character (escape sequences included), invisible
/// and bidirectional formatting character of what it is given — the line feed is kept and a
/// tabulation becomes a space — so that a value read from the gateway (a counterpart's purpose or
/// object in this organisation's log) can neither move the cursor, recolour, hide nor reorder
/// what the person reads.
/// </summary>
internal sealed class TerminalWriter : TextWriter
{
    private readonly TextWriter _inner;

    private TerminalWriter(TextWriter inner)
        : base(inner.FormatProvider)
    {
        _inner = inner;
        CoreNewLine = inner.NewLine.ToCharArray();
    }

    /// <summary><paramref name="writer"/>, made safe for a terminal (once).</summary>
    public static TextWriter Wrap(TextWriter writer) => writer is TerminalWriter ? writer : new TerminalWriter(writer);

    /// <summary>The writer under <paramref name="writer"/>, when it is a terminal writer.</summary>
    public static TextWriter Unwrap(TextWriter writer) => writer is TerminalWriter terminal ? terminal._inner : writer;

    /// <summary><paramref name="value"/> without what a terminal would interpret.</summary>
    public static string Clean(ReadOnlySpan<char> value)
    {
        var at = CsvIngestor.FindForbiddenCharacter(value);
        while (at >= 0 && value[at] == '\n')
        {
            var next = CsvIngestor.FindForbiddenCharacter(value[(at + 1)..]);
            at = next < 0 ? -1 : at + 1 + next;
        }
        if (at < 0)
        {
            return value.ToString();
        }
        var text = new StringBuilder(value.Length);
        foreach (var c in value)
        {
            if (c is '\n')
            {
                text.Append(c);
            }
            else if (c is '\t')
            {
                text.Append(' ');
            }
            else if (CsvIngestor.FindForbiddenCharacter([c]) < 0)
            {
                text.Append(c);
            }
        }
        return text.ToString();
    }

    public override Encoding Encoding => _inner.Encoding;

    public override void Write(char value) => _inner.Write(Clean([value]));

    public override void Write(string? value) => _inner.Write(Clean(value));

    public override void Write(char[] buffer, int index, int count) => _inner.Write(Clean(buffer.AsSpan(index, count)));

    public override void Write(ReadOnlySpan<char> buffer) => _inner.Write(Clean(buffer));

    public override void WriteLine() => _inner.WriteLine();

    public override void WriteLine(string? value) => _inner.WriteLine(Clean(value));

    public override void WriteLine(ReadOnlySpan<char> buffer) => _inner.WriteLine(Clean(buffer));

    public override Task WriteAsync(char value) => _inner.WriteAsync(Clean([value]));

    public override Task WriteAsync(string? value) => _inner.WriteAsync(Clean(value));

    public override Task WriteAsync(char[] buffer, int index, int count) => _inner.WriteAsync(Clean(buffer.AsSpan(index, count)));

    public override Task WriteAsync(ReadOnlyMemory<char> buffer, CancellationToken cancellationToken = default) =>
        _inner.WriteAsync(Clean(buffer.Span).AsMemory(), cancellationToken);

    public override Task WriteLineAsync() => _inner.WriteLineAsync();

    public override Task WriteLineAsync(char value) => _inner.WriteLineAsync(Clean([value]));

    public override Task WriteLineAsync(string? value) => _inner.WriteLineAsync(Clean(value));

    public override Task WriteLineAsync(char[] buffer, int index, int count) => _inner.WriteLineAsync(Clean(buffer.AsSpan(index, count)));

    public override Task WriteLineAsync(ReadOnlyMemory<char> buffer, CancellationToken cancellationToken = default) =>
        _inner.WriteLineAsync(Clean(buffer.Span).AsMemory(), cancellationToken);

    public override void Flush() => _inner.Flush();

    public override Task FlushAsync() => _inner.FlushAsync();

    public override Task FlushAsync(CancellationToken cancellationToken) => _inner.FlushAsync(cancellationToken);

    // The process's writers are not this writer's to close.
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _inner.Flush();
        }
        base.Dispose(disposing);
    }
}
