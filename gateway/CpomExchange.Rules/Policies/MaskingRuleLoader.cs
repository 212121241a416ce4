using CpomExchange.Rules.Csv;

namespace CpomExchange.Rules.Policies;

/// <summary>
/// Reads and checks an exchange's <c>masking</c> (statistical secrecy): the counts it protects, and for
/// each the columns that would give it back or describe what it counts. A masking rule that a pocket
/// calculator could undo is refused: every column documented as a rate (<c>rateOf</c>) of a protected
/// count, or of a column masked with it, must be declared as revealing that count.
/// </summary>
internal static class MaskingRuleLoader
{
    public static MaskingRule? Load(MaskingEntry? m, IReadOnlyList<ColumnSpec> columns, Action<string> error)
    {
        if (m is null)
        {
            return null;
        }
        var counts = new List<MaskedCount>();
        foreach (var c in m.Counts ?? [])
        {
            var column = columns.FirstOrDefault(x => x.Name == c.Column);
            if (column is null)
            {
                error($"Colonne masquée « {c.Column} » inconnue.");
                continue;
            }
            if (column.Kind != ColumnKind.Integer)
            {
                error($"Colonne masquée « {c.Column} » : seuls les comptages (integer) se masquent.");
                continue;
            }
            if (counts.Any(x => x.Column == c.Column))
            {
                error($"Colonne masquée « {c.Column} » déclarée deux fois.");
                continue;
            }
            var revealedBy = new List<string>();
            foreach (var name in c.RevealedBy ?? [])
            {
                var revealing = columns.FirstOrDefault(x => x.Name == name);
                if (revealing is null)
                {
                    error($"Colonne masquée « {c.Column} » : la colonne « {name} » qui la révèle (revealedBy) est inconnue.");
                }
                else if (name == c.Column)
                {
                    error($"Colonne masquée « {c.Column} » : elle ne peut se révéler elle-même (revealedBy).");
                }
                else if (revealing.Kind is not (ColumnKind.Integer or ColumnKind.Decimal))
                {
                    error($"Colonne masquée « {c.Column} » : « {name} » (revealedBy) n'est pas numérique ; seules des colonnes integer ou decimal se masquent.");
                }
                else if (!revealedBy.Contains(name))
                {
                    revealedBy.Add(name);
                }
            }
            counts.Add(new MaskedCount(c.Column!, revealedBy));
        }
        if (m.Counts is null || m.Counts.Count == 0)
        {
            error("Masquage sans comptage protégé (masking.counts).");
        }
        // Complementary suppression must be complete: a rate of a masked count (or of a column masked
        // with it) left in clear gives the count back (IF × effectif / 1000 = nb_at).
        foreach (var count in counts)
        {
            foreach (var rate in columns.Where(x => x.RateOf is { } of && (of == count.Column || count.RevealedBy.Contains(of))))
            {
                if (!count.RevealedBy.Contains(rate.Name))
                {
                    error($"Colonne masquée « {count.Column} » : « {rate.Name} », taux de « {rate.RateOf} » (rateOf), permet de la recalculer ; déclarez-la dans revealedBy.");
                }
            }
        }
        if (m.Threshold is not >= 2)
        {
            error("Seuil de masquage (masking.threshold) : 2 au moins.");
        }
        if (string.IsNullOrWhiteSpace(m.Marker))
        {
            error("Marqueur de masquage (masking.marker) manquant.");
        }
        if (counts.Any(c => c.RevealedBy.Count > 0) && string.IsNullOrWhiteSpace(m.SecondaryMarker))
        {
            error("Marqueur du secret secondaire (masking.secondaryMarker) manquant : il remplace les colonnes qui révèlent un comptage masqué.");
        }
        if (m.Establishments is { } establishments && columns.FirstOrDefault(x => x.Name == establishments) is not { Kind: ColumnKind.Integer })
        {
            error($"Colonne du nombre d'établissements (masking.establishments) « {establishments} » : inconnue ou non entière.");
        }
        if (m.Establishments is not null && m.Table is null)
        {
            error("masking.establishments suppose une table d'agrégats (masking.table).");
        }
        var table = m.Table is null ? null : LoadTable(m.Table, columns, counts, m.Establishments, error);
        return new MaskingRule(counts, m.Threshold ?? 0, m.Marker ?? string.Empty, m.SecondaryMarker ?? string.Empty)
        {
            Establishments = m.Establishments,
            Table = table,
        };
    }

    /// <summary>
    /// A table's secondary suppression is only as good as its description: every protected count and
    /// the establishments are additive, every rate of the file is declared with what it is computed
    /// from, margins name dimensions.
    /// </summary>
    private static TableMasking LoadTable(TableEntry t, IReadOnlyList<ColumnSpec> columns, List<MaskedCount> counts, string? establishments, Action<string> error)
    {
        bool Known(string name, string field)
        {
            if (columns.Any(x => x.Name == name))
            {
                return true;
            }
            error($"masking.table.{field} : colonne « {name} » inconnue.");
            return false;
        }
        var dimensions = (t.Dimensions ?? []).Where(d => Known(d, "dimensions")).ToList();
        if (dimensions.Count == 0)
        {
            error("masking.table.dimensions : au moins une dimension (les colonnes qui nomment une case).");
        }
        var additive = new List<string>();
        foreach (var name in t.Additive ?? [])
        {
            if (Known(name, "additive"))
            {
                if (columns.First(x => x.Name == name).Kind != ColumnKind.Integer || dimensions.Contains(name))
                {
                    error($"masking.table.additive : « {name} » doit être un comptage (integer) hors des dimensions.");
                }
                additive.Add(name);
            }
        }
        foreach (var name in counts.Select(c => c.Column).Concat(establishments is null ? [] : [establishments]).Where(n => !additive.Contains(n)))
        {
            error($"masking.table.additive : la colonne masquée « {name} » s'additionne d'une ligne à l'autre ; déclarez-la, sinon un total la redonne.");
        }
        var rates = new List<MaskedRate>();
        foreach (var r in t.Rates ?? [])
        {
            if (r.Column is null || !Known(r.Column, "rates") || (r.Of ?? []).Count == 0 || !(r.Of ?? []).All(o => Known(o, "rates.of")))
            {
                error($"masking.table.rates : « {r.Column} » doit nommer une colonne et celles dont elle est calculée (of).");
                continue;
            }
            rates.Add(new MaskedRate(r.Column, r.Of!));
        }
        foreach (var rate in columns.Where(c => c.RateOf is not null && !rates.Any(r => r.Column == c.Name)))
        {
            error($"masking.table.rates : « {rate.Name} » est un taux (rateOf) ; déclarez de quelles colonnes il se calcule, sinon il redonne une case masquée.");
        }
        var margins = new List<TableMargin>();
        foreach (var g in t.Margins ?? [])
        {
            if (g.Column is null || !dimensions.Contains(g.Column) || string.IsNullOrWhiteSpace(g.Total))
            {
                error($"masking.table.margins : « {g.Column} » doit être une dimension, avec la valeur qui marque son total (total).");
                continue;
            }
            margins.Add(new TableMargin(g.Column, g.Total));
        }
        if (margins.Count > 2)
        {
            // The secondary suppression proves a table safe through its cells' two groups (BridgeGuard).
            error("masking.table.margins : deux marges au plus (une zone, un secteur).");
        }
        var uniform = (t.Uniform ?? []).Where(u => Known(u, "uniform")).ToList();
        return new TableMasking(dimensions, additive, rates, margins, uniform);
    }
}

/// <summary>The YAML shape of <c>masking.table</c>.</summary>
internal sealed class TableEntry
{
    public List<string>? Dimensions { get; set; }
    public List<string>? Additive { get; set; }
    public List<RateEntry>? Rates { get; set; }
    public List<MarginEntry>? Margins { get; set; }
    public List<string>? Uniform { get; set; }
}

/// <summary>The YAML shape of one rate of a table.</summary>
internal sealed class RateEntry
{
    public string? Column { get; set; }
    public List<string>? Of { get; set; }
}

/// <summary>The YAML shape of one margin of a table.</summary>
internal sealed class MarginEntry
{
    public string? Column { get; set; }
    public string? Total { get; set; }
}

/// <summary>The YAML shape of <c>masking</c>. Unknown keys are errors.</summary>
internal sealed class MaskingEntry
{
    public List<MaskedCountEntry>? Counts { get; set; }
    public int? Threshold { get; set; }
    public string? Marker { get; set; }
    public string? SecondaryMarker { get; set; }
    public string? Establishments { get; set; }
    public TableEntry? Table { get; set; }
}

/// <summary>The YAML shape of one protected count.</summary>
internal sealed class MaskedCountEntry
{
    public string? Column { get; set; }
    public List<string>? RevealedBy { get; set; }
}
