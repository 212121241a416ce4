using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using CpomExchange.Bench.Transfer;
using CpomExchange.Infrastructure;
using CpomExchange.Infrastructure.Pki;
using CpomExchange.Infrastructure.Storage;
using CpomExchange.Rules.Policies;
using CpomExchange.Tests.Shared;
using static System.FormattableString;

namespace CpomExchange.Bench.Instances;

/// <summary>
/// Issue #8: how many entries per second one controller's access log takes on PostgreSQL when two
/// gateway instances serve it. A throw-away PostgreSQL server (the tests' <see cref="PostgresServer"/>),
/// two gateway processes on one database and one payload folder, and 32 keep-alive clients listing
/// their inbox (one log entry per listing, in its own transaction) in three scenarios: A one
/// controller through both instances, B four controllers through both, C one controller through
/// one instance. The rows the database gained are compared with the listings answered 200, and
/// every log is then verified through the DPO API of each instance. Prints the figures and writes
/// its block into BENCHMARKS.md, between its markers.
/// </summary>
internal sealed class InstancesSuite(BenchOptions options, Report report)
{
    public const string BeginMarker = "<!-- bench:instances:begin -->";
    public const string EndMarker = "<!-- bench:instances:end -->";

    private const int Clients = 32;
    private const string InstanceA = "A";
    private const string InstanceB = "B";
    private const string OneController = "prevy";
    private static readonly string[] Controllers = [OneController, "pst38", "satm", "cist971"];
    private static readonly TimeSpan SampleEvery = TimeSpan.FromMilliseconds(50);

    /// <summary>Runs A, B and C; false when something failed (said on stderr) or BENCHMARKS.md could not be written.</summary>
    public async Task<bool> RunAsync(string root, CancellationToken cancellationToken)
    {
        try
        {
            return await MeasureAsync(root, cancellationToken);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            // Said and returned rather than thrown: a process ended by an unhandled exception skips
            // its exit handlers, one of which stops the PostgreSQL server.
            Console.Error.WriteLine($"instances: {e}");
            return false;
        }
    }

    private async Task<bool> MeasureAsync(string root, CancellationToken cancellationToken)
    {
        var machine = Machine.Describe();
        var started = DateTimeOffset.UtcNow;
        var seconds = options.Seconds;
        var (gatewaysWarmUp, warmUp) = WarmUps;
        report.BeginSuite(BenchOptions.InstancesSuite,
            Invariant($"PostgreSQL, 2 gateway processes, {Clients} clients listing the inbox; {3 * gatewaysWarmUp} s of warm-up, then per scenario {warmUp} s of warm-up and {seconds} s measured"));

        report.Progress("PostgreSQL: initdb and start of a throw-away server");
        var server = await PostgresServer.GetAsync();
        var storage = await server.CreateStorageAsync();
        var folder = Path.Combine(root, "instances");
        CpomHome.CreatePrivateDirectory(folder);
        storage.PayloadPath = Path.Combine(folder, "payloads");
        var home = new CpomHome(folder);
        // The database migrated, the development PKI and its agents registered, once, before either instance starts.
        await using (var db = await CpomDatabase.OpenAsync(storage, home, cancellationToken: cancellationToken))
        {
            await DevPki.EnsureAsync(home, PolicyLoader.Load(Path.Combine(BenchGateway.FindRepository(), "policies")), db, cancellationToken);
        }
        var probe = new PostgresProbe(storage, home);
        var version = await probe.SettingAsync("server_version", cancellationToken);
        var durability = $"fsync {await probe.SettingAsync("fsync", cancellationToken)}, synchronous_commit {await probe.SettingAsync("synchronous_commit", cancellationToken)}";
        report.Progress($"PostgreSQL {version} on 127.0.0.1:{server.Port} ({durability}); database migrated, development PKI created");

        string[] settings =
        [
            "--Storage:Provider", StorageOptions.Postgres,
            "--Storage:ConnectionString", storage.ConnectionString!,
            "--Storage:PayloadPath", storage.PayloadPath,
        ];
        // One after the other: the first start creates the local keys the second one then reads.
        await using var a = await GatewayProcess.StartAsync(folder, settings, cancellationToken);
        report.Progress($"gateway {InstanceA} ready at {a.Address} (pid {a.ProcessId})");
        await using var b = await GatewayProcess.StartAsync(folder, settings, cancellationToken);
        report.Progress($"gateway {InstanceB} ready at {b.Address} (pid {b.ProcessId})");
        var instances = new Dictionary<string, GatewayProcess>(StringComparer.Ordinal) { [InstanceA] = a, [InstanceB] = b };

        // A: 16 clients on each instance. B: 8 per controller, 4 of them on each instance. C: all on A.
        Scenario[] scenarios =
        [
            new("a", $"A: one controller ({OneController}), two instances", Invariant($"{Clients} ({Clients / 2} on A, {Clients / 2} on B)"),
                [.. Enumerable.Range(0, Clients).Select(i => (i % 2 == 0 ? InstanceA : InstanceB, OneController))]),
            new("b", "B: four controllers, two instances", Invariant($"{Clients} ({Clients / Controllers.Length} per controller, half on each instance)"),
                [.. Enumerable.Range(0, Clients).Select(i => (i / Controllers.Length % 2 == 0 ? InstanceA : InstanceB, Controllers[i % Controllers.Length]))]),
            new("c", $"C: one controller ({OneController}), one instance", Invariant($"{Clients} (all on A)"),
                [.. Enumerable.Range(0, Clients).Select(_ => (InstanceA, OneController))]),
        ];
        // Tiered compilation keeps recompiling hot methods for tens of seconds of load on two busy
        // processors, and each scenario heats paths of its own (one controller's queue of waiters is
        // not four short ones): every scenario's load first, so that none of them pays for it.
        foreach (var scenario in scenarios)
        {
            report.Progress(Invariant($"warm-up of the gateways and clients: {scenario.Title}, {gatewaysWarmUp} s"));
            var warm = await WithClientsAsync(scenario, instances, clients => InboxLoad.RunAsync(clients, gatewaysWarmUp, cancellationToken));
            if (warm.Failures() > 0)
            {
                report.Note(Invariant($"Warm-up with {scenario.Title}: {warm.Failures()} answers other than 200; first: {warm.FirstFailures.First()}"));
            }
        }
        var results = new List<ScenarioResult>();
        foreach (var scenario in scenarios)
        {
            results.Add(await RunScenarioAsync(scenario, instances, probe, warmUp, seconds, cancellationToken));
        }

        // Every log, verified by the gateway as its DPO asks for it, through each instance.
        var verdicts = new List<Verdict>();
        foreach (var controller in Controllers)
        {
            foreach (var (name, instance) in instances)
            {
                using var dpo = instance.HttpClient(controller + "-dpo");
                var verdict = await dpo.GetFromJsonAsync<JsonElement>("api/v1/audit/verify", cancellationToken);
                verdicts.Add(new Verdict(controller, name, verdict.GetProperty("valid").GetBoolean(), verdict.GetProperty("entriesChecked").GetInt64(),
                    verdict.GetProperty("summary").GetString() ?? ""));
            }
        }
        report.Progress($"logs verified: {verdicts.Count(v => v.Valid)} of {verdicts.Count} verdicts valid");
        var machineAfter = Machine.Describe();

        AddFigures(results, verdicts);
        var markdown = Markdown(results, verdicts, machine, machineAfter, started, version, durability);
        report.Write(Environment.NewLine + "Block for BENCHMARKS.md:" + Environment.NewLine + Environment.NewLine + markdown + Environment.NewLine);
        return BenchmarksFile.Write(options, report, markdown, BeginMarker, EndMarker);
    }

    /// <summary>Seconds of each scenario's load before the first one is measured, and before each one's measured time.</summary>
    private (int Gateways, int Scenario) WarmUps => options.Smoke ? (1, 1) : (10, 3);

    /// <summary>The scenario's clients, each with one connection to its instance and its agent's certificate, for the time of <paramref name="use"/>.</summary>
    private static async Task<T> WithClientsAsync<T>(Scenario scenario, IReadOnlyDictionary<string, GatewayProcess> instances, Func<LoadClient[], Task<T>> use)
    {
        var clients = scenario.Clients
            .Select(c => new LoadClient(c.Instance, c.Organisation, instances[c.Instance].HttpClient(c.Organisation + "-agent", connections: 1)))
            .ToArray();
        try
        {
            return await use(clients);
        }
        finally
        {
            foreach (var client in clients)
            {
                client.Http.Dispose();
            }
        }
    }

    private Task<ScenarioResult> RunScenarioAsync(Scenario scenario, IReadOnlyDictionary<string, GatewayProcess> instances, PostgresProbe probe,
        int warmUp, int seconds, CancellationToken cancellationToken) => WithClientsAsync(scenario, instances, async clients =>
        {
            // Handshakes, JIT and pools first; the entries they add are counted before the measured time.
            report.Progress($"{scenario.Title}: warm-up");
            var warm = await InboxLoad.RunAsync(clients, warmUp, cancellationToken);
            var before = await probe.EntriesPerControllerAsync(cancellationToken);
            // This benchmark's processes: itself (the clients), both gateways, and their PostgreSQL backends (pooled, opened by the warm-up).
            int[] ours = [Environment.ProcessId, .. instances.Values.Select(i => i.ProcessId), .. await probe.BackendProcessIdsAsync(cancellationToken)];
            var processors = ProcessorTimes.Read(ours);
            using var stopSampling = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var sampling = probe.SampleLockWaitsAsync(SampleEvery, stopSampling.Token);
            report.Progress(Invariant($"{scenario.Title}: {seconds} s measured"));
            var run = await InboxLoad.RunAsync(clients, seconds, cancellationToken);
            await stopSampling.CancelAsync();
            var waits = await sampling;
            var busy = processors is null ? null : ProcessorTimes.Read(ours)?.PercentSince(processors);
            var after = await probe.EntriesPerControllerAsync(cancellationToken);
            var added = after.Keys.Union(before.Keys).ToDictionary(c => c, c => after.GetValueOrDefault(c) - before.GetValueOrDefault(c), StringComparer.Ordinal);
            var result = new ScenarioResult(scenario, run, warm.Failures(), added, waits, busy);
            report.Progress(Invariant($"{scenario.Title}: {run.Rate():F0} appends/s, {run.Failures()} not 200, {added.Values.Sum()} rows added"));
            return result;
        });

    private void AddFigures(IReadOnlyList<ScenarioResult> results, IReadOnlyList<Verdict> verdicts)
    {
        foreach (var r in results)
        {
            var key = r.Scenario.Key;
            var run = r.Run;
            var (p50, p99) = run.Latency();
            report.Add($"{key}.appends", $"{r.Scenario.Title}: appends/s (listings answered 200 per s)", run.Rate(), "appends/s");
            if (r.Scenario.Organisations.Count > 1)
            {
                foreach (var organisation in r.Scenario.Organisations)
                {
                    var (op50, op99) = run.Latency(c => c.Organisation == organisation);
                    report.Add($"{key}.{organisation}.appends", Invariant($"  {organisation}: appends/s (p50 {Report.Format(op50)} ms, p99 {Report.Format(op99)} ms)"),
                        run.Rate(c => c.Organisation == organisation), "appends/s");
                }
            }
            foreach (var instance in r.Scenario.Instances)
            {
                report.Add($"{key}.instance-{instance.ToLowerInvariant()}", $"  answered 200 by instance {instance}", run.Rate(c => c.Instance == instance), "req/s");
            }
            report.Add($"{key}.p50", "  latency p50 (200 answers)", p50, "ms");
            report.Add($"{key}.p99", "  latency p99 (200 answers)", p99, "ms");
            report.AddAtMost($"{key}.not-200", "  answers other than 200, failed requests", run.Failures(), "requests", 0);
            report.AddAtMost($"{key}.unmatched", "  rows added ≠ 200 answers (sum over controllers)", r.Unmatched, "entries", 0);
            report.Add($"{key}.lock-waiting", "  backends waiting for a log lock (mean)", r.Waits.Waiting, "backends");
            if (r.ProcessorsBusy is { } busy)
            {
                report.Add($"{key}.processors-busy", "  machine's processors busy", busy.Busy, "%");
                report.Add($"{key}.processors-ours", "  of which this benchmark's processes", busy.Ours, "%");
            }
            if (r.WarmUpFailures > 0)
            {
                report.Note(Invariant($"{r.Scenario.Title}: {r.WarmUpFailures} answers other than 200 during the warm-up."));
            }
            foreach (var failure in run.FirstFailures.Take(5))
            {
                report.Note($"{r.Scenario.Title}: {failure}");
            }
        }
        var (a, b, c) = (results[0].Run.Rate(), results[1].Run.Rate(), results[2].Run.Rate());
        report.Add("a-over-c", "A ÷ C: one controller, two instances ÷ one", a / c, "x");
        report.Add("b-over-a", "B ÷ A: four controllers ÷ one, two instances", b / a, "x");
        report.AddAtLeast("logs-valid", Invariant($"logs verified valid ({Controllers.Length} controllers × 2 instances)"), verdicts.Count(v => v.Valid), "verdicts",
            verdicts.Count);
        foreach (var v in verdicts.Where(v => !v.Valid))
        {
            report.Note($"log of {v.Controller} through instance {v.Instance}: {v.Summary}");
        }
        report.Note("Each listing appends one entry to the caller's organisation's log, in its own transaction; the rows are counted in access_log_entries before and after the measured time.");
        report.Note("Backends waiting for a log lock: pg_stat_activity sampled every 50 ms, wait event Lock/advisory (pg_advisory_xact_lock per controller).");
        report.EndSuite();
    }

    private string Markdown(IReadOnlyList<ScenarioResult> results, IReadOnlyList<Verdict> verdicts, Machine machine, Machine machineAfter, DateTimeOffset started,
        string version, string durability)
    {
        var text = new StringBuilder();
        string[] preamble =
        [
            .. options.Smoke ? new[] { "**Smoke sizes**: this run checks that the command works; its figures are not those issue #8 asks for." } : [],
            Invariant($"Written by the benchmark on {started:yyyy-MM-dd HH:mm} UTC; its next run replaces everything between the markers."),
            $"Command: `{BenchmarksFile.Command(options)}`",
            Invariant($"Machine: {machine.Cpu}, {machine.LogicalProcessors} logical processors, {machine.Memory} of memory; {machine.OperatingSystem}; ")
                + $"load average {machine.LoadAverage} at the start, {machineAfter.LoadAverage} at the end.",
            $"Software: {machine.Runtime}; PostgreSQL {version} (a throw-away server from `initdb`, on loopback, default settings: {durability}).",
            Invariant($"Gateways: two processes (`DOTNET_ReadyToRun={GatewayProcess.ReadyToRun} dotnet CpomExchange.Gateway.dll --environment Development`, Kestrel with mutual TLS, local keys, {GatewayProcess.GarbageCollector}) ")
                + "on one PostgreSQL database and one payload folder, the rate limiter lifted. The clients run in the benchmark's process; PostgreSQL, both gateways "
                + "and the clients share the machine's processors.",
            Invariant($"Load: {Clients} clients, each with one keep-alive HTTPS connection and its agent's certificate, `GET /api/v1/inbox` in a loop for ")
                + Invariant($"{options.Seconds} s per scenario, after a warm-up of {WarmUps.Gateways} s of each scenario's load before the first and {WarmUps.Scenario} s ")
                + "of the scenario's own before each; each listing answered 200 appends one entry to the caller's "
                + "organisation's log in its own transaction, so appends/s = listings answered 200 per second. Rows added: `access_log_entries` counted per controller "
                + "before and after the measured time. Waiting for the log lock: backends in `pg_stat_activity` waiting on an advisory lock, mean of samples every 50 ms. "
                + "Processors busy: share of all the machine's processors over the measured time (/proc/stat), and of it the share of this benchmark's "
                + "processes (the clients, both gateways and their PostgreSQL backends; not PostgreSQL's background writers); the rest is other work on the machine.",
        ];
        foreach (var line in preamble)
        {
            text.Append("- ").Append(line).Append('\n');
        }
        text.Append('\n');
        text.Append("| scenario | clients | appends/s | p50 | p99 | not 200 | rows added (= 200 answers) | waiting for the log lock | processors busy |\n");
        text.Append("|---|---|---:|---:|---:|---:|---:|---:|---:|\n");
        foreach (var r in results)
        {
            var run = r.Run;
            var (p50, p99) = run.Latency();
            var perInstance = r.Scenario.Instances.Count > 1
                ? " (" + string.Join(", ", r.Scenario.Instances.Select(i => $"{i}: {Report.Format(run.Rate(c => c.Instance == i))}")) + ")"
                : "";
            var ok = run.Ok();
            var added = r.Added.Values.Sum();
            text.Append(Invariant($"| **{r.Scenario.Title}** | {r.Scenario.ClientsText} | **{Report.Format(run.Rate())}**{perInstance} | {Report.Format(p50)} ms | {Report.Format(p99)} ms | "))
                .Append(Invariant($"{run.Failures():N0} | {(r.Unmatched == 0 ? $"{added:N0}, equal" : $"**{added:N0} ≠ {ok:N0}**")} | {Report.Format(r.Waits.Waiting)} | "))
                .Append(r.ProcessorsBusy is { } busy ? Invariant($"{busy.Busy:F0} % ({busy.Ours:F0} % ours)") : "—").Append(" |\n");
            if (r.Scenario.Organisations.Count > 1)
            {
                foreach (var organisation in r.Scenario.Organisations)
                {
                    bool Mine(LoadClient c) => c.Organisation == organisation;
                    var (op50, op99) = run.Latency(Mine);
                    text.Append(Invariant($"| &nbsp;&nbsp;{organisation} | {r.Scenario.Clients.Count(c => c.Organisation == organisation)} | {Report.Format(run.Rate(Mine))} | "))
                        .Append(Invariant($"{Report.Format(op50)} ms | {Report.Format(op99)} ms | {run.Failures(Mine):N0} | {r.Added.GetValueOrDefault(organisation):N0} | | |\n"));
                }
            }
        }
        var (a, b, c) = (results[0].Run.Rate(), results[1].Run.Rate(), results[2].Run.Rate());
        text.Append('\n');
        text.Append(Invariant($"- A ÷ C = {Report.Format(a / c)}×: what a second instance adds to one controller's appends. "))
            .Append(Invariant($"B ÷ A = {Report.Format(b / a)}×: four controllers against one, through the same two instances.\n"));
        var valid = verdicts.All(v => v.Valid);
        text.Append(valid ? "- Logs after the load: valid, each verified through both instances (`GET /api/v1/audit/verify` as the controller's DPO); entries checked: "
                : "- Logs after the load: **NOT ALL VALID** (`GET /api/v1/audit/verify` as the controller's DPO, through both instances); entries checked: ")
            .AppendJoin(", ", Controllers.Select(controller => Invariant($"{controller} {verdicts.Where(v => v.Controller == controller).Min(v => v.EntriesChecked):N0}")))
            .Append(valid ? ".\n" : "; " + string.Join("; ", verdicts.Where(v => !v.Valid).Select(v => $"{v.Controller} via {v.Instance}: {v.Summary}")) + ".\n");
        foreach (var r in results.Where(r => r.Run.Failures() > 0))
        {
            text.Append($"- {r.Scenario.Title}, answers other than 200: ").AppendJoin("; ", r.Run.FirstFailures.Take(3).Select(f => f.Replace("|", "\\|", StringComparison.Ordinal))).Append('\n');
        }
        return text.ToString();
    }

    /// <summary>A scenario: its clients, each with the instance it talks to and its organisation.</summary>
    private sealed record Scenario(string Key, string Title, string ClientsText, (string Instance, string Organisation)[] Clients)
    {
        public IReadOnlyList<string> Organisations { get; } = [.. Clients.Select(c => c.Organisation).Distinct()];

        public IReadOnlyList<string> Instances { get; } = [.. Clients.Select(c => c.Instance).Distinct().Order(StringComparer.Ordinal)];
    }

    /// <summary>A scenario's measured run, with the rows each controller's log gained meanwhile.</summary>
    private sealed record ScenarioResult(Scenario Scenario, LoadRun Run, long WarmUpFailures, IReadOnlyDictionary<string, long> Added, LockWaits Waits, (double Busy, double Ours)? ProcessorsBusy)
    {
        /// <summary>Over every controller: how far the rows added are from the listings answered 200.</summary>
        public long Unmatched => Added.Keys.Union(Scenario.Organisations)
            .Sum(controller => Math.Abs(Added.GetValueOrDefault(controller) - Run.Ok(c => c.Organisation == controller)));
    }

    /// <summary>A log's verdict through one instance.</summary>
    private sealed record Verdict(string Controller, string Instance, bool Valid, long EntriesChecked, string Summary);
}
