using CpomExchange.Infrastructure.Keys;
using CpomExchange.Infrastructure.Payloads;
using CpomExchange.Infrastructure.Storage;

namespace CpomExchange.Gateway.Health;

/// <summary>Section <c>Cpom:Health</c>.</summary>
public sealed class HealthOptions
{
    /// <summary>The section's name.</summary>
    public const string Section = "Cpom:Health";

    /// <summary>How long one computation of readiness answers every caller (it takes the write lock, fsyncs and asks the key provider).</summary>
    public TimeSpan ReadinessInterval { get; set; } = TimeSpan.FromSeconds(5);
}

/// <summary>
/// Readiness, computed at most once per <see cref="HealthOptions.ReadinessInterval"/> and shared:
/// callers arriving while it is computed wait for that computation, and those arriving within the
/// interval after it get its answer. Anyone with a certificate of a trusted CA may ask, so a flood
/// of probes costs one database write probe, one payload store probe and one key provider call per
/// interval, whatever its rate.
/// </summary>
internal sealed class ReadinessProbe(IServiceScopeFactory scopes, IPayloadStore store, IKeyProvider keys, HealthOptions options, TimeProvider time)
{
    private readonly Lock _lock = new();
    private Task<Readiness>? _current;
    private DateTimeOffset _computedAt = DateTimeOffset.MinValue;

    /// <summary>The latest readiness, computing it if the last one is older than the interval.</summary>
    public Task<Readiness> GetAsync()
    {
        lock (_lock)
        {
            var now = time.GetUtcNow();
            if (_current is not null && (!_current.IsCompleted || now - _computedAt < options.ReadinessInterval))
            {
                return _current;
            }
            _computedAt = now;
            // Not tied to one caller's request: a caller going away does not cancel the others' answer.
            _current = Task.Run(ComputeAsync);
            return _current;
        }
    }

    private async Task<Readiness> ComputeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5), time);
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CpomDbContext>();
        var checks = new List<DependencyState>
        {
            // Writable, not only readable: the write lock is taken and released (another process may hold it).
            await CheckAsync("base de données", () => CpomDatabase.ProbeWriteAsync(db, timeout.Token)),
            await CheckAsync("stockage des contenus", () => store.ProbeAsync(timeout.Token)),
            await CheckAsync("fournisseur de clés", async () => await keys.GetSigningKeyAsync(timeout.Token)),
        };
        var result = new Readiness(checks.All(c => c.Ready), checks);
        lock (_lock)
        {
            // The interval counts from the answer, not from the question.
            _computedAt = time.GetUtcNow();
        }
        return result;
    }

    private static async Task<DependencyState> CheckAsync(string name, Func<Task> probe)
    {
        try
        {
            await probe();
            return new DependencyState(name, true, null);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // The kind of failure only: never a path, a key id or a connection string.
            return new DependencyState(name, false, e.GetType().Name);
        }
    }
}
