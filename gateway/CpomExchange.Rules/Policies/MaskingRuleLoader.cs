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
        return new MaskingRule(counts, m.Threshold ?? 0, m.Marker ?? string.Empty, m.SecondaryMarker ?? string.Empty);
    }
}

/// <summary>The YAML shape of <c>masking</c>. Unknown keys are errors.</summary>
internal sealed class MaskingEntry
{
    public List<MaskedCountEntry>? Counts { get; set; }
    public int? Threshold { get; set; }
    public string? Marker { get; set; }
    public string? SecondaryMarker { get; set; }
}

/// <summary>The YAML shape of one protected count.</summary>
internal sealed class MaskedCountEntry
{
    public string? Column { get; set; }
    public List<string>? RevealedBy { get; set; }
}
