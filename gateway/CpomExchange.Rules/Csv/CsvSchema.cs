namespace CpomExchange.Rules.Csv;

/// <summary>How the cells of a column are validated (the <c>type</c> of a column in exchanges.yaml).</summary>
public enum ColumnKind
{
    /// <summary><c>text</c>: free text, no control or invisible characters; optional <c>pattern</c>.</summary>
    Text,
    /// <summary><c>siret</c>: spaces tolerated, stored as 14 digits.</summary>
    Siret,
    /// <summary><c>nir</c>: 15 characters with a valid key (2A/2B for Corsica), stored upper-case without spaces.</summary>
    Nir,
    /// <summary><c>integer</c>: a non-negative whole number, no separators.</summary>
    Integer,
    /// <summary><c>decimal</c>: a non-negative number, French (<c>28,8</c>) or with a point; stored with a comma.</summary>
    Decimal,
    /// <summary><c>date</c>: <c>31/12/2025</c> (or <c>2025-12-31</c>), stored as JJ/MM/AAAA.</summary>
    Date,
    /// <summary><c>year</c>: four digits, 2000 to 2100.</summary>
    Year,
    /// <summary><c>enum</c>: one of a list of codes (case-insensitive, stored as listed).</summary>
    Enum,
    /// <summary><c>naf</c>: a NAF rév. 2 code such as <c>86.21Z</c>.</summary>
    NafCode,
    /// <summary><c>postal-code</c>: a French postal code, 5 digits.</summary>
    PostalCode,
    /// <summary><c>email</c>: an e-mail address.</summary>
    Email,
    /// <summary><c>phone</c>: a telephone number.</summary>
    Phone,
    /// <summary><c>reference</c>: the identifier of a dataset of the gateway (<c>ds_</c> + 32 hex digits).</summary>
    Reference,
    /// <summary><c>row-reference</c>: one row of a dataset, as the gateway numbered it (<c>ds_…:3</c>, see <see cref="RowReferences"/>).</summary>
    RowReference,
}

/// <summary>One column of an exchange's CSV file.</summary>
/// <param name="Name">The header name, as in DOMAIN.md (lower case).</param>
/// <param name="Kind">How cells are validated.</param>
/// <param name="Required">Whether the column must be present and every cell filled.</param>
/// <param name="MaxLength">The longest accepted cell, in characters.</param>
/// <param name="Unique">Whether a value may appear only once in a file.</param>
/// <param name="Values">The accepted codes of an enum column.</param>
/// <param name="Pattern">A regular expression text cells must match.</param>
/// <param name="Message">The French reason given when a cell breaks the column's rule.</param>
/// <param name="Pseudonymised">Whether the values identify a person and appear outside the payload only as keyed pseudonyms.</param>
/// <param name="RateOf">The column this one is a rate of (the indice de fréquence is a rate of <c>nb_at</c>): documentation that the
/// policy loader uses to refuse a masking rule that would leave the rate of a masked count in clear.</param>
public sealed record ColumnSpec(
    string Name,
    ColumnKind Kind,
    bool Required = false,
    int MaxLength = 200,
    bool Unique = false,
    IReadOnlyList<string>? Values = null,
    string? Pattern = null,
    string? Message = null,
    bool Pseudonymised = false,
    string? RateOf = null);

/// <summary>The v1 CSV schema of one exchange type.</summary>
/// <param name="ExchangeType">The exchange type code (<c>adherents</c>, ...).</param>
/// <param name="Columns">The columns, in the order files must give them.</param>
public sealed record CsvSchema(string ExchangeType, IReadOnlyList<ColumnSpec> Columns)
{
    /// <summary>The column named <paramref name="name"/>, or null.</summary>
    public ColumnSpec? Find(string name) => Columns.FirstOrDefault(c => string.Equals(c.Name, name, StringComparison.OrdinalIgnoreCase));
}
