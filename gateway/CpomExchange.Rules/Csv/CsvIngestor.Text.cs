using CsvHelper;

namespace CpomExchange.Rules.Csv;

/// <summary>The text helpers of file reading: forbidden characters, and values as error reports show them.</summary>
public static partial class CsvIngestor
{
    /// <summary>
    /// The index of the first forbidden character of <paramref name="value"/>, or -1: control
    /// characters, a byte-order mark inside the text, zero-width and bidirectional formatting
    /// characters (the Arabic letter mark and the line and paragraph separators included), which hide
    /// what a cell says from the person who reads it.
    /// </summary>
    public static int FindForbiddenCharacter(string value) => FindForbiddenCharacter(value.AsSpan());

    /// <summary>
    /// The index of the first control, invisible or bidirectional character of <paramref name="value"/>, or -1.
    /// Printable ASCII (U+0020 to U+007E, none of it forbidden: most values) is passed in one vectorised scan;
    /// from the first other character on, <see cref="FindForbiddenCharacterByRule"/> decides.
    /// </summary>
    public static int FindForbiddenCharacter(ReadOnlySpan<char> value)
    {
        var other = value.IndexOfAnyExceptInRange(' ', '~');
        if (other < 0)
        {
            return -1;
        }
        var bad = FindForbiddenCharacterByRule(value[other..]);
        return bad < 0 ? -1 : other + bad;
    }

    /// <summary>The character-by-character rule of <see cref="FindForbiddenCharacter(ReadOnlySpan{char})"/> (its tests' reference).</summary>
    internal static int FindForbiddenCharacterByRule(ReadOnlySpan<char> value)
    {
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (c < ' ' || c == '\u007F' || (c >= '\u0080' && c <= '\u009F') || c == '\uFEFF' || c == '\uFFFD'
                || c == '\u061C' || (c >= '\u200B' && c <= '\u200F') || (c >= '\u2028' && c <= '\u202E') || (c >= '\u2060' && c <= '\u2069'))
            {
                return i;
            }
        }
        return -1;
    }

    /// <summary>Shortens a value for an error report.</summary>
    public static string Shorten(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return value.Length <= 60 ? value : string.Concat(value.AsSpan(0, 57), "...");
    }

    /// <summary>The value with each forbidden character written as <c>\uXXXX</c>, so that a report shows it.</summary>
    internal static string Visible(string value) =>
        string.Concat(value.Select(c => FindForbiddenCharacter(c.ToString()) >= 0 ? $"\\u{(int)c:X4}" : c.ToString()));

    /// <summary>A separator as a French sentence names it.</summary>
    internal static string Printable(char c) => c switch
    {
        '\t' => "tabulation",
        _ => c.ToString(),
    };

    /// <summary>What is wrong with a record's quotes, in French.</summary>
    internal static string DescribeQuotes(CsvMalformedReason reason) => reason switch
    {
        CsvMalformedReason.StrayQuote => "Guillemet isolé dans un champ non entouré de guillemets.",
        CsvMalformedReason.TextAfterClosingQuote => "Texte après le guillemet fermant d'un champ.",
        CsvMalformedReason.UnterminatedQuote => "Guillemet ouvrant jamais refermé.",
        CsvMalformedReason.LineBreakInQuotes => "Retour à la ligne à l'intérieur d'un champ entre guillemets.",
        _ => "Guillemets mal formés.",
    };
}
