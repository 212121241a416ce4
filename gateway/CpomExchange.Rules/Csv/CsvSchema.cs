namespace CpomExchange.Rules.Csv;

/// <summary>How the cells of a column are validated.</summary>
public enum ColumnKind
{
    /// <summary>Free text, no control characters.</summary>
    Text,
    /// <summary>A SIRET (spaces tolerated, stored as 14 digits).</summary>
    Siret,
    /// <summary>A non-negative whole number, no separators.</summary>
    Integer,
    /// <summary>A NAF rév. 2 code such as <c>86.21Z</c>.</summary>
    NafCode,
    /// <summary>A French postal code, 5 digits.</summary>
    PostalCode,
}

/// <summary>One column of an exchange's CSV file.</summary>
/// <param name="Name">The header name, as in DOMAIN.md (lower case).</param>
/// <param name="Kind">How cells are validated.</param>
/// <param name="Required">Whether the column must be present and every cell filled.</param>
/// <param name="MaxLength">The longest accepted cell, in characters.</param>
public sealed record ColumnSpec(string Name, ColumnKind Kind, bool Required = false, int MaxLength = 200);

/// <summary>The v1 CSV schema of one exchange type.</summary>
/// <param name="ExchangeType">The exchange type code (<c>adherents</c>, ...).</param>
/// <param name="Columns">The columns, in the order files must give them.</param>
/// <param name="UniqueSiretColumn">A SIRET column whose values may appear only once in a file, if any.</param>
public sealed record CsvSchema(string ExchangeType, IReadOnlyList<ColumnSpec> Columns, string? UniqueSiretColumn = null)
{
    /// <summary>The column named <paramref name="name"/>, or null.</summary>
    public ColumnSpec? Find(string name) => Columns.FirstOrDefault(c => string.Equals(c.Name, name, StringComparison.OrdinalIgnoreCase));
}

/// <summary>The schemas of the exchanges the gateway knows.</summary>
public static class Schemas
{
    /// <summary><c>adherents</c>: SPSTI → caisse, the list of adherent establishments (DOMAIN.md §1).</summary>
    public static readonly CsvSchema Adherents = new(
        "adherents",
        [
            new ColumnSpec("siret", ColumnKind.Siret, Required: true),
            new ColumnSpec("raison_sociale", ColumnKind.Text),
            new ColumnSpec("code_naf", ColumnKind.NafCode),
            new ColumnSpec("effectif", ColumnKind.Integer),
            new ColumnSpec("code_postal", ColumnKind.PostalCode),
        ],
        UniqueSiretColumn: "siret");

    private static readonly Dictionary<string, CsvSchema> ByType = new(StringComparer.Ordinal)
    {
        [Adherents.ExchangeType] = Adherents,
    };

    /// <summary>The schema of <paramref name="exchangeType"/>, or null when the type is unknown.</summary>
    public static CsvSchema? For(string exchangeType) => ByType.GetValueOrDefault(exchangeType);

    /// <summary>Every known exchange type.</summary>
    public static IEnumerable<string> ExchangeTypes => ByType.Keys;
}
