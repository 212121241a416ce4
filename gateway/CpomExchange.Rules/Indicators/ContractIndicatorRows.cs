using CpomExchange.Rules.Csv;
using CpomExchange.Rules.Errors;
using CpomExchange.Rules.Policies;

namespace CpomExchange.Rules.Indicators;

/// <summary>
/// The rows of an annual table (<c>indicateurs</c>) sent under a contract: the DGT table's
/// indicators (list <c>indicateurs-suivi</c> of the catalogue) and the contract's own
/// (<see cref="Contract.Indicators"/>), side by side in the same file, one row per theme and
/// indicator. The catalogue's <c>indicateur</c> column lists the DGT codes only; a file sent under
/// a contract is read with that column opened to any code (<see cref="SchemaFor"/>), and each row is
/// then checked against the contract (<see cref="Check"/>): a DGT code as before, or one of the
/// contract's indicators under its own volet; anything else is refused with its reason.
/// </summary>
public static class ContractIndicatorRows
{
    /// <summary>The column of the indicator's code.</summary>
    public const string IndicatorColumn = "indicateur";

    /// <summary>The column of the volet (theme).</summary>
    public const string ThemeColumn = "theme";

    /// <summary>The longest indicator code.</summary>
    public const int MaxCodeLength = 60;

    /// <summary>
    /// The schema a file of <paramref name="exchange"/> is read with: the catalogue's, except for the
    /// annual table, whose <c>indicateur</c> column becomes text (the row check decides).
    /// </summary>
    public static CsvSchema SchemaFor(ExchangeDefinition exchange)
    {
        ArgumentNullException.ThrowIfNull(exchange);
        if (exchange.Type != ReportingPolicy.Indicators || exchange.Schema.Find(IndicatorColumn) is not { Kind: ColumnKind.Enum } column)
        {
            return exchange.Schema;
        }
        var opened = column with { Kind = ColumnKind.Text, Values = null, MaxLength = MaxCodeLength };
        return exchange.Schema with { Columns = exchange.Schema.Columns.Select(c => c.Name == IndicatorColumn ? opened : c).ToList() };
    }

    /// <summary>The DGT table's indicator codes: the catalogue's list for the <c>indicateur</c> column.</summary>
    public static IReadOnlyList<string> DgtCodes(ExchangeDefinition exchange)
    {
        ArgumentNullException.ThrowIfNull(exchange);
        return exchange.Schema.Find(IndicatorColumn)?.Values ?? [];
    }

    /// <summary>
    /// The row check of an annual table sent under <paramref name="contract"/> (null for any other
    /// exchange): a DGT code (case-insensitive, as the catalogue's list), or one of the contract's
    /// indicators, under its own volet.
    /// </summary>
    public static Func<string[], RowProblem?>? Check(ExchangeDefinition exchange, Contract contract)
    {
        ArgumentNullException.ThrowIfNull(exchange);
        ArgumentNullException.ThrowIfNull(contract);
        if (exchange.Type != ReportingPolicy.Indicators)
        {
            return null;
        }
        var columns = exchange.Schema.Columns.Select(c => c.Name).ToList();
        int indicator = columns.IndexOf(IndicatorColumn), theme = columns.IndexOf(ThemeColumn);
        if (indicator < 0 || theme < 0)
        {
            return null;
        }
        var dgtCodes = DgtCodes(exchange);
        var dgt = dgtCodes.ToHashSet(StringComparer.OrdinalIgnoreCase);
        var own = contract.Indicators.ToDictionary(i => i.Code, StringComparer.Ordinal);
        var declared = own.Count == 0 ? "il n'en déclare aucun" : "les siens : " + string.Join(", ", own.Keys);
        return cells =>
        {
            var code = cells[indicator];
            if (dgt.Contains(code))
            {
                return null;
            }
            if (!own.TryGetValue(code, out var found))
            {
                return new RowProblem(IndicatorColumn, ErrorCatalog.ReportIndicatorNotInContract,
                    $"Indicateur inconnu : ni un indicateur du tableau de suivi DGT ({string.Join(", ", dgtCodes)}), "
                    + $"ni un indicateur déclaré par le contrat « {contract.Id} » ({declared}).");
            }
            return cells[theme] == found.Volet
                ? null
                : new RowProblem(ThemeColumn, ErrorCatalog.ReportIndicatorOutsideVolet,
                    $"L'indicateur « {found.Code} » du contrat « {contract.Id} » relève du volet « {found.Volet} », pas de « {cells[theme]} ».");
        };
    }
}
