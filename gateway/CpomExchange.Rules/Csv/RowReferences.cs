using System.Globalization;
using System.Text.RegularExpressions;

namespace CpomExchange.Rules.Csv;

/// <summary>
/// The reference of one row of a dataset: <c>{dataset}:{n}</c>, the n-th row (from 1) of the file as
/// its sender sent it. The gateway writes it in front of each row of an exchange that declares
/// <c>rowReference</c> and never renumbers: when a row is removed (a worker withdraws consent), the
/// others keep theirs, so that an answer naming one of them still names the same person.
/// </summary>
public static partial class RowReferences
{
    /// <summary>The reference of row <paramref name="row"/> of dataset <paramref name="datasetId"/>.</summary>
    public static string Format(string datasetId, long row)
    {
        ArgumentNullException.ThrowIfNull(datasetId);
        ArgumentOutOfRangeException.ThrowIfLessThan(row, 1);
        return datasetId + ":" + row.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>Reads a reference: a dataset id (<c>ds_</c> + 32 lower-case hex digits), a colon, a row number from 1, without leading zero.</summary>
    public static bool TryParse(string? value, out string datasetId, out long row)
    {
        datasetId = string.Empty;
        row = 0;
        if (value is null || !Pattern().IsMatch(value))
        {
            return false;
        }
        var colon = value.IndexOf(':', StringComparison.Ordinal);
        datasetId = value[..colon];
        row = long.Parse(value.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture);
        return true;
    }

    [GeneratedRegex("^ds_[0-9a-f]{32}:[1-9][0-9]{0,8}$", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
