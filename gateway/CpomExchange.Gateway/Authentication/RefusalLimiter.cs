using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace CpomExchange.Gateway.Authentication;

/// <summary>Section <c>Cpom:Refusals</c>: what a client not (or no longer) known may make the gateway do.</summary>
public sealed class RefusalOptions
{
    /// <summary>The section's name.</summary>
    public const string Section = "Cpom:Refusals";

    /// <summary>
    /// Refused attempts (handshakes and requests) from one address per window; beyond, its new
    /// connections are closed before the handshake and its requests answered 429. 0: no limit (behind a
    /// TCP balancer that hides the clients' addresses, where every client shares the balancer's).
    /// IPv6 addresses count by /64.
    /// </summary>
    public int PerAddress { get; set; } = 60;

    /// <summary>Refused attempts with one certificate per window; beyond, 429 (or the handshake refused) without a lookup.</summary>
    public int PerCertificate { get; set; } = 10;

    /// <summary>The window of both limits, and the period over which identical refusals share one log entry.</summary>
    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(1);
}

/// <summary>
/// Counts refused attempts per client address and per certificate in fixed windows, and says when
/// one of them is over its budget. Only refusals count: a registered agent's requests never do.
/// </summary>
internal sealed class RefusalLimiter(RefusalOptions options, TimeProvider time)
{
    /// <summary>Beyond this many addresses or certificates tracked at once, the oldest windows are dropped first.</summary>
    private const int MaxTracked = 100_000;

    private readonly ConcurrentDictionary<string, Counter> _addresses = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Counter> _certificates = new(StringComparer.Ordinal);

    private sealed class Counter(DateTimeOffset start)
    {
        public DateTimeOffset Start { get; } = start;

        public int Count;
    }

    /// <summary>The options in force.</summary>
    public RefusalOptions Options => options;

    /// <summary>True when the address or the certificate has used its budget of refusals in the current window.</summary>
    public bool IsBlocked(IPAddress? address, string? fingerprint, out TimeSpan retryAfter)
    {
        var now = time.GetUtcNow();
        retryAfter = TimeSpan.Zero;
        var blocked = false;
        if (options.PerAddress > 0 && KeyOf(address) is { } a && Over(_addresses, a, options.PerAddress, now, ref retryAfter))
        {
            blocked = true;
        }
        if (options.PerCertificate > 0 && fingerprint is not null && Over(_certificates, fingerprint, options.PerCertificate, now, ref retryAfter))
        {
            blocked = true;
        }
        return blocked;
    }

    /// <summary>Counts one refused attempt of <paramref name="address"/> with <paramref name="fingerprint"/>.</summary>
    public void Count(IPAddress? address, string? fingerprint)
    {
        var now = time.GetUtcNow();
        if (KeyOf(address) is { } a)
        {
            Increment(_addresses, a, now);
        }
        if (fingerprint is not null)
        {
            Increment(_certificates, fingerprint, now);
        }
    }

    /// <summary>Forgets the windows that have ended (called by the refusal journal's timer).</summary>
    public void Sweep()
    {
        var now = time.GetUtcNow();
        foreach (var map in new[] { _addresses, _certificates })
        {
            foreach (var (key, counter) in map)
            {
                if (now >= counter.Start + options.Window)
                {
                    map.TryRemove(new KeyValuePair<string, Counter>(key, counter));
                }
            }
        }
    }

    /// <summary>The address as counted: IPv4 (also when mapped in IPv6), or the IPv6 /64 prefix a single host usually holds whole.</summary>
    internal static string? KeyOf(IPAddress? address)
    {
        if (address is null)
        {
            return null;
        }
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }
        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return address.ToString();
        }
        var bytes = address.GetAddressBytes();
        Array.Clear(bytes, 8, 8);
        return new IPAddress(bytes) + "/64";
    }

    private bool Over(ConcurrentDictionary<string, Counter> map, string key, int limit, DateTimeOffset now, ref TimeSpan retryAfter)
    {
        if (!map.TryGetValue(key, out var counter) || now >= counter.Start + options.Window || Volatile.Read(ref counter.Count) < limit)
        {
            return false;
        }
        var wait = counter.Start + options.Window - now;
        if (wait > retryAfter)
        {
            retryAfter = wait;
        }
        return true;
    }

    private void Increment(ConcurrentDictionary<string, Counter> map, string key, DateTimeOffset now)
    {
        while (true)
        {
            var counter = map.GetOrAdd(key, static (_, start) => new Counter(start), now);
            if (now >= counter.Start + options.Window)
            {
                // The window ended: a new one starts with this attempt.
                map.TryUpdate(key, new Counter(now), counter);
                continue;
            }
            Interlocked.Increment(ref counter.Count);
            break;
        }
        if (map.Count > MaxTracked)
        {
            Sweep();
            if (map.Count > MaxTracked)
            {
                // Still too many live windows (a flood from very many addresses): start afresh rather than grow.
                map.Clear();
            }
        }
    }
}
