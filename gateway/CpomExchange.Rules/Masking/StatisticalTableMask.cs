using System.Globalization;
using CpomExchange.Rules.Csv;
using CpomExchange.Rules.Errors;
using CpomExchange.Rules.Policies;

namespace CpomExchange.Rules.Masking;

/// <summary>
/// Statistical secrecy on a whole table of aggregates (<c>statistiques-sinistralite</c>): each row is a
/// cell of the table (a sector × an area × a year), and rows are linked by sums (a total of an area is
/// the sum of its parts). Applied to the whole file once it is read and valid, before anything is
/// stored, at the contract's threshold. Three steps, all decided on the values as sent:
/// <list type="number">
/// <item><b>Small cells.</b> A row counting from 1 to threshold − 1 establishments (or not saying how
/// many) is masked whole: every count, rate and the effectif. With so few establishments any figure
/// describes one company, perhaps one person. A row of zero establishments counts no one and is shown.</item>
/// <item><b>Small counts</b>, row by row, exactly as <c>sinistralite</c> (<see cref="SmallCountMask"/>):
/// a count from 1 to threshold − 1 shows the marker, and the columns that reveal it the secondary marker.</item>
/// <item><b>Complementary suppression, until stable.</b>
/// <list type="bullet">
/// <item>in a row, a rate is masked when a column it is computed from is (IF = nb_at × 1000 / effectif
/// gives back nb_at from the effectif, or the effectif from nb_at);</item>
/// <item>across rows, for each additive column and each margin group (a total row and the rows that
/// differ from it only in the margin's dimension: the départements of one sector and their
/// <c>REGION</c> row, the sectors of one area and their <c>TOUS</c> row), a group holding exactly one
/// masked cell would give it back as total − sum of the others: the next-smallest visible cell of the
/// group is masked too (a part before the total; a non-zero value before a zero, which could be
/// guessed). A cell masked this way can break another group (the same cell in the other dimension)
/// or a rate of its row, so the whole pass repeats until nothing changes (it ends: each pass masks
/// at least one more cell, or stops).</item>
/// </list></item>
/// </list>
/// In a two-dimensional table with its margins (which is what one file is: its <c>uniform</c>
/// dimensions take one value, the others are the margin's and the file's own), every group holding
/// zero or at least two masked cells means each masked cell lies on a cycle of masked cells, so the
/// sums leave it undetermined: no linear combination of the published totals yields it. The tests
/// attack it that way (StatisticalTableMaskTests).
/// </summary>
public sealed class StatisticalTableMask
{
    /// <summary>The most rows a table of aggregates may have: it is held in memory while it is masked (every CTN or NAF code × every département is far fewer).</summary>
    public const int MaxRows = 200_000;

    private readonly SmallCountMask _counts;
    private readonly int _establishments;
    private readonly int[] _dimensions;
    private readonly int[] _additive;
    private readonly (int Rate, int[] Of)[] _rates;
    private readonly (int Column, string Total)[] _margins;
    private readonly int[] _uniform;
    private readonly string[] _names;

    private StatisticalTableMask(SmallCountMask counts, ExchangeDefinition exchange, MaskingRule rule, TableMasking table)
    {
        _counts = counts;
        _names = [.. exchange.Schema.Columns.Select(c => c.Name)];
        int Index(string name) => Array.IndexOf(_names, name) is var i and >= 0 ? i
            // The loader refuses such a rule; fail closed rather than mask less than the policy says.
            : throw new InvalidOperationException($"Masking of {exchange.Type} names a column its schema lacks: {name}.");
        _establishments = rule.Establishments is { } e ? Index(e) : -1;
        _dimensions = [.. table.Dimensions.Select(Index)];
        _additive = [.. table.Additive.Select(Index)];
        _rates = [.. table.Rates.Select(r => (Index(r.Column), r.Of.Select(Index).ToArray()))];
        _margins = [.. table.Margins.Select(m => (Index(m.Column), m.Total))];
        _uniform = [.. table.Uniform.Select(Index)];
    }

    /// <summary>The threshold applied (the contract's when higher than the catalogue's).</summary>
    public int Threshold => _counts.Threshold;

    /// <summary>The masking of the table <paramref name="exchange"/> under <paramref name="contract"/>, or null when the exchange is not a table of aggregates.</summary>
    public static StatisticalTableMask? For(ExchangeDefinition exchange, Contract contract)
    {
        ArgumentNullException.ThrowIfNull(exchange);
        return exchange.Masking is { Table: { } table } rule && SmallCountMask.For(exchange, contract) is { } counts
            ? new StatisticalTableMask(counts, exchange, rule, table)
            : null;
    }

    /// <summary>
    /// What makes the table unfit for masking: two rows for the same cell (which total would they sum
    /// to?), or two values of a uniform dimension (CTN and NAF rows: the gateway cannot know which NAF
    /// codes make up a CTN, a NAF code may span several, so it could not protect CTN − ΣNAF). Lines
    /// are the file's (the header is line 1, the first row line 2).
    /// </summary>
    public IReadOnlyList<CsvRowError> Check(IReadOnlyList<(long Line, string[] Cells)> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var errors = new List<CsvRowError>();
        var seen = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var (line, cells) in rows)
        {
            var key = Key(cells, -1);
            if (!seen.TryAdd(key, line))
            {
                errors.Add(new CsvRowError(line, null, null, ErrorCatalog.DuplicateCell,
                    $"Cette case du tableau ({Describe(cells)}) figure déjà ligne {seen[key]} : une case, une ligne."));
            }
        }
        foreach (var u in _uniform)
        {
            var first = rows.Count > 0 ? rows[0].Cells[u] : null;
            if (rows.FirstOrDefault(r => !string.Equals(r.Cells[u], first, StringComparison.Ordinal)) is { Cells: not null } other)
            {
                errors.Add(new CsvRowError(other.Line, _names[u], other.Cells[u], ErrorCatalog.MixedLevels,
                    $"Un fichier ne porte qu'une valeur de « {_names[u]} » (ici « {first} » puis « {other.Cells[u]} ») : la passerelle ne sait pas quels codes de l'un composent l'autre et ne pourrait garantir le secret statistique ; envoyez un fichier par valeur."));
            }
        }
        return errors;
    }

    /// <summary>Masks the table <paramref name="rows"/> (cells in schema order) in place; returns how many cells it replaced.</summary>
    public int Apply(IReadOnlyList<string[]> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var hide = rows.Select(r => new byte[r.Length]).ToArray();
        for (var r = 0; r < rows.Count; r++)
        {
            var cells = rows[r];
            if (_establishments >= 0 && IsSmallCell(cells[_establishments]))
            {
                // Masked whole: the establishments show the marker (fewer than the threshold), every other figure the secondary one.
                hide[r][_establishments] = SmallCountMask.Primary;
                foreach (var i in _additive.Concat(_rates.Select(x => x.Rate)).Where(i => i != _establishments && cells[i].Length > 0))
                {
                    hide[r][i] = SmallCountMask.Secondary;
                }
            }
            else
            {
                _counts.Decide(cells, hide[r]);
            }
        }
        var (groups, groupOf) = Groups(rows);
        bool changed;
        do
        {
            changed = false;
            for (var r = 0; r < rows.Count; r++)
            {
                changed |= CloseRates(rows[r], hide[r]);
            }
            foreach (var members in groups)
            {
                foreach (var column in _additive)
                {
                    changed |= ProtectGroup(rows, hide, members, column);
                }
            }
            if (!changed)
            {
                // Every group holds zero or two masked cells; the sums may still pin one down through
                // a chain of groups (a "bridge", below). Mask one more cell and start again.
                foreach (var column in _additive)
                {
                    if (BridgeGuard.FirstBridge(rows, hide, groups, groupOf, column) is { } bridge)
                    {
                        changed = ProtectBridge(rows, hide, groups, groupOf, bridge, column);
                        if (changed)
                        {
                            break;
                        }
                    }
                }
            }
        }
        while (changed);
        var masked = 0;
        for (var r = 0; r < rows.Count; r++)
        {
            for (var i = 0; i < rows[r].Length; i++)
            {
                if (hide[r][i] != 0)
                {
                    rows[r][i] = hide[r][i] == SmallCountMask.Primary ? _counts.Marker : _counts.SecondaryMarker;
                    masked++;
                }
            }
        }
        return masked;
    }

    /// <summary>A row counting from 1 to threshold − 1 establishments, or not saying: fail closed.</summary>
    private bool IsSmallCell(string cell) => cell.Length == 0 || _counts.IsSmall(cell)
        || !long.TryParse(cell, NumberStyles.None, CultureInfo.InvariantCulture, out _);

    /// <summary>A rate whose numerator or denominator is masked gives it back: masked too.</summary>
    private bool CloseRates(string[] cells, byte[] hide)
    {
        var changed = false;
        foreach (var (rate, of) in _rates)
        {
            if (hide[rate] == 0 && cells[rate].Length > 0 && of.Any(i => hide[i] != 0))
            {
                hide[rate] = SmallCountMask.Secondary;
                changed = true;
            }
        }
        return changed;
    }

    /// <summary>
    /// The margin groups: for each margin, the rows sharing every other dimension, when one of them is
    /// the total (its margin column holds the total's value) and at least one is a part. The total is
    /// the group's first member. <c>groupOf[m][r]</c>: the group of row r for margin m, or −1.
    /// </summary>
    private (List<int[]> Groups, int[][] GroupOf) Groups(IReadOnlyList<string[]> rows)
    {
        var groups = new List<int[]>();
        var groupOf = _margins.Select(_ => Enumerable.Repeat(-1, rows.Count).ToArray()).ToArray();
        for (var m = 0; m < _margins.Length; m++)
        {
            var (column, total) = _margins[m];
            foreach (var group in Enumerable.Range(0, rows.Count).GroupBy(r => Key(rows[r], column), StringComparer.Ordinal))
            {
                var totals = group.Where(r => rows[r][column] == total).ToList();
                var parts = group.Where(r => rows[r][column] != total).ToList();
                if (totals.Count == 1 && parts.Count > 0)
                {
                    foreach (var r in group)
                    {
                        groupOf[m][r] = groups.Count;
                    }
                    groups.Add([totals[0], .. parts]);
                }
            }
        }
        return (groups, groupOf);
    }

    /// <summary>A bridge (a masked cell the sums pin down): mask the next-smallest visible cell of one of its groups.</summary>
    private static bool ProtectBridge(IReadOnlyList<string[]> rows, byte[][] hide, List<int[]> groups, int[][] groupOf, int row, int column)
    {
        foreach (var g in groupOf.Select(m => m[row]).Where(g => g >= 0))
        {
            if (Pick(rows, hide, groups[g], column) is var pick and >= 0)
            {
                hide[pick][column] = SmallCountMask.Secondary;
                return true;
            }
        }
        return false;
    }

    /// <summary>
    /// In one group and one additive column: exactly one masked cell would come back as the total minus
    /// the others (or as the sum of the parts, for a total): mask the next-smallest visible one.
    /// </summary>
    private static bool ProtectGroup(IReadOnlyList<string[]> rows, byte[][] hide, int[] members, int column)
    {
        if (members.Count(r => hide[r][column] != 0) != 1 || Pick(rows, hide, members, column) is not (var pick and >= 0))
        {
            return false;
        }
        hide[pick][column] = SmallCountMask.Secondary;
        return true;
    }

    /// <summary>The next cell to mask in a group: the smallest visible one, a part before the total, a non-zero value before a zero; −1 when none.</summary>
    private static int Pick(IReadOnlyList<string[]> rows, byte[][] hide, int[] members, int column)
    {
        var pick = -1;
        var best = (Rank: int.MaxValue, Value: long.MaxValue);
        foreach (var r in members)
        {
            if (hide[r][column] != 0 || !long.TryParse(rows[r][column], NumberStyles.None, CultureInfo.InvariantCulture, out var value))
            {
                // An empty cell is not known, so it hides nothing either; masking it would not help.
                continue;
            }
            // A part before the total (members[0]); a positive value before a zero (a zero can be guessed).
            var rank = (r == members[0] ? 2 : 0) + (value == 0 ? 1 : 0);
            if (rank < best.Rank || (rank == best.Rank && value < best.Value))
            {
                best = (rank, value);
                pick = r;
            }
        }
        return pick;
    }

    /// <summary>The values of the dimensions, except <paramref name="except"/> (−1: none).</summary>
    private string Key(string[] cells, int except) =>
        string.Join('\u001f', _dimensions.Where(d => d != except).Select(d => cells[d]));

    private string Describe(string[] cells) => string.Join(", ", _dimensions.Select(d => $"{_names[d]} {cells[d]}"));
}
