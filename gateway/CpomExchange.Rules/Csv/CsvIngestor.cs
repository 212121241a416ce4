using System.Globalization;
using System.Text.RegularExpressions;
using CpomExchange.Rules.Errors;
using CpomExchange.Rules.Identifiers;
using CsvHelper;

namespace CpomExchange.Rules.Csv;

/// <summary>Limits applied while a file is read.</summary>
public sealed record CsvIngestOptions
{
    /// <summary>The most data rows a file may hold.</summary>
    public long MaxRows { get; init; } = 5_000_000;

    /// <summary>The longest record, in bytes, the reader accepts (a guard against unclosed quotes).</summary>
    public int MaxRecordBytes { get; init; } = 64 * 1024;

    /// <summary>How many errors the report lists (all are counted).</summary>
    public int MaxReportedErrors { get; init; } = 1000;

    /// <summary>
    /// Where the SIRET uniqueness check spills its sorted runs on a large file (encrypted, deleted
    /// when closed); default: the system's temporary folder.
    /// </summary>
    public string? SpillDirectory { get; init; }

    /// <summary>The disk space those runs may take (shared with the other uploads); none when null.</summary>
    public SpillQuota? SpillQuota { get; init; }

    /// <summary>Called with every valid SIRET or NIR cell (normalised), to build the dataset's set of subjects.</summary>
    public Action<ColumnKind, string>? OnIdentifier { get; init; }

    /// <summary>
    /// A rule on a whole valid row (cells in schema order), such as a minimisation rule ("only SIRETs
    /// of the answered dataset"); returns null, or the error to report for that row. Asynchronous,
    /// so that a rule may read what a row refers to (the signalement a retour answers) when it first meets it.
    /// </summary>
    public Func<string[], ValueTask<RowProblem?>>? RowCheck { get; init; }

    /// <summary>Changes a valid row before it is written (small-count masking), given its line.</summary>
    public Action<string[], long>? RowTransform { get; init; }

    /// <summary>Receives each valid row instead of, or as well as, the output writer (to split a file between recipients).</summary>
    public Func<string[], ValueTask>? OnRow { get; init; }
}

/// <summary>A problem with a whole row, found by a <see cref="CsvIngestOptions.RowCheck"/>.</summary>
public sealed record RowProblem(string? Column, string Code, string Reason);

/// <summary>One problem found in a file: where, what, and why, in French.</summary>
/// <param name="Line">The line of the file (the header is line 1); 0 when the problem concerns the whole file.</param>
/// <param name="Column">The column, when known.</param>
/// <param name="Value">The offending value, shortened, when there is one.</param>
/// <param name="Code">The stable code from <see cref="ErrorCatalog"/>.</param>
/// <param name="Reason">A French sentence for people.</param>
public sealed record CsvRowError(long Line, string? Column, string? Value, string Code, string Reason);

/// <summary>What reading a file found.</summary>
public sealed class CsvIngestResult
{
    private readonly List<CsvRowError> _errors = [];

    /// <summary>The number of data rows read.</summary>
    public long Rows { get; internal set; }

    /// <summary>The errors listed (at most <see cref="CsvIngestOptions.MaxReportedErrors"/>).</summary>
    public IReadOnlyList<CsvRowError> Errors => _errors;

    /// <summary>The number of errors found, listed or not.</summary>
    public long ErrorCount { get; private set; }

    /// <summary>The encoding the file was read as.</summary>
    public string? Encoding { get; internal set; }

    /// <summary>The separator found in the file.</summary>
    public char Separator { get; internal set; }

    /// <summary>True when the file has no error.</summary>
    public bool IsValid => ErrorCount == 0;

    internal void Add(CsvRowError error, int maxReported)
    {
        ErrorCount++;
        if (_errors.Count < maxReported)
        {
            _errors.Add(error);
        }
    }

    /// <summary>Puts the listed errors in line order (errors found at the end of the file, such as duplicates, go to their line).</summary>
    internal void SortErrorsByLine()
    {
        var sorted = _errors.OrderBy(e => e.Line).ToList();
        _errors.Clear();
        _errors.AddRange(sorted);
    }
}

/// <summary>
/// Reads an uploaded CSV file row by row against an exchange's schema: decodes it, checks the header
/// and every cell, and writes the normalised rows to <c>output</c> while no error has been found.
/// One bad row makes the whole file invalid; the caller then discards what was written.
/// </summary>
public static partial class CsvIngestor
{
    private static string? Magic(ReadOnlySpan<byte> head) => head switch
    {
        [0x1F, 0x8B, ..] => "compressé (gzip)",
        [0x50, 0x4B, 0x03, 0x04, ..] => "une archive ZIP (ou un classeur Excel .xlsx)",
        [0xD0, 0xCF, 0x11, 0xE0, ..] => "un classeur Excel .xls",
        [0x25, 0x50, 0x44, 0x46, ..] => "un PDF",
        [0x28, 0xB5, 0x2F, 0xFD, ..] => "compressé (zstd)",
        _ => null,
    };

    private static async Task DrainAsync(Stream input, CancellationToken cancellationToken)
    {
        // The rest of the body is read (and dropped), so that the client gets the answer, not a reset.
        var buffer = new byte[81920];
        while (await input.ReadAsync(buffer, cancellationToken).ConfigureAwait(false) > 0)
        {
        }
    }

    /// <summary>A stream that first returns bytes already read from another, then the rest of it.</summary>
    private sealed class PrefixedStream(ReadOnlyMemory<byte> prefix, Stream inner) : Stream
    {
        private ReadOnlyMemory<byte> _prefix = prefix;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            if (!_prefix.IsEmpty)
            {
                var n = Math.Min(buffer.Length, _prefix.Length);
                _prefix.Span[..n].CopyTo(buffer);
                _prefix = _prefix[n..];
                return n;
            }
            return inner.Read(buffer);
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (!_prefix.IsEmpty)
            {
                var n = Math.Min(buffer.Length, _prefix.Length);
                _prefix.Span[..n].CopyTo(buffer.Span);
                _prefix = _prefix[n..];
                return ValueTask.FromResult(n);
            }
            return inner.ReadAsync(buffer, cancellationToken);
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    /// <summary>The formats the output CSV uses: what people open in Excel.</summary>
    public static CsvWriterOptions OutputOptions { get; } = new()
    {
        Separator = ';',
        NewLine = "\r\n",
        WriteByteOrderMark = true,
        // Cells that a spreadsheet would run as formulas (= + - @ tab CR) are prefixed with '.
        Injection = CsvInjection.Escape,
    };

    /// <summary>Reads <paramref name="input"/> against <paramref name="schema"/>.</summary>
    public static async Task<CsvIngestResult> IngestAsync(
        Stream input,
        CsvSchema schema,
        CsvWriter? output,
        CsvIngestOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(schema);
        options ??= new CsvIngestOptions();
        var result = new CsvIngestResult();
        // A compressed or binary file is named for what it is, rather than reported byte by byte.
        var head = new byte[4];
        var headLength = 0;
        while (headLength < head.Length && await input.ReadAsync(head.AsMemory(headLength), cancellationToken).ConfigureAwait(false) is var n and > 0)
        {
            headLength += n;
        }
        if (Magic(head.AsSpan(0, headLength)) is { } kind)
        {
            result.Add(new CsvRowError(0, null, null, ErrorCatalog.NotCsv, $"Le fichier est {kind}, pas un CSV : envoyez le fichier CSV lui-même, non compressé."), options.MaxReportedErrors);
            await DrainAsync(input, cancellationToken).ConfigureAwait(false);
            return result;
        }
        input = new PrefixedStream(head.AsMemory(0, headLength), input);
        var text = new DetectingTextReader(input);
        var readerOptions = new CsvReaderOptions
        {
            HasHeader = true,
            Separator = null,
            AllowLineBreaksInQuotes = false,
            SkipEmptyLines = true,
            TrimWhitespace = true,
            TrackLineNumbers = true,
            IncludeValuesInExceptions = false,
            FieldCountMismatch = CsvFieldCountHandling.Allow,
            MissingField = CsvMissingFieldHandling.ReturnEmpty,
            MalformedData = CsvMalformedDataHandling.Recover,
            MaxRecordSize = options.MaxRecordBytes,
            OnMalformedRecord = m =>
            {
                if (m.Reason != CsvMalformedReason.FieldCountMismatch)
                {
                    result.Add(new CsvRowError(m.LineNumber, null, null, ErrorCatalog.BadQuotes, DescribeQuotes(m.Reason)), options.MaxReportedErrors);
                }
            },
        };
        var reader = CsvReader.Create(text, readerOptions, leaveOpen: true);
        await using (reader.ConfigureAwait(false))
        {
            try
            {
                await ReadAsync(reader, text, schema, output, options, result, cancellationToken).ConfigureAwait(false);
            }
            catch (CsvDecodingException e)
            {
                result.Add(new CsvRowError(e.Line > 0 ? e.Line : reader.LineNumber, null, null, ErrorCatalog.BadEncoding,
                    "Le fichier n'est ni en UTF-8 ni en Windows-1252 : enregistrez-le en « CSV UTF-8 »."), options.MaxReportedErrors);
                await DrainAsync(input, cancellationToken).ConfigureAwait(false);
            }
            catch (CsvFormatException e)
            {
                // With malformed quotes recovered, what the reader gives up on is a record over MaxRecordSize.
                result.Add(new CsvRowError(Math.Max(e.LineNumber, reader.LineNumber), null, null, ErrorCatalog.RecordTooLong,
                    $"Ligne de plus de {options.MaxRecordBytes / 1024} Kio : un guillemet n'est-il pas refermé, ou le fichier n'est-il pas un CSV ?"), options.MaxReportedErrors);
                await DrainAsync(input, cancellationToken).ConfigureAwait(false);
            }
        }
        result.Encoding = text.DetectedEncoding ?? "ascii";
        return result;
    }

    private static async Task ReadAsync(
        CsvReader reader, DetectingTextReader text, CsvSchema schema, CsvWriter? output,
        CsvIngestOptions options, CsvIngestResult result, CancellationToken cancellationToken)
    {
        await reader.ReadHeaderAsync(cancellationToken).ConfigureAwait(false);
        if (text.BytesRead == 0 || reader.Headers.Count == 0 || reader.Headers.All(string.IsNullOrWhiteSpace))
        {
            result.Add(new CsvRowError(0, null, null, ErrorCatalog.Empty, "Le fichier est vide."), options.MaxReportedErrors);
            return;
        }
        result.Separator = reader.Separator;
        var columns = CheckHeader(reader, schema, options, result);
        if (columns is null)
        {
            // The header is wrong: the rows cannot be checked, but the input is read to its end.
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                result.Rows++;
            }
            return;
        }

        if (output is not null)
        {
            output.WriteHeader(schema.Columns.Select(c => c.Name).ToArray());
        }
        using var seen = new UniqueValues(options.SpillDirectory, options.SpillQuota);
        var cells = new string[schema.Columns.Count];
        var namedCount = columns.Length;
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            result.Rows++;
            var line = reader.LineNumber;
            if (result.Rows > options.MaxRows)
            {
                if (result.Rows == options.MaxRows + 1)
                {
                    result.Add(new CsvRowError(line, null, null, ErrorCatalog.TooManyRows,
                        $"Le fichier dépasse la limite de {options.MaxRows.ToString("N0", CultureInfo.GetCultureInfo("fr-FR"))} lignes."), options.MaxReportedErrors);
                }
                continue;
            }
            var errorsBefore = result.ErrorCount;
            var fieldCount = reader.FieldCount;
            if (fieldCount < namedCount)
            {
                result.Add(new CsvRowError(line, null, null, ErrorCatalog.FieldCount,
                    $"La ligne compte {fieldCount} champ(s) au lieu de {namedCount} : vérifiez le séparateur « {reader.Separator} »."), options.MaxReportedErrors);
                continue;
            }
            for (var i = namedCount; i < fieldCount; i++)
            {
                if (!reader[i].IsEmpty)
                {
                    result.Add(new CsvRowError(line, null, Shorten(reader[i].ToString()), ErrorCatalog.FieldCount,
                        $"La ligne compte plus de champs que l'en-tête ({namedCount})."), options.MaxReportedErrors);
                    break;
                }
            }
            Array.Fill(cells, string.Empty);
            for (var i = 0; i < namedCount; i++)
            {
                var (spec, index) = columns[i];
                if (spec is null)
                {
                    continue;
                }
                var raw = reader[i].ToString() ?? string.Empty;
                var before = result.ErrorCount;
                cells[index] = CheckCell(spec, raw, line, result, options, seen);
                if (options.OnIdentifier is not null && result.ErrorCount == before && cells[index].Length > 0 && spec.Kind is ColumnKind.Siret or ColumnKind.Nir)
                {
                    options.OnIdentifier(spec.Kind, cells[index]);
                }
            }
            if (result.ErrorCount == errorsBefore && options.RowCheck is not null && await options.RowCheck(cells).ConfigureAwait(false) is { } problem)
            {
                result.Add(new CsvRowError(line, problem.Column, null, problem.Code, problem.Reason), options.MaxReportedErrors);
            }
            if (result.ErrorCount == 0 && errorsBefore == 0)
            {
                options.RowTransform?.Invoke(cells, line);
                if (output is not null)
                {
                    await output.WriteRecordAsync(cells, cancellationToken).ConfigureAwait(false);
                }
                if (options.OnRow is not null)
                {
                    await options.OnRow(cells).ConfigureAwait(false);
                }
            }
        }
        if (seen.ReportDuplicateSirets(result, options))
        {
            result.SortErrorsByLine();
        }
        if (result.Rows == 0)
        {
            result.Add(new CsvRowError(0, null, null, ErrorCatalog.NoRows, "Le fichier ne contient que l'en-tête, aucune ligne de données."), options.MaxReportedErrors);
        }
    }

    /// <summary>
    /// Maps each header position to its column of the schema. Trailing unnamed columns (Excel's
    /// empty columns) are ignored. Returns null when the header is wrong.
    /// </summary>
    private static (ColumnSpec? Spec, int Index)[]? CheckHeader(CsvReader reader, CsvSchema schema, CsvIngestOptions options, CsvIngestResult result)
    {
        var names = reader.Headers.Select(h => h.Trim().Trim('\uFEFF').Trim().ToLowerInvariant()).ToList();
        while (names.Count > 0 && names[^1].Length == 0)
        {
            names.RemoveAt(names.Count - 1);
        }
        var errorsBefore = result.ErrorCount;
        if (names.Count == 1 && reader.Separator is not (';' or ','))
        {
            result.Add(new CsvRowError(1, null, Shorten(names[0]), ErrorCatalog.BadDelimiter,
                "Séparateur non reconnu : les colonnes doivent être séparées par « ; » (ou « , »)."), options.MaxReportedErrors);
            return null;
        }
        if (reader.Separator is not (';' or ','))
        {
            result.Add(new CsvRowError(1, null, reader.Separator.ToString(), ErrorCatalog.BadDelimiter,
                $"Séparateur « {Printable(reader.Separator)} » non accepté : utilisez « ; » (ou « , »)."), options.MaxReportedErrors);
            return null;
        }
        var map = new (ColumnSpec? Spec, int Index)[names.Count];
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var lastIndex = -1;
        var ordered = true;
        var unknown = 0;
        for (var i = 0; i < names.Count; i++)
        {
            var name = names[i];
            var spec = schema.Find(name);
            if (spec is null)
            {
                result.Add(new CsvRowError(1, name.Length == 0 ? null : Shorten(name), null, ErrorCatalog.UnknownColumn,
                    name.Length == 0
                        ? $"La colonne n° {i + 1} n'a pas de nom."
                        : $"Colonne « {Shorten(name)} » inconnue pour l'échange « {schema.ExchangeType} »."
                          + (unknown++ == 0 ? $" Colonnes attendues : {string.Join(";", schema.Columns.Select(c => c.Name))}." : string.Empty)),
                    options.MaxReportedErrors);
                continue;
            }
            if (!seen.Add(spec.Name))
            {
                result.Add(new CsvRowError(1, spec.Name, null, ErrorCatalog.DuplicateColumn, $"La colonne « {spec.Name} » apparaît plusieurs fois."), options.MaxReportedErrors);
                continue;
            }
            var index = IndexOf(schema, spec);
            if (index < lastIndex)
            {
                ordered = false;
            }
            lastIndex = index;
            map[i] = (spec, index);
        }
        foreach (var spec in schema.Columns.Where(c => c.Required && !seen.Contains(c.Name)))
        {
            result.Add(new CsvRowError(1, spec.Name, null, ErrorCatalog.MissingColumn, $"La colonne obligatoire « {spec.Name} » est absente."), options.MaxReportedErrors);
        }
        if (!ordered)
        {
            result.Add(new CsvRowError(1, null, null, ErrorCatalog.ColumnOrder,
                $"Les colonnes doivent suivre l'ordre du modèle : {string.Join(";", schema.Columns.Select(c => c.Name))}."), options.MaxReportedErrors);
        }
        return result.ErrorCount == errorsBefore ? map : null;
    }

    private static int IndexOf(CsvSchema schema, ColumnSpec spec)
    {
        for (var i = 0; i < schema.Columns.Count; i++)
        {
            if (ReferenceEquals(schema.Columns[i], spec))
            {
                return i;
            }
        }
        return -1;
    }

    /// <summary>Validates one cell and returns its normalised value.</summary>
    private static string CheckCell(ColumnSpec spec, string raw, long line, CsvIngestResult result, CsvIngestOptions options, UniqueValues seen)
    {
        var ok = true;
        void Fail(string code, string reason, string? value = null, bool policyMessage = true)
        {
            ok = false;
            result.Add(new CsvRowError(line, spec.Name, value ?? ShortenValue(spec, raw), code, policyMessage ? spec.Message ?? reason : reason), options.MaxReportedErrors);
        }

        if (raw.Length == 0)
        {
            if (spec.Required)
            {
                result.Add(new CsvRowError(line, spec.Name, string.Empty, ErrorCatalog.Required, $"La colonne « {spec.Name} » doit être renseignée."), options.MaxReportedErrors);
            }
            return raw;
        }
        if (raw.Length > spec.MaxLength)
        {
            result.Add(new CsvRowError(line, spec.Name, ShortenValue(spec, raw), ErrorCatalog.TooLong, $"Valeur de {raw.Length} caractères : {spec.MaxLength} au plus."), options.MaxReportedErrors);
            return raw;
        }
        var bad = FindForbiddenCharacter(raw);
        if (bad >= 0)
        {
            result.Add(new CsvRowError(line, spec.Name, spec.Pseudonymised ? null : Shorten(Visible(raw)), ErrorCatalog.BadCharacter,
                $"Caractère interdit U+{(int)raw[bad]:X4} (caractère de contrôle, invisible ou de sens d'écriture)."), options.MaxReportedErrors);
            return raw;
        }
        var value = raw;
        switch (spec.Kind)
        {
            case ColumnKind.Siret:
            {
                value = Siret.Normalise(raw);
                var problem = Siret.Check(value);
                if (problem != Siret.Problem.None)
                {
                    Fail(ErrorCatalog.BadSiret, Siret.Describe(problem));
                }
                break;
            }
            case ColumnKind.Nir:
                value = Nir.Normalise(raw);
                if (!Nir.IsValid(value))
                {
                    Fail(ErrorCatalog.BadNir, "NIR attendu : 13 caractères et une clé de 2 chiffres (2A ou 2B pour la Corse), clé vérifiée.");
                }
                break;
            case ColumnKind.Integer:
                if (raw.Length > 9 || !raw.All(char.IsAsciiDigit))
                {
                    Fail(ErrorCatalog.BadInteger, "Nombre entier positif attendu, sans espace ni séparateur de milliers.");
                }
                break;
            case ColumnKind.Decimal:
                if (!DecimalPattern().IsMatch(raw))
                {
                    Fail(ErrorCatalog.BadDecimal, "Nombre attendu, avec une virgule décimale (28,8), sans espace ni séparateur de milliers.");
                }
                else
                {
                    value = raw.Replace('.', ',');
                }
                break;
            case ColumnKind.Date:
                if (DateOnly.TryParseExact(raw, ["dd/MM/yyyy", "yyyy-MM-dd"], CultureInfo.InvariantCulture, DateTimeStyles.None, out var date)
                    && date.Year is >= 1900 and <= 2100)
                {
                    value = date.ToString("dd/MM/yyyy", CultureInfo.InvariantCulture);
                }
                else
                {
                    Fail(ErrorCatalog.BadDate, "Date attendue au format JJ/MM/AAAA (par exemple 31/12/2025).");
                }
                break;
            case ColumnKind.Year:
                if (raw.Length != 4 || !int.TryParse(raw, NumberStyles.None, CultureInfo.InvariantCulture, out var year) || year is < 2000 or > 2100)
                {
                    Fail(ErrorCatalog.BadYear, "Année attendue sur 4 chiffres (par exemple 2025).");
                }
                break;
            case ColumnKind.Enum:
            {
                var match = spec.Values?.FirstOrDefault(v => string.Equals(v, raw, StringComparison.OrdinalIgnoreCase));
                if (match is null)
                {
                    Fail(ErrorCatalog.BadCode, $"Valeur non reconnue ; valeurs admises : {string.Join(", ", spec.Values ?? [])}.");
                }
                else
                {
                    value = match;
                }
                break;
            }
            case ColumnKind.NafCode:
                value = raw.ToUpperInvariant();
                if (!NafPattern().IsMatch(value))
                {
                    Fail(ErrorCatalog.BadNaf, "Code NAF rév. 2 attendu, sous la forme 86.21Z.");
                }
                break;
            case ColumnKind.PostalCode:
                if (raw.Length != 5 || !raw.All(char.IsAsciiDigit))
                {
                    Fail(ErrorCatalog.BadPostalCode, "Code postal à 5 chiffres attendu.");
                }
                break;
            case ColumnKind.Email:
                if (!EmailPattern().IsMatch(raw))
                {
                    Fail(ErrorCatalog.BadEmail, "Adresse électronique attendue (nom@domaine.fr).");
                }
                break;
            case ColumnKind.Phone:
                if (!PhonePattern().IsMatch(raw) || raw.Count(char.IsAsciiDigit) is < 6 or > 15)
                {
                    Fail(ErrorCatalog.BadPhone, "Numéro de téléphone attendu (chiffres, espaces, points, tirets, + en tête).");
                }
                break;
            case ColumnKind.Reference:
                if (!ReferencePattern().IsMatch(raw))
                {
                    Fail(ErrorCatalog.BadReference, "Identifiant de jeu de données attendu (ds_ suivi de 32 caractères hexadécimaux).");
                }
                break;
            case ColumnKind.RowReference:
                if (!RowReferences.TryParse(raw, out _, out _))
                {
                    Fail(ErrorCatalog.BadReference, "Référence d'une ligne attendue, telle que la passerelle l'a donnée : ds_ suivi de 32 caractères hexadécimaux, deux-points, numéro de ligne (ds_…:3).");
                }
                break;
            default:
                break;
        }
        if (ok && spec.Pattern is not null && !MatchesPattern(value, spec.Pattern))
        {
            Fail(ErrorCatalog.BadFormat, "Valeur au format inattendu.");
        }
        if (ok && spec.Unique)
        {
            var firstLine = seen.FirstLine(spec, value, line);
            if (firstLine is not null)
            {
                Fail(spec.Kind == ColumnKind.Siret ? ErrorCatalog.DuplicateSiret : ErrorCatalog.DuplicateValue,
                    spec.Kind == ColumnKind.Siret ? $"Ce SIRET figure déjà à la ligne {firstLine}." : $"Cette valeur figure déjà à la ligne {firstLine}.",
                    policyMessage: false);
            }
        }
        return value;
    }

    /// <summary>A pattern that takes too long on a hostile value counts as not matching: the cell is refused, the upload goes on.</summary>
    private static bool MatchesPattern(string value, string pattern)
    {
        try
        {
            return Regex.IsMatch(value, pattern, RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(100));
        }
        catch (RegexMatchTimeoutException)
        {
            return false;
        }
    }

    /// <summary>Personal identifiers are not echoed back in reports (they may be logged or forwarded).</summary>
    private static string? ShortenValue(ColumnSpec spec, string raw) => spec.Pseudonymised ? null : Shorten(raw);

    /// <summary>The values already seen in unique columns, with the line they were first seen on.</summary>
    private sealed class UniqueValues(string? spillDirectory, SpillQuota? spillQuota) : IDisposable
    {
        private readonly Dictionary<string, (ColumnSpec Spec, ExternalSorter<SiretAt> Sorter)> _sirets = new(StringComparer.Ordinal);
        private readonly Dictionary<string, Dictionary<string, long>> _strings = new(StringComparer.Ordinal);

        /// <summary>
        /// Null the first time a value is seen in a column, else the line it was first seen on. A SIRET
        /// is only noted here: duplicated SIRETs are found at the end of the file
        /// (<see cref="ReportDuplicateSirets"/>), by sorting (SIRET, line) pairs with bounded memory,
        /// so that an adherents list of millions of rows does not hold them all in memory.
        /// </summary>
        public long? FirstLine(ColumnSpec spec, string value, long line)
        {
            if (spec.Kind == ColumnKind.Siret && long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var number))
            {
                if (!_sirets.TryGetValue(spec.Name, out var entry))
                {
                    entry = _sirets[spec.Name] = (spec, new ExternalSorter<SiretAt>(directory: spillDirectory, quota: spillQuota));
                }
                entry.Sorter.Add(new SiretAt(number, line));
                return null;
            }
            var strings = _strings.TryGetValue(spec.Name, out var s) ? s : _strings[spec.Name] = new Dictionary<string, long>(StringComparer.Ordinal);
            return strings.TryAdd(value, line) ? null : strings[value];
        }

        /// <summary>Reports every SIRET found again after its first line; true when there was one.</summary>
        public bool ReportDuplicateSirets(CsvIngestResult result, CsvIngestOptions options)
        {
            var found = false;
            foreach (var (spec, sorter) in _sirets.Values)
            {
                long previous = -1, firstLine = 0;
                foreach (var (siret, line) in sorter.Sorted())
                {
                    if (siret == previous)
                    {
                        result.Add(new CsvRowError(line, spec.Name, siret.ToString("D14", CultureInfo.InvariantCulture), ErrorCatalog.DuplicateSiret,
                            $"Ce SIRET figure déjà à la ligne {firstLine}."), options.MaxReportedErrors);
                        found = true;
                        continue;
                    }
                    (previous, firstLine) = (siret, line);
                }
            }
            return found;
        }

        public void Dispose()
        {
            foreach (var (_, sorter) in _sirets.Values)
            {
                sorter.Dispose();
            }
        }
    }

    /// <summary>A SIRET and the line it is on, ordered by SIRET then line.</summary>
    private readonly record struct SiretAt(long Siret, long Line) : IComparable<SiretAt>
    {
        public int CompareTo(SiretAt other) => Siret != other.Siret ? Siret.CompareTo(other.Siret) : Line.CompareTo(other.Line);
    }

    /// <summary>
    /// The index of the first forbidden character of <paramref name="value"/>, or -1: control
    /// characters, a byte-order mark inside the text, zero-width and bidirectional formatting
    /// characters (the Arabic letter mark and the line and paragraph separators included), which hide
    /// what a cell says from the person who reads it.
    /// </summary>
    public static int FindForbiddenCharacter(string value) => FindForbiddenCharacter(value.AsSpan());

    /// <summary>The index of the first control, invisible or bidirectional character of <paramref name="value"/>, or -1.</summary>
    public static int FindForbiddenCharacter(ReadOnlySpan<char> value)
    {
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (c < ' ' || c == '\u007F' || (c >= '\u0080' && c <= '\u009F') || c == '\uFEFF' || c == '\uFFFD'
                || c == '\u061C' || (c >= '\u200B' && c <= '\u200F') || (c >= '\u2028' && c <= '\u202E') || (c >= '\u2060' && c <= '\u2069'))
            {
                return i;
            }
        }
        return -1;
    }

    private static string Visible(string value) =>
        string.Concat(value.Select(c => FindForbiddenCharacter(c.ToString()) >= 0 ? $"\\u{(int)c:X4}" : c.ToString()));

    private static string Printable(char c) => c switch
    {
        '\t' => "tabulation",
        _ => c.ToString(),
    };

    private static string DescribeQuotes(CsvMalformedReason reason) => reason switch
    {
        CsvMalformedReason.StrayQuote => "Guillemet isolé dans un champ non entouré de guillemets.",
        CsvMalformedReason.TextAfterClosingQuote => "Texte après le guillemet fermant d'un champ.",
        CsvMalformedReason.UnterminatedQuote => "Guillemet ouvrant jamais refermé.",
        CsvMalformedReason.LineBreakInQuotes => "Retour à la ligne à l'intérieur d'un champ entre guillemets.",
        _ => "Guillemets mal formés.",
    };

    /// <summary>Shortens a value for an error report.</summary>
    public static string Shorten(string value) => value.Length <= 60 ? value : string.Concat(value.AsSpan(0, 57), "...");

    [GeneratedRegex("^[0-9]{2}\\.[0-9]{2}[A-Z]$", RegexOptions.CultureInvariant)]
    private static partial Regex NafPattern();

    [GeneratedRegex("^[0-9]{1,12}([.,][0-9]{1,6})?$", RegexOptions.CultureInvariant)]
    private static partial Regex DecimalPattern();

    [GeneratedRegex("^[^@\\s;,<>\"]+@[^@\\s;,<>\"]+\\.[^@\\s;,<>\"]+$", RegexOptions.CultureInvariant)]
    private static partial Regex EmailPattern();

    [GeneratedRegex("^\\+?[0-9][0-9 .\\-()]{4,24}$", RegexOptions.CultureInvariant)]
    private static partial Regex PhonePattern();

    [GeneratedRegex("^ds_[0-9a-f]{32}$", RegexOptions.CultureInvariant)]
    private static partial Regex ReferencePattern();
}
