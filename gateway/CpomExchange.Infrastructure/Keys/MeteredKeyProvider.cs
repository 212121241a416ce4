using System.Diagnostics;
using CpomExchange.Infrastructure.Telemetry;

namespace CpomExchange.Infrastructure.Keys;

/// <summary>
/// Counts and times the calls to another key provider (<see cref="GatewayMetrics.KeyProviderCalls"/>,
/// failures, duration), by operation; does nothing else.
/// </summary>
public sealed class MeteredKeyProvider(IKeyProvider inner) : IKeyProvider
{
    /// <summary>The provider measured.</summary>
    public IKeyProvider Inner { get; } = inner ?? throw new ArgumentNullException(nameof(inner));

    public Task<(string KeyId, byte[] Signature)> SignDigestAsync(byte[] digest, CancellationToken cancellationToken = default) =>
        MeasureAsync("sign", () => Inner.SignDigestAsync(digest, cancellationToken));

    public Task<SigningKey> GetSigningKeyAsync(CancellationToken cancellationToken = default) =>
        MeasureAsync("get-signing-key", () => Inner.GetSigningKeyAsync(cancellationToken));

    public Task<WrappedKey> WrapAsync(ReadOnlyMemory<byte> dataKey, CancellationToken cancellationToken = default) =>
        MeasureAsync("wrap", () => Inner.WrapAsync(dataKey, cancellationToken));

    public Task<string> CurrentKeyEncryptionKeyIdAsync(CancellationToken cancellationToken = default) =>
        MeasureAsync("current-kek", () => Inner.CurrentKeyEncryptionKeyIdAsync(cancellationToken));

    public Task<string> RotateKeyEncryptionKeyAsync(CancellationToken cancellationToken = default) =>
        MeasureAsync("rotate-kek", () => Inner.RotateKeyEncryptionKeyAsync(cancellationToken));

    public Task<byte[]> UnwrapAsync(WrappedKey wrapped, CancellationToken cancellationToken = default) =>
        MeasureAsync("unwrap", () => Inner.UnwrapAsync(wrapped, cancellationToken));

    private static async Task<T> MeasureAsync<T>(string operation, Func<Task<T>> call)
    {
        var tag = new KeyValuePair<string, object?>("operation", operation);
        var start = Stopwatch.GetTimestamp();
        GatewayMetrics.KeyProviderCalls.Add(1, tag);
        try
        {
            return await call();
        }
        catch
        {
            GatewayMetrics.KeyProviderFailures.Add(1, tag);
            throw;
        }
        finally
        {
            GatewayMetrics.KeyProviderDuration.Record(GatewayMetrics.SecondsSince(start), tag);
        }
    }
}
