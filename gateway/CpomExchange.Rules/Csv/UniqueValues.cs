using System.Globalization;
using CpomExchange.Rules.Errors;

namespace CpomExchange.Rules.Csv;

/// <summary>
/// The values already seen in a file's unique columns, with the line they were first seen on. A
/// SIRET is only noted while the file flows: duplicated SIRETs are found at the end of the file
/// (<see cref="ReportDuplicateSirets"/>), by sorting (SIRET, line) pairs with bounded memory
/// (<see cref="ExternalSorter{T}"/>), so that an adherents list of millions of rows does not hold
/// them all in memory. Other unique columns (a NIR, a reference) are kept in a dictionary: their
/// files are small.
/// </summary>
internal sealed class UniqueValues(string? spillDirectory, SpillQuota? spillQuota) : IDisposable
{
    private readonly Dictionary<string, (ColumnSpec Spec, ExternalSorter<SiretAt> Sorter)> _sirets = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Dictionary<string, long>> _strings = new(StringComparer.Ordinal);

    /// <summary>Null the first time a value is seen in a column (always for a SIRET, checked at the end), else the line it was first seen on.</summary>
    public long? FirstLine(ColumnSpec spec, string value, long line)
    {
        if (spec.Kind == ColumnKind.Siret && long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var number))
        {
            if (!_sirets.TryGetValue(spec.Name, out var entry))
            {
                entry = _sirets[spec.Name] = (spec, ExternalSorter<SiretAt>.InBackground(spillDirectory, spillQuota, sort: RadixSort.Sort<SiretAt, SiretAt>));
            }
            entry.Sorter.Add(new SiretAt(number, line));
            return null;
        }
        var strings = _strings.TryGetValue(spec.Name, out var s) ? s : _strings[spec.Name] = new Dictionary<string, long>(StringComparer.Ordinal);
        return strings.TryAdd(value, line) ? null : strings[value];
    }

    /// <summary>Reports every SIRET found again after its first line; true when there was one.</summary>
    public bool ReportDuplicateSirets(CsvIngestResult result)
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
                        $"Ce SIRET figure déjà à la ligne {firstLine}."));
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

    /// <summary>A SIRET and the line it is on, ordered by SIRET then line (a radix sort reads them as unsigned keys in the same order).</summary>
    internal readonly record struct SiretAt(long Siret, long Line) : IComparable<SiretAt>, IRadixKeys<SiretAt>
    {
        public int CompareTo(SiretAt other) => Siret != other.Siret ? Siret.CompareTo(other.Siret) : Line.CompareTo(other.Line);

        // The sign bit flipped: a long's order as an unsigned order.
        public static ulong Primary(in SiretAt value) => (ulong)value.Siret ^ (1UL << 63);

        public static ulong Secondary(in SiretAt value) => (ulong)value.Line ^ (1UL << 63);
    }
}
