using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace CpomExchange.Infrastructure.Telemetry;

/// <summary>
/// The gateway's own meter (<see cref="MeterName"/>): what an operator watches besides ASP.NET
/// Core's, Kestrel's, HttpClient's and the runtime's meters. One static meter for the process, fed
/// by one-line calls where things happen.
/// </summary>
/// <remarks>
/// Labels hold only bounded values the gateway defines: an exchange type of the catalogue, an error
/// code of the catalogue, an outcome, an operation or log action. Never a SIRET, a NIR, a dataset
/// id, an agent or an organisation: those are personal or identifying data (RGPD) and unbounded.
/// The callers pass the values through the <c>Label</c> helpers, not raw request input.
/// </remarks>
public static class GatewayMetrics
{
    /// <summary>The name of the gateway's meter (what <c>AddMeter</c> selects).</summary>
    public const string MeterName = "CpomExchange";

    /// <summary>The label value of an exchange type the catalogue does not know (or none given).</summary>
    public const string OtherExchange = "other";

    private static readonly Meter Meter = new(MeterName, typeof(GatewayMetrics).Assembly.GetName().Version?.ToString());

    /// <summary>Datasets stored, by exchange type (a split file counts one per recipient).</summary>
    public static readonly Counter<long> DatasetsAccepted = Meter.CreateCounter<long>(
        "cpom.datasets.accepted", "{dataset}", "Datasets stored, by exchange type.");

    /// <summary>Uploads refused by the upload endpoint, by exchange type and error code.</summary>
    public static readonly Counter<long> DatasetsRefused = Meter.CreateCounter<long>(
        "cpom.datasets.refused", "{upload}", "Uploads refused, by exchange type and error code of the catalogue.");

    /// <summary>Rows of the files accepted, by exchange type.</summary>
    public static readonly Counter<long> RowsAccepted = Meter.CreateCounter<long>(
        "cpom.datasets.rows", "{row}", "Rows of the files accepted, by exchange type.");

    /// <summary>Bytes of the files accepted (the request bodies as received), by exchange type.</summary>
    public static readonly Counter<long> BytesAccepted = Meter.CreateCounter<long>(
        "cpom.datasets.received", "By", "Bytes of the files accepted, as received, by exchange type.");

    /// <summary>Bytes of dataset content sent to recipients (complete downloads).</summary>
    public static readonly Counter<long> BytesSent = Meter.CreateCounter<long>(
        "cpom.datasets.sent", "By", "Bytes of dataset content sent to recipients (complete downloads).");

    /// <summary>Time from the upload endpoint's start to its answer, by exchange type and outcome.</summary>
    public static readonly Histogram<double> UploadDuration = Meter.CreateHistogram<double>(
        "cpom.upload.duration", "s", "Upload time, by exchange type and outcome (accepted, refused, failed).");

    /// <summary>Time from the download endpoint's start to the last byte sent, by outcome.</summary>
    public static readonly Histogram<double> DownloadDuration = Meter.CreateHistogram<double>(
        "cpom.download.duration", "s", "Download time to the last byte, by outcome (served, refused, failed).");

    /// <summary>Entries appended to the access logs (one per controller concerned), by action.</summary>
    public static readonly Counter<long> AccessLogAppends = Meter.CreateCounter<long>(
        "cpom.accesslog.appends", "{entry}", "Access-log entries appended (one per data controller concerned), by action.");

    /// <summary>Signed checkpoints of the access logs.</summary>
    public static readonly Counter<long> AccessLogCheckpoints = Meter.CreateCounter<long>(
        "cpom.accesslog.checkpoints", "{checkpoint}", "Signed checkpoints of the access logs.");

    /// <summary>At each signed checkpoint, the time since the log's previous one: how long the newest entries waited unsigned at most.</summary>
    public static readonly Histogram<double> AccessLogCheckpointLag = Meter.CreateHistogram<double>(
        "cpom.accesslog.checkpoint.lag", "s", "At each signed checkpoint, the time since that log's previous checkpoint.");

    /// <summary>Calls to the key provider, by operation.</summary>
    public static readonly Counter<long> KeyProviderCalls = Meter.CreateCounter<long>(
        "cpom.keys.calls", "{call}", "Calls to the key provider (local files or Azure Key Vault), by operation.");

    /// <summary>Calls to the key provider that failed, by operation.</summary>
    public static readonly Counter<long> KeyProviderFailures = Meter.CreateCounter<long>(
        "cpom.keys.failures", "{call}", "Calls to the key provider that failed, by operation.");

    /// <summary>Time of the key provider's calls, by operation.</summary>
    public static readonly Histogram<double> KeyProviderDuration = Meter.CreateHistogram<double>(
        "cpom.keys.duration", "s", "Time of the key provider's calls, by operation.");

    /// <summary>Datasets destroyed because their retention period ended.</summary>
    public static readonly Counter<long> RetentionPurges = Meter.CreateCounter<long>(
        "cpom.retention.purges", "{dataset}", "Datasets destroyed (crypto-shredded) at the end of their retention period.");

    /// <summary>Requests refused by a rate or concurrency limit, by error code.</summary>
    public static readonly Counter<long> RateLimitRefusals = Meter.CreateCounter<long>(
        "cpom.ratelimit.refusals", "{request}", "Requests refused by a limit (requests per minute, concurrent operations, repeated refusals), by error code.");

    /// <summary>The label of an exchange type: itself if <paramref name="known"/> says the catalogue has it, else <see cref="OtherExchange"/>.</summary>
    public static KeyValuePair<string, object?> Exchange(string? type, Func<string, bool> known)
    {
        ArgumentNullException.ThrowIfNull(known);
        return new("exchange", type is not null && known(type) ? type : OtherExchange);
    }

    /// <summary>Counts one entry appended for <paramref name="action"/> (a log action constant).</summary>
    public static void AccessLogAppended(string action) => AccessLogAppends.Add(1, new KeyValuePair<string, object?>("action", action));

    /// <summary>Counts a signed checkpoint, <paramref name="sincePrevious"/> after the log's previous one.</summary>
    public static void CheckpointSigned(TimeSpan sincePrevious)
    {
        AccessLogCheckpoints.Add(1);
        AccessLogCheckpointLag.Record(Math.Max(0, sincePrevious.TotalSeconds));
    }

    /// <summary>Counts a request refused by a limit (the catalogue's code of that refusal).</summary>
    public static void RateLimited(string code) => RateLimitRefusals.Add(1, new KeyValuePair<string, object?>("code", code));

    /// <summary>Seconds elapsed since <paramref name="startTimestamp"/> (<see cref="Stopwatch.GetTimestamp"/>).</summary>
    public static double SecondsSince(long startTimestamp) => Stopwatch.GetElapsedTime(startTimestamp).TotalSeconds;
}
