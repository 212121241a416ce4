using System.Globalization;
using CpomExchange.Rules.Policies;

namespace CpomExchange.Rules.Masking;

/// <summary>
/// Statistical secrecy on the rows of an exchange with a <see cref="MaskingRule"/>, at the threshold
/// of the contract it is sent under. In each row:
/// <list type="bullet">
/// <item>a protected count from 1 to threshold − 1 is replaced by the marker (« &lt;5 »): in a small
/// establishment it can single out one person's accident;</item>
/// <item>every column declared as revealing that count is replaced by the secondary marker
/// (complementary suppression): the indice de fréquence gives the count back (IF × effectif / 1000),
/// the days off and the taux de gravité describe those few accidents;</item>
/// <item>zero is shown: it counts no one, so it reveals no one's accident, and masking it would hide
/// nothing while making the file useless (most small establishments have none). A reader therefore
/// knows that the marker means "at least one, fewer than the threshold" — that is the point of it.</item>
/// </list>
/// Counts at or above the threshold, and an empty cell (not known), are left as they are.
/// </summary>
public sealed class SmallCountMask
{
    private readonly (int Count, int[] Revealing)[] _counts;

    private SmallCountMask(int threshold, string marker, string secondaryMarker, (int, int[])[] counts)
    {
        Threshold = threshold;
        Marker = marker;
        SecondaryMarker = secondaryMarker;
        _counts = counts;
    }

    /// <summary>The threshold applied: the contract's when it sets one (never lower than the catalogue's), else the catalogue's.</summary>
    public int Threshold { get; }

    /// <summary>What replaces a small count: the catalogue's marker, or « &lt;threshold » under a contract's own threshold.</summary>
    public string Marker { get; }

    /// <summary>What replaces a cell that would reveal a masked count.</summary>
    public string SecondaryMarker { get; }

    /// <summary>The masking of <paramref name="exchange"/> under <paramref name="contract"/>, or null when the exchange masks nothing.</summary>
    public static SmallCountMask? For(ExchangeDefinition exchange, Contract contract)
    {
        ArgumentNullException.ThrowIfNull(exchange);
        ArgumentNullException.ThrowIfNull(contract);
        if (exchange.Masking is not { } rule)
        {
            return null;
        }
        var columns = exchange.Schema.Columns.Select(c => c.Name).ToList();
        var counts = rule.Counts.Select(c => (columns.IndexOf(c.Column), c.RevealedBy.Select(name => columns.IndexOf(name)).ToArray())).ToArray();
        if (counts.Any(c => c.Item1 < 0 || c.Item2.Any(i => i < 0)))
        {
            // The loader refuses such a rule; fail closed rather than mask less than the policy says.
            throw new InvalidOperationException($"Masking of {exchange.Type} names a column its schema lacks.");
        }
        var threshold = Math.Max(contract.MaskingThreshold ?? rule.Threshold, rule.Threshold);
        var marker = threshold == rule.Threshold ? rule.Marker : "<" + threshold.ToString(CultureInfo.InvariantCulture);
        return new SmallCountMask(threshold, marker, rule.SecondaryMarker, counts);
    }

    /// <summary>Masks <paramref name="cells"/> (in schema order) in place; returns how many cells it replaced.</summary>
    public int Apply(string[] cells)
    {
        ArgumentNullException.ThrowIfNull(cells);
        Span<byte> hide = cells.Length <= 256 ? stackalloc byte[cells.Length] : new byte[cells.Length];
        hide.Clear();
        Decide(cells, hide);
        var masked = 0;
        for (var i = 0; i < cells.Length; i++)
        {
            if (hide[i] != 0)
            {
                cells[i] = hide[i] == Primary ? Marker : SecondaryMarker;
                masked++;
            }
        }
        return masked;
    }

    /// <summary>A cell masked because it is a small count.</summary>
    internal const byte Primary = 1;

    /// <summary>A cell masked because it would reveal a masked one (complementary suppression).</summary>
    internal const byte Secondary = 2;

    /// <summary>Marks in <paramref name="hide"/> the cells of <paramref name="cells"/> to mask, without changing them.</summary>
    internal void Decide(string[] cells, Span<byte> hide)
    {
        // Decided on the values as sent, then applied: a revealing column that is itself a count is
        // judged on its own value, and a cell masked for two reasons counts once.
        foreach (var (count, revealing) in _counts)
        {
            if (IsSmall(cells[count]))
            {
                hide[count] = Primary;
            }
        }
        foreach (var (count, revealing) in _counts)
        {
            if (hide[count] != Primary)
            {
                continue;
            }
            foreach (var i in revealing)
            {
                if (hide[i] == 0 && cells[i].Length > 0)
                {
                    hide[i] = Secondary;
                }
            }
        }
    }

    /// <summary>True for a count from 1 to the threshold − 1.</summary>
    internal bool IsSmall(string cell) =>
        long.TryParse(cell, NumberStyles.None, CultureInfo.InvariantCulture, out var count) && count >= 1 && count < Threshold;
}
