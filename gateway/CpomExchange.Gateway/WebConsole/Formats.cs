using System.Globalization;

namespace CpomExchange.Gateway.WebConsole;

/// <summary>How the console writes dates and numbers: French conventions (<c>22/01/2025</c>, <c>1 234</c>).</summary>
internal static class Formats
{
    private static readonly CultureInfo French = CultureInfo.GetCultureInfo("fr-FR");

    /// <summary>A day as <c>22/01/2025</c>.</summary>
    public static string Date(DateOnly day) => day.ToString("dd/MM/yyyy", CultureInfo.InvariantCulture);

    /// <summary>A moment (UTC) as <c>22/01/2025 14:03</c>, in the gateway's legal time zone <paramref name="zone"/>.</summary>
    public static string Moment(DateTime utc, TimeZoneInfo zone) =>
        TimeZoneInfo.ConvertTimeFromUtc(DateTime.SpecifyKind(utc, DateTimeKind.Utc), zone).ToString("dd/MM/yyyy HH:mm", CultureInfo.InvariantCulture);

    /// <summary>A moment as <see cref="Moment(DateTime, TimeZoneInfo)"/>.</summary>
    public static string Moment(DateTimeOffset time, TimeZoneInfo zone) => Moment(time.UtcDateTime, zone);

    /// <summary>A whole number with French digit grouping.</summary>
    public static string Number(long value) => value.ToString("#,0", French);
}
