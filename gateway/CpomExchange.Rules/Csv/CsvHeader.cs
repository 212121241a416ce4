using CpomExchange.Rules.Errors;

namespace CpomExchange.Rules.Csv;

/// <summary>
/// The header of a file against its exchange's schema: each position of the file mapped to its
/// column of the schema. Names are compared trimmed and case-insensitively; trailing unnamed
/// columns (Excel's empty columns) are ignored; every problem of the header is reported at once.
/// </summary>
internal static class CsvHeader
{
    /// <summary>Each header position's column and its index in the schema, or null when the header is wrong (its errors added to <paramref name="result"/>).</summary>
    public static (ColumnSpec? Spec, int Index)[]? Map(IReadOnlyList<string> headers, char separator, CsvSchema schema, CsvIngestResult result)
    {
        var names = headers.Select(h => h.Trim().Trim('\uFEFF').Trim().ToLowerInvariant()).ToList();
        while (names.Count > 0 && names[^1].Length == 0)
        {
            names.RemoveAt(names.Count - 1);
        }
        var errorsBefore = result.ErrorCount;
        if (names.Count == 1 && separator is not (';' or ','))
        {
            result.Add(new CsvRowError(1, null, CsvIngestor.Shorten(names[0]), ErrorCatalog.BadDelimiter,
                "Séparateur non reconnu : les colonnes doivent être séparées par « ; » (ou « , »)."));
            return null;
        }
        if (separator is not (';' or ','))
        {
            result.Add(new CsvRowError(1, null, separator.ToString(), ErrorCatalog.BadDelimiter,
                $"Séparateur « {CsvIngestor.Printable(separator)} » non accepté : utilisez « ; » (ou « , »)."));
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
                result.Add(new CsvRowError(1, name.Length == 0 ? null : CsvIngestor.Shorten(name), null, ErrorCatalog.UnknownColumn,
                    name.Length == 0
                        ? $"La colonne n° {i + 1} n'a pas de nom."
                        : $"Colonne « {CsvIngestor.Shorten(name)} » inconnue pour l'échange « {schema.ExchangeType} »."
                          + (unknown++ == 0 ? $" Colonnes attendues : {string.Join(";", schema.Columns.Select(c => c.Name))}." : string.Empty)));
                continue;
            }
            if (!seen.Add(spec.Name))
            {
                result.Add(new CsvRowError(1, spec.Name, null, ErrorCatalog.DuplicateColumn, $"La colonne « {spec.Name} » apparaît plusieurs fois."));
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
            result.Add(new CsvRowError(1, spec.Name, null, ErrorCatalog.MissingColumn, $"La colonne obligatoire « {spec.Name} » est absente."));
        }
        if (!ordered)
        {
            result.Add(new CsvRowError(1, null, null, ErrorCatalog.ColumnOrder,
                $"Les colonnes doivent suivre l'ordre du modèle : {string.Join(";", schema.Columns.Select(c => c.Name))}."));
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
}
