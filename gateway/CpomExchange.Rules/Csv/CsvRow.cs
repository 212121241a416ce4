using CpomExchange.Rules.Pseudonymisation;

namespace CpomExchange.Rules.Csv;

/// <summary>
/// One valid row of a file being read: its cells in the schema's order, as the cell checks
/// normalised them, its line, and the keyed pseudonym of each identifier cell (SIRET, NIR), computed
/// once when <see cref="CsvIngestOptions.Pseudonymiser"/> is set. The same instance is reused for the
/// next row.
/// </summary>
public sealed class CsvRow
{
    private readonly UInt128[] _subjects;
    private readonly bool[] _hasSubject;

    internal CsvRow(int columns)
    {
        Cells = new string[columns];
        _subjects = new UInt128[columns];
        _hasSubject = new bool[columns];
    }

    /// <summary>The cells, in the schema's order (empty when a column is absent from the file).</summary>
    public string[] Cells { get; }

    /// <summary>The line of the file (the header is line 1).</summary>
    public long Line { get; private set; }

    /// <summary>The pseudonym of the identifier in column <paramref name="column"/>, or null (not an identifier column, empty cell, no pseudonymiser).</summary>
    public UInt128? Subject(int column) => _hasSubject[column] ? _subjects[column] : null;

    internal void Begin(long line)
    {
        Line = line;
        Array.Fill(Cells, string.Empty);
        Array.Clear(_hasSubject);
    }

    internal void SetSubject(int column, UInt128 pseudonym)
    {
        _subjects[column] = pseudonym;
        _hasSubject[column] = true;
    }

    /// <summary>The identifier kind whose pseudonyms a column of <paramref name="kind"/> holds, or null.</summary>
    internal static IdentifierKind? IdentifierOf(ColumnKind kind) => kind switch
    {
        ColumnKind.Siret => IdentifierKind.Siret,
        ColumnKind.Nir => IdentifierKind.Nir,
        _ => null,
    };
}
