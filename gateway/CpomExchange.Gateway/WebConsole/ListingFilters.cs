using System.Globalization;
using CpomExchange.Gateway.Datasets;

namespace CpomExchange.Gateway.WebConsole;

/// <summary>The filters of the console's listings, from their form's fields.</summary>
internal static class ListingFilters
{
    /// <summary>
    /// A <see cref="DatasetFilter"/>: empty fields are no filter; the period's days are whole days in
    /// the gateway's legal time zone (<paramref name="to"/> included); an unknown state filters nothing out.
    /// </summary>
    public static DatasetFilter From(string? type, string? counterpart, DateOnly? from, DateOnly? to, string? state, TimeZoneInfo zone) => new(
        string.IsNullOrWhiteSpace(type) ? null : type,
        string.IsNullOrWhiteSpace(counterpart) ? null : counterpart,
        from is { } f ? Start(f, zone) : null,
        to is { } t ? Start(t.AddDays(1), zone) : null,
        DatasetStates.Parse(state));

    /// <summary>The value of a date filter for its input (<c>yyyy-MM-dd</c>).</summary>
    public static string? InputDate(DateOnly? day) => day?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static DateTime Start(DateOnly day, TimeZoneInfo zone) =>
        TimeZoneInfo.ConvertTimeToUtc(day.ToDateTime(TimeOnly.MinValue, DateTimeKind.Unspecified), zone);
}
