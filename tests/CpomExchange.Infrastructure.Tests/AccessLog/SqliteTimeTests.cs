using System.Globalization;
using System.Text;
using CpomExchange.Infrastructure.AccessLog;

namespace CpomExchange.Infrastructure.Tests.AccessLog;

/// <summary>
/// <see cref="SqliteLogVerification.TryParseTime"/> reads a stored time without <see cref="DateTime.TryParse(string?, IFormatProvider?, DateTimeStyles, out DateTime)"/>:
/// for every text of the form it accepts it must give exactly what that parse gives (the former implementation, and
/// what Microsoft.Data.Sqlite does), and refuse (null: the former path through EF Core decides) every date that parse refuses.
/// </summary>
public sealed class SqliteTimeTests
{
    private static DateTime? Former(string text) =>
        DateTime.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var time) ? DateTime.SpecifyKind(time, DateTimeKind.Utc) : null;

    [Fact]
    public void RandomTimes_AreReadAsDateTimeTryParseReadsThem()
    {
        var random = new Random(1812);
        var texts = new List<string>();
        for (var i = 0; i < 50_000; i++)
        {
            var time = new DateTime(random.NextInt64(DateTime.MinValue.Ticks, DateTime.MaxValue.Ticks));
            var text = time.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
            var digits = random.Next(8);
            texts.Add(digits == 0 ? text : text + "." + time.ToString("fffffff", CultureInfo.InvariantCulture)[..digits]);
        }
        // Dates and times that do not exist, or barely do, in the same form.
        texts.AddRange([
            "2026-02-29 00:00:00", "2024-02-29 23:59:59.9999999", "2026-02-30 12:00:00", "2026-04-31 12:00:00", "2026-13-01 00:00:00",
            "2026-00-10 00:00:00", "2026-01-00 00:00:00", "2026-01-01 24:00:00", "2026-01-01 23:60:00", "2026-01-01 23:59:60",
            "0000-01-01 00:00:00", "0001-01-01 00:00:00", "9999-12-31 23:59:59.9999999", "1900-02-29 00:00:00", "2000-02-29 00:00:00",
        ]);
        var accepted = 0;
        foreach (var text in texts)
        {
            var parsed = SqliteLogVerification.TryParseTime(Encoding.ASCII.GetBytes(text));
            Assert.True(Former(text) == parsed, $"{text}: {Former(text):O} / {parsed:O}");
            Assert.True(parsed is null || parsed.Value.Kind == DateTimeKind.Utc, text);
            accepted += parsed is null ? 0 : 1;
        }
        Assert.Equal(50_000 + 4, accepted);
    }
}
