namespace CpomExchange.Cli.Text;

/// <summary>The word a person probably meant: "Vouliez-vous dire « upload » ?"</summary>
internal static class Suggestions
{
    /// <summary>
    /// The candidate closest to <paramref name="typed"/>: within two edits (one for words of four
    /// letters or fewer), or the only one that <paramref name="typed"/> begins (at least three letters).
    /// </summary>
    public static string? Closest(string typed, IEnumerable<string> candidates)
    {
        ArgumentNullException.ThrowIfNull(typed);
        var list = candidates.Distinct(StringComparer.Ordinal).ToList();
        var bare = typed.TrimStart('-');
        var prefixed = list.Where(c => bare.Length >= 3 && c.TrimStart('-').StartsWith(bare, StringComparison.OrdinalIgnoreCase)).ToList();
        if (prefixed.Count == 1)
        {
            return prefixed[0];
        }
        var limit = bare.Length <= 4 ? 1 : 2;
        return list.Select(c => (Candidate: c, Distance: Distance(c.ToLowerInvariant(), typed.ToLowerInvariant())))
            .Where(x => x.Distance <= limit)
            .OrderBy(x => x.Distance).ThenBy(x => x.Candidate, StringComparer.Ordinal)
            .Select(x => x.Candidate)
            .FirstOrDefault();
    }

    /// <summary>The Levenshtein distance between <paramref name="a"/> and <paramref name="b"/>.</summary>
    public static int Distance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }
        for (var i = 1; i <= a.Length; i++)
        {
            var current = new int[b.Length + 1];
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                current[j] = Math.Min(Math.Min(current[j - 1], previous[j]) + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            }
            previous = current;
        }
        return previous[b.Length];
    }
}
