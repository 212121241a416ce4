using System.Globalization;
using System.Text;
using CpomExchange.Rules.Csv;

namespace CpomExchange.Rules.AccessLog;

/// <summary>
/// What an access-log entry may hold of a value a client sent (a purpose, an object, an id): the
/// log is read by a DPO in a terminal or a spreadsheet, and a counterpart's request lands in this
/// organisation's log. Every value goes through <see cref="Fit"/> before it is chained.
/// </summary>
public static class LogText
{
    /// <summary>The mark that ends a value cut to its column's size.</summary>
    public const char Ellipsis = '…';

    /// <summary>
    /// <paramref name="value"/> made fit for a column of <paramref name="max"/> characters: each
    /// control, invisible or bidirectional character and each unpaired surrogate is written as a
    /// visible <c>\uXXXX</c> (the evidence stays, nothing is left for a terminal to interpret, and
    /// every database stores the text as it was hashed); a longer value is cut with an ellipsis,
    /// never between the two halves of a surrogate pair.
    /// </summary>
    public static string? Fit(string? value, int max)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(max, 2);
        if (value is null)
        {
            return null;
        }
        var text = NeedsEscaping(value) ? Escape(value) : value;
        if (text.Length <= max)
        {
            return text;
        }
        var cut = max - 1;
        if (char.IsLowSurrogate(text[cut]) && char.IsHighSurrogate(text[cut - 1]))
        {
            cut--;
        }
        return string.Concat(text.AsSpan(0, cut), Ellipsis.ToString());
    }

    private static bool NeedsEscaping(string value)
    {
        if (CsvIngestor.FindForbiddenCharacter(value) >= 0)
        {
            return true;
        }
        for (var i = 0; i < value.Length; i++)
        {
            if (char.IsSurrogate(value[i]))
            {
                if (!char.IsHighSurrogate(value[i]) || i + 1 == value.Length || !char.IsLowSurrogate(value[i + 1]))
                {
                    return true;
                }
                i++;
            }
        }
        return false;
    }

    private static string Escape(string value)
    {
        var text = new StringBuilder(value.Length + 16);
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                text.Append(c).Append(value[i + 1]);
                i++;
            }
            else if (char.IsSurrogate(c) || CsvIngestor.FindForbiddenCharacter([c]) >= 0)
            {
                text.Append("\\u").Append(((int)c).ToString("X4", CultureInfo.InvariantCulture));
            }
            else
            {
                text.Append(c);
            }
        }
        return text.ToString();
    }
}
