using System.Globalization;
using System.Threading.RateLimiting;
using CpomExchange.Gateway.Authentication;
using CpomExchange.Gateway.Hosting;
using CpomExchange.Gateway.Problems;
using CpomExchange.Rules.Errors;

namespace CpomExchange.Gateway.Limits;

/// <summary>The heavy operations an organisation may run only so many of at once.</summary>
internal enum OrganisationWork
{
    Upload,
    Download,
    IndicatorsDraft,
}

/// <summary>Endpoint metadata: this route counts against its organisation's limit for <see cref="Work"/>.</summary>
internal sealed record OrganisationWorkMetadata(OrganisationWork Work);

/// <summary>
/// Bounded work per organisation (issue 14.4): how many uploads, downloads and indicator drafts
/// one organisation (all its agents together) runs at once. The request-rate limit says how often
/// an organisation may call; this one says how much of the gateway (memory, disk, database, CPU)
/// it may hold at one time, so that one organisation cannot starve the others. Beyond, the request
/// is answered at once <c>429 request.too-many-concurrent</c>, before it reads or writes anything;
/// nothing queues.
/// </summary>
internal sealed class OrganisationConcurrency : IDisposable
{
    /// <summary>What a refused caller is told to wait, in seconds: long enough for an operation to end.</summary>
    public const int RetryAfterSeconds = 10;

    private readonly LimitOptions _limits;
    private readonly PartitionedRateLimiter<(string Caller, OrganisationWork Work)> _limiter;

    public OrganisationConcurrency(LimitOptions limits)
    {
        _limits = limits;
        foreach (var work in Enum.GetValues<OrganisationWork>())
        {
            if (LimitOf(work) < 1)
            {
                throw new InvalidOperationException($"Cpom:Limits:{SettingOf(work)} doit valoir au moins 1 (valeur : {LimitOf(work)}).");
            }
        }
        // One concurrency limiter per (organisation, kind of work); idle ones are dropped by the partitioned limiter.
        _limiter = PartitionedRateLimiter.Create<(string Caller, OrganisationWork Work), (string Caller, OrganisationWork Work)>(key =>
            RateLimitPartition.GetConcurrencyLimiter(key, k => new ConcurrencyLimiterOptions { PermitLimit = LimitOf(k.Work), QueueLimit = 0 }));
    }

    /// <summary>How many operations of <paramref name="work"/> one organisation may run at once.</summary>
    public int LimitOf(OrganisationWork work) => work switch
    {
        OrganisationWork.Upload => _limits.ConcurrentUploadsPerOrganisation,
        OrganisationWork.Download => _limits.ConcurrentDownloadsPerOrganisation,
        _ => _limits.ConcurrentIndicatorDraftsPerOrganisation,
    };

    /// <summary>How many operations of <paramref name="work"/> <paramref name="caller"/> runs now (for tests and measurements).</summary>
    public long InFlight(string caller, OrganisationWork work) =>
        LimitOf(work) - (_limiter.GetStatistics((caller, work))?.CurrentAvailablePermits ?? LimitOf(work));

    /// <summary>The partition of a caller: its organisation, or the agent itself when it has none (an operator).</summary>
    public static string PartitionOf(Caller caller) => caller.Organisation ?? "agent:" + caller.AgentId;

    /// <summary>Takes a place for <paramref name="work"/>; the lease says whether it was granted, and gives it back when disposed.</summary>
    public RateLimitLease TryAcquire(string caller, OrganisationWork work) => _limiter.AttemptAcquire((caller, work));

    public void Dispose() => _limiter.Dispose();

    private static string SettingOf(OrganisationWork work) => work switch
    {
        OrganisationWork.Upload => nameof(LimitOptions.ConcurrentUploadsPerOrganisation),
        OrganisationWork.Download => nameof(LimitOptions.ConcurrentDownloadsPerOrganisation),
        _ => nameof(LimitOptions.ConcurrentIndicatorDraftsPerOrganisation),
    };

    private static string Describe(OrganisationWork work, int limit) => work switch
    {
        OrganisationWork.Upload => $"{limit} dépôt(s) de fichier",
        OrganisationWork.Download => $"{limit} téléchargement(s)",
        _ => $"{limit} calcul(s) de tableau de suivi",
    };

    /// <summary>Holds a place of its organisation for the duration of each marked request (after authorisation).</summary>
    public static IApplicationBuilder UseOrganisationConcurrency(IApplicationBuilder app) => app.Use(async (http, next) =>
    {
        var work = http.GetEndpoint()?.Metadata.GetMetadata<OrganisationWorkMetadata>();
        if (work is null || http.User.Identity?.IsAuthenticated != true)
        {
            await next(http);
            return;
        }
        var limits = http.RequestServices.GetRequiredService<OrganisationConcurrency>();
        using var lease = limits.TryAcquire(PartitionOf(Caller.From(http.User)), work.Work);
        if (!lease.IsAcquired)
        {
            CpomExchange.Infrastructure.Telemetry.GatewayMetrics.RateLimited(ErrorCatalog.TooManyConcurrent);
            http.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
            await Problem.WriteAsync(http, 429, ErrorCatalog.TooManyConcurrent,
                $"Votre organisation a déjà {Describe(work.Work, limits.LimitOf(work.Work))} en cours : réessayez quand l'un d'eux sera terminé.");
            return;
        }
        await next(http);
    });
}
