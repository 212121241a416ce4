namespace CpomExchange.Rules.Registre;

/// <summary>How a policy file differs between two versions.</summary>
/// <param name="File">The file, relative to the policy folder.</param>
/// <param name="Status">added, removed or changed.</param>
/// <param name="Lines">The lines, each prefixed with "-" (only in the first version), "+" (only in the second) or " " (both), for a changed file; all "+" or "-" otherwise.</param>
public sealed record PolicyFileDiff(string File, string Status, IReadOnlyList<string> Lines);

/// <summary>The difference between two versions of the policy files, line by line (a longest common subsequence).</summary>
public static class PolicyDiff
{
    /// <summary>The files that differ between <paramref name="from"/> and <paramref name="to"/>, in file order.</summary>
    public static IReadOnlyList<PolicyFileDiff> Between(IReadOnlyDictionary<string, string> from, IReadOnlyDictionary<string, string> to)
    {
        ArgumentNullException.ThrowIfNull(from);
        ArgumentNullException.ThrowIfNull(to);
        var result = new List<PolicyFileDiff>();
        foreach (var file in from.Keys.Union(to.Keys).Order(StringComparer.Ordinal))
        {
            var before = from.GetValueOrDefault(file);
            var after = to.GetValueOrDefault(file);
            if (before == after)
            {
                continue;
            }
            if (before is null)
            {
                result.Add(new PolicyFileDiff(file, "added", Split(after!).Select(l => "+" + l).ToList()));
            }
            else if (after is null)
            {
                result.Add(new PolicyFileDiff(file, "removed", Split(before).Select(l => "-" + l).ToList()));
            }
            else
            {
                result.Add(new PolicyFileDiff(file, "changed", Lines(Split(before), Split(after))));
            }
        }
        return result;
    }

    private static string[] Split(string text) => text.Replace("\r\n", "\n", StringComparison.Ordinal).TrimEnd('\n').Split('\n');

    /// <summary>An edit script from <paramref name="a"/> to <paramref name="b"/> (policy files are a few hundred lines: the quadratic table is small).</summary>
    internal static IReadOnlyList<string> Lines(string[] a, string[] b)
    {
        var lcs = new int[a.Length + 1, b.Length + 1];
        for (var i = a.Length - 1; i >= 0; i--)
        {
            for (var j = b.Length - 1; j >= 0; j--)
            {
                lcs[i, j] = a[i] == b[j] ? lcs[i + 1, j + 1] + 1 : Math.Max(lcs[i + 1, j], lcs[i, j + 1]);
            }
        }
        var lines = new List<string>();
        int x = 0, y = 0;
        while (x < a.Length || y < b.Length)
        {
            if (x < a.Length && y < b.Length && a[x] == b[y])
            {
                lines.Add(" " + a[x++]);
                y++;
            }
            else if (y < b.Length && (x == a.Length || lcs[x, y + 1] >= lcs[x + 1, y]))
            {
                lines.Add("+" + b[y++]);
            }
            else
            {
                lines.Add("-" + a[x++]);
            }
        }
        return lines;
    }
}
