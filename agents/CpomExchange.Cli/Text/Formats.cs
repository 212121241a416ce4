using System.Globalization;

namespace CpomExchange.Cli.Text;

/// <summary>
/// How <c>cpom</c> writes dates, times and numbers for people: <c>30/07/2025</c>, <c>30/07/2025 14:05</c>
/// in the legal time zone (that of the gateway's <c>Cpom:TimeZone</c>, <c>Europe/Paris</c> unless
/// <c>$CPOM_TIMEZONE</c> says otherwise), <c>1 234</c>. JSON output keeps the API's ISO forms.
/// </summary>
internal static class Formats
{
    /// <summary>The zone used when none is configured: the gateway's default <c>Cpom:TimeZone</c>.</summary>
    public const string DefaultTimeZone = "Europe/Paris";

    /// <summary>The environment variable naming another zone (an IANA id such as <c>America/Guadeloupe</c>).</summary>
    public const string TimeZoneVariable = "CPOM_TIMEZONE";

    // A plain space groups thousands: it shows in every terminal and font, unlike U+202F.
    private static readonly NumberFormatInfo Grouping = new() { NumberGroupSeparator = " ", NumberDecimalSeparator = "," };

    /// <summary><paramref name="value"/> with its thousands grouped: <c>1 234 567</c>.</summary>
    public static string Number(long value) => value.ToString("#,0", Grouping);

    /// <summary>A date as <c>30/07/2025</c>.</summary>
    public static string Date(DateOnly date) => date.ToString("dd/MM/yyyy", CultureInfo.InvariantCulture);

    /// <summary>An API date (<c>2025-07-30</c>) as <c>30/07/2025</c>; anything else as it is.</summary>
    public static string Date(string? iso) =>
        DateOnly.TryParseExact(iso, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date) ? Date(date) : iso ?? "-";

    /// <summary>An instant as <c>30/07/2025 14:05</c> (with <c>:ss</c> when <paramref name="seconds"/>) in the legal time zone.</summary>
    public static string Time(DateTimeOffset instant, bool seconds = false) =>
        TimeZoneInfo.ConvertTime(instant, Zone()).ToString(seconds ? "dd/MM/yyyy HH:mm:ss" : "dd/MM/yyyy HH:mm", CultureInfo.InvariantCulture);

    /// <summary>A UTC instant of the API (<see cref="DateTimeKind.Utc"/> or unspecified, meaning UTC) in the legal time zone.</summary>
    public static string Time(DateTime utc, bool seconds = false) =>
        Time(new DateTimeOffset(DateTime.SpecifyKind(utc.Kind == DateTimeKind.Local ? utc.ToUniversalTime() : utc, DateTimeKind.Utc)), seconds);

    /// <summary>An ISO 8601 instant of the API (<c>2025-07-30T12:04:05.123Z</c>) in the legal time zone; anything else as it is.</summary>
    public static string Time(string? iso, bool seconds = false) =>
        DateTimeOffset.TryParse(iso, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var instant) ? Time(instant, seconds) : iso ?? "-";

    /// <summary>
    /// The legal time zone: <c>$CPOM_TIMEZONE</c>, else Europe/Paris. A zone asked for and unknown is
    /// a usage error; the default zone missing from the system (no tz database) falls back to the
    /// machine's own rather than failing every command.
    /// </summary>
    public static TimeZoneInfo Zone()
    {
        var configured = Environment.GetEnvironmentVariable(TimeZoneVariable);
        try
        {
            return TimeZoneInfo.FindSystemTimeZoneById(string.IsNullOrWhiteSpace(configured) ? DefaultTimeZone : configured);
        }
        catch (Exception e) when (e is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            return string.IsNullOrWhiteSpace(configured)
                ? TimeZoneInfo.Local
                : throw new Client.UsageException($"Fuseau horaire « {configured} » inconnu ({TimeZoneVariable}) : un identifiant tel que Europe/Paris ou America/Guadeloupe est attendu.");
        }
    }
}
