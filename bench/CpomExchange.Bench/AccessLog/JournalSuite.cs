using System.Globalization;
using CpomExchange.Infrastructure;
using CpomExchange.Infrastructure.AccessLog;
using CpomExchange.Infrastructure.Keys;
using CpomExchange.Infrastructure.Storage;
using CpomExchange.Rules.AccessLog;
using Microsoft.EntityFrameworkCore;

namespace CpomExchange.Bench.AccessLog;

/// <summary>
/// The DPO's console on a large log (issue 19: "a log of millions of entries stays fast: measure a
/// filtered page on a 1M-entry log"): the queries the Journal des accès page makes for one page
/// (<see cref="AccessLogReader.PageBeforeAsync"/> for 51 entries and <see cref="AccessLogReader.CountAsync"/>
/// capped at 10,001, as <c>AuditService.SliceAsync</c> calls them) under the filters a DPO uses, and the
/// counts the Vue d'ensemble draws (<see cref="AccessLogSummary"/>) over 30 and 366 days. The log is one
/// controller's, M entries over the last 365 days, with 20 agents, five actions, 1 % refusals; its rows are
/// inserted directly (EF Core, batches of 10,000): the listing reads the entries table and its indexes
/// only, never the hash chain, so the fill need not build one (and takes seconds instead of minutes).
/// </summary>
internal sealed class JournalSuite(BenchOptions options, Report report)
{
    private const string Controller = "prevy";
    private const int Agents = 20;
    private const int FillBatch = 10_000;
    private const int Repeats = 5;

    // What the console page asks for (IndexModel.PageSize + 1, IndexModel.CountCap + 1).
    private const int Take = 51;
    private const int CountCap = 10_001;

    private static readonly string[] Actions = [LogActions.List, LogActions.List, LogActions.List, LogActions.List, LogActions.List,
        LogActions.Download, LogActions.Download, LogActions.ReadMetadata, LogActions.Upload, LogActions.Acknowledge];

    private static readonly string[] Exchanges = ["adherents", "sinistralite", "actions-entreprises", "indicateurs"];

    private static readonly string[] Purposes = ["sinistralite", "sinistralite", "information-actions", "indicateurs"];

    private static readonly string[] Reasons = ["policy.no-contract", "policy.role-not-allowed", "policy.purpose-not-allowed"];

    public async Task RunAsync(string root, CancellationToken cancellationToken)
    {
        var m = options.VerifyEntries;
        report.BeginSuite(BenchOptions.JournalSuite, string.Create(CultureInfo.InvariantCulture, $"M={m:N0} entries in one controller's log"));
        var home = new CpomHome(Path.Combine(root, "journal"));
        await (await CpomDatabase.OpenSqliteAsync(home, cancellationToken)).DisposeAsync();
        var dbOptions = CpomDbContext.SqliteOptions(home);
        var keys = new LocalKeyProvider(home.KeyDirectory);
        var now = DateTime.UtcNow;

        report.Progress($"journal: inserting {m:N0} entries ({FillBatch:N0} per transaction)");
        var fill = Probe.Start();
        await FillAsync(dbOptions, m, now, cancellationToken);
        report.Add("journal.fill.rate", "fill (entries inserted directly, no hash chain)", m / fill.Seconds, "entries/s");

        var monthStart = now.AddDays(-45);
        var monthEnd = now.AddDays(-15);
        var scenarios = new (string Name, string Label, AccessLogFilter Filter, long? Before)[]
        {
            ("first", "first page, no filter", new AccessLogFilter(), null),
            ("agent", "first page, one agent (5 %)", new AccessLogFilter(Agent: Agent(7)), null),
            ("refusals", "first page, refusals (1 %)", new AccessLogFilter(Outcome: AccessLogEntry.Denied), null),
            ("agent-refusals", "first page, one agent's refusals (0.05 %)", new AccessLogFilter(Agent: Agent(0), Outcome: AccessLogEntry.Denied), null),
            ("deep", "page in the middle of the log, one agent", new AccessLogFilter(Agent: Agent(7)), m / 2),
            ("month-download", "first page, 30 days a month ago, downloads", new AccessLogFilter(monthStart, monthEnd, Action: LogActions.Download), null),
            ("dataset", "first page, one dataset", new AccessLogFilter(DatasetId: DatasetId(m / 3)), null),
        };
        foreach (var (name, label, filter, before) in scenarios)
        {
            report.Progress($"journal: {label}");
            var (page, count, matched, total) = await PageAsync(dbOptions, keys, filter, before, cancellationToken);
            report.Add($"journal.page.{name}", $"{label}: page + count", page + count, "ms");
            report.Add($"journal.page.{name}.page", "  of which the page (51 entries)", page, "ms");
            report.Add($"journal.page.{name}.count", "  of which the count (capped at 10,001)", count, "ms");
            report.Note(string.Create(CultureInfo.InvariantCulture,
                $"check: {label}: {matched} entries on the page, {(total >= CountCap ? "more than 10,000" : total.ToString("N0", CultureInfo.InvariantCulture))} matching"));
        }

        foreach (var days in new[] { 30, 366 })
        {
            report.Progress($"journal: overview of {days} days");
            var (seconds, total) = await OverviewAsync(dbOptions, now.AddDays(-days), now, cancellationToken);
            report.Add($"journal.overview.{days}", $"overview of {days} days (Vue d'ensemble's six counts)", seconds * 1000, "ms");
            report.Note($"check: the overview of {days} days counts {total:N0} entries");
        }
        report.EndSuite();
    }

    private static string Agent(long n) => "prevy-agent-" + (n % Agents).ToString("D2", CultureInfo.InvariantCulture);

    private static string DatasetId(long n) => "ds_" + (n / 10).ToString("x32", CultureInfo.InvariantCulture);

    private static async Task FillAsync(DbContextOptions<SqliteCpomDbContext> dbOptions, int count, DateTime now, CancellationToken cancellationToken)
    {
        var start = now.AddDays(-365);
        var step = TimeSpan.FromDays(365).Ticks / count;
        var previous = new byte[32];
        for (var done = 0; done < count;)
        {
            await using var db = new SqliteCpomDbContext(dbOptions);
            db.ChangeTracker.AutoDetectChangesEnabled = false;
            var batch = Math.Min(FillBatch, count - done);
            for (var i = 0; i < batch; i++)
            {
                long n = done + i;
                // About 1 % of refusals, spread over the 20 agents (101 and 20 share no factor).
                var denied = n % 101 == 0;
                db.AccessLogEntries.Add(new AccessLogEntryEntity
                {
                    Controller = Controller,
                    Seq = n,
                    TimeUtc = new DateTime(start.Ticks + (n * step), DateTimeKind.Utc),
                    AgentId = Agent(n),
                    AgentName = "Agent " + Agent(n),
                    Organisation = Controller,
                    CertificateSha256 = "c0ffee" + new string('0', 58),
                    Action = Actions[n % Actions.Length],
                    ExchangeType = Exchanges[n % Exchanges.Length],
                    DatasetId = DatasetId(n),
                    Rows = 1_000 + (n % 9_000),
                    Counterpart = n % 3 == 0 ? "dreets-occitanie" : "carsat-lr",
                    Purpose = Purposes[n % Purposes.Length],
                    Object = "Campagne CPOM 2026, lot n° " + (n % 100).ToString(CultureInfo.InvariantCulture),
                    LegalBasis = "RGPD art. 6(1)(e) (mission d'intérêt public) ; Code du travail L. 4622-10 et D. 4622-44 à D. 4622-47 (CPOM)",
                    Outcome = denied ? AccessLogEntry.Denied : AccessLogEntry.Allowed,
                    ReasonCode = denied ? Reasons[(n / 101) % Reasons.Length] : null,
                    ClientAddress = "192.0.2.17",
                    RequestId = "0HNC4M2J7QK1E:" + n.ToString("X8", CultureInfo.InvariantCulture),
                    PreviousLeafHash = previous,
                });
            }
            await using (var transaction = await db.Database.BeginTransactionAsync(cancellationToken))
            {
                await db.SaveChangesAsync(cancellationToken);
                await transaction.CommitAsync(cancellationToken);
            }
            done += batch;
        }
    }

    /// <summary>The median over <see cref="Repeats"/> runs (after one warm-up) of the page and the count, each on a fresh context as a request has.</summary>
    private static async Task<(double PageMs, double CountMs, int Matched, long Count)> PageAsync(DbContextOptions<SqliteCpomDbContext> dbOptions,
        IKeyProvider keys, AccessLogFilter filter, long? before, CancellationToken cancellationToken)
    {
        var pages = new List<double>();
        var counts = new List<double>();
        var matched = 0;
        long count = 0;
        for (var run = 0; run <= Repeats; run++)
        {
            await using var db = new SqliteCpomDbContext(dbOptions);
            var reader = new AccessLogReader(db, keys);
            var probe = Probe.Start();
            var page = await reader.PageBeforeAsync(Controller, filter, before, Take, cancellationToken);
            var pageMs = probe.Seconds * 1000;
            probe = Probe.Start();
            count = await reader.CountAsync(Controller, filter, CountCap, cancellationToken);
            var countMs = probe.Seconds * 1000;
            matched = Math.Min(page.Count, Take - 1);
            if (run > 0)
            {
                pages.Add(pageMs);
                counts.Add(countMs);
            }
        }
        return (Median(pages), Median(counts), matched, count);
    }

    private static async Task<(double Seconds, long Total)> OverviewAsync(DbContextOptions<SqliteCpomDbContext> dbOptions, DateTime fromUtc, DateTime toUtc,
        CancellationToken cancellationToken)
    {
        var times = new List<double>();
        long total = 0;
        for (var run = 0; run <= Repeats; run++)
        {
            await using var db = new SqliteCpomDbContext(dbOptions);
            var summary = new AccessLogSummary(db);
            var probe = Probe.Start();
            var hourly = await summary.HourlyAsync(Controller, fromUtc, toUtc, cancellationToken);
            await summary.RefusalReasonsAsync(Controller, fromUtc, toUtc, cancellationToken);
            await summary.ByExchangeAsync(Controller, fromUtc, toUtc, cancellationToken);
            await summary.ByPurposeAsync(Controller, fromUtc, toUtc, cancellationToken);
            await summary.TopCounterpartsAsync(Controller, fromUtc, toUtc, 10, cancellationToken);
            await summary.TopAgentsAsync(Controller, fromUtc, toUtc, 10, cancellationToken);
            if (run > 0)
            {
                times.Add(probe.Seconds);
            }
            total = hourly.Sum(h => h.Count);
        }
        return (Median(times), total);
    }

    private static double Median(List<double> values)
    {
        values.Sort();
        return values[values.Count / 2];
    }
}
