using System.Globalization;
using CpomExchange.Gateway.AccessLog;
using CpomExchange.Rules.AccessLog;

namespace CpomExchange.Gateway.WebConsole.Pages.Journal;

/// <summary>One day's bar: where its two parts (allowed below, refused on top) are drawn.</summary>
internal sealed record ChartBar(DateOnly Day, long Allowed, long Denied, string X, string Width, string AllowedY, string AllowedHeight, string DeniedY, string DeniedHeight);

/// <summary>
/// The overview's chart drawn on the server as SVG (no script, no external service, nothing inline
/// the Content-Security-Policy forbids: presentation attributes only). Coordinates are in a fixed
/// view box the browser scales; the same figures are in the table under the chart.
/// </summary>
internal sealed class OverviewChart
{
    /// <summary>The view box's width and height.</summary>
    public const int Width = 800, Height = 260;

    /// <summary>The plot's margins: the axis labels live there.</summary>
    public const int Left = 48, Bottom = 28, Top = 10, Right = 8;

    public OverviewChart(AuditOverview overview)
    {
        ArgumentNullException.ThrowIfNull(overview);
        var days = overview.Days.ToList();
        var counts = days.Select(d => (Day: d, Allowed: overview.Count(d, outcome: AccessLogEntry.Allowed), Denied: overview.Count(d, outcome: AccessLogEntry.Denied))).ToList();
        Max = Math.Max(1, counts.Count == 0 ? 1 : counts.Max(c => c.Allowed + c.Denied));
        var plotWidth = (double)(Width - Left - Right);
        var step = plotWidth / Math.Max(1, days.Count);
        var gap = step > 4 ? step * 0.15 : 0;
        Bars = counts.Select((c, i) =>
        {
            var allowedHeight = Scale(c.Allowed);
            var deniedHeight = Scale(c.Denied);
            var baseline = (double)(Height - Bottom);
            return new ChartBar(c.Day, c.Allowed, c.Denied, F(Left + (i * step) + (gap / 2)), F(step - gap),
                F(baseline - allowedHeight), F(allowedHeight), F(baseline - allowedHeight - deniedHeight), F(deniedHeight));
        }).ToList();
        // A label every few days, so that they never overlap (about 12 at most).
        var every = Math.Max(1, (int)Math.Ceiling(days.Count / 12.0));
        DayLabels = days.Select((d, i) => (Day: d, Index: i)).Where(d => d.Index % every == 0)
            .Select(d => (F(Left + ((d.Index + 0.5) * step)), d.Day.ToString("dd/MM", CultureInfo.InvariantCulture))).ToList();
    }

    /// <summary>The largest day's total: the top of the vertical axis.</summary>
    public long Max { get; }

    /// <summary>One bar per day of the period, in order.</summary>
    public IReadOnlyList<ChartBar> Bars { get; }

    /// <summary>The days written under the axis: x and text.</summary>
    public IReadOnlyList<(string X, string Text)> DayLabels { get; }

    /// <summary>The horizontal lines of the vertical axis: y and the count they stand for (0, half, top).</summary>
    public IReadOnlyList<(string Y, string Text)> Ticks =>
    [
        (F(Height - Bottom), "0"),
        (F(Height - Bottom - ((Height - Bottom - Top) / 2.0)), Formats.Number(Max / 2)),
        (F(Top), Formats.Number(Max)),
    ];

    private double Scale(long count) => count * (Height - Bottom - Top) / (double)Max;

    private static string F(double value) => value.ToString("0.##", CultureInfo.InvariantCulture);
}
