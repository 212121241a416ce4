namespace CpomExchange.Rules.Minimisation;

/// <summary>
/// The subjects of earlier datasets (establishments, persons) as a sorted set of short keyed
/// pseudonyms: what the minimisation rules compare a row's identifier with, never an identifier in
/// clear.
/// </summary>
public sealed class SubjectSet
{
    private readonly UInt128[] _sorted;

    private SubjectSet(UInt128[] sorted) => _sorted = sorted;

    /// <summary>No subject.</summary>
    public static SubjectSet Empty { get; } = new([]);

    /// <summary>How many subjects.</summary>
    public int Count => _sorted.Length;

    /// <summary>The set of <paramref name="subjects"/> (in any order, repeats allowed).</summary>
    public static SubjectSet Of(IEnumerable<UInt128> subjects)
    {
        ArgumentNullException.ThrowIfNull(subjects);
        var array = subjects.ToArray();
        Array.Sort(array);
        var distinct = 0;
        for (var i = 0; i < array.Length; i++)
        {
            if (distinct == 0 || array[i] != array[distinct - 1])
            {
                array[distinct++] = array[i];
            }
        }
        Array.Resize(ref array, distinct);
        return new SubjectSet(array);
    }

    /// <summary>The set held by a subject index, already sorted and without repeats (checked: an index out of order would make lookups lie).</summary>
    public static SubjectSet OfSorted(UInt128[] sorted)
    {
        ArgumentNullException.ThrowIfNull(sorted);
        for (var i = 1; i < sorted.Length; i++)
        {
            if (sorted[i] <= sorted[i - 1])
            {
                throw new ArgumentException("A subject index is sorted and holds no repeat.", nameof(sorted));
            }
        }
        return new SubjectSet(sorted);
    }

    /// <summary>True when <paramref name="subject"/> is in the set.</summary>
    public bool Contains(UInt128 subject) => Array.BinarySearch(_sorted, subject) >= 0;

    /// <summary>True when <paramref name="subject"/> is known and in the set (an empty cell is in no set).</summary>
    public bool Contains(UInt128? subject) => subject is { } s && Contains(s);
}
