using CpomExchange.Infrastructure.Keys;
using CpomExchange.Infrastructure.Payloads;
using CpomExchange.Infrastructure.Storage;

namespace CpomExchange.Gateway.Indicators;

/// <summary>
/// How the annual table reads what is stored: the one place to change when a payload's data key
/// moves out of the payload (wrapped in the database) — nothing else here opens or decrypts a file.
/// </summary>
internal static class StoredPayloads
{
    /// <summary>Whether <paramref name="dataset"/>'s payload is still there (a withdrawal may have shredded it since it was listed).</summary>
    public static Task<bool> ExistsAsync(IPayloadStore store, DatasetEntity dataset, CancellationToken cancellationToken) =>
        store.ExistsAsync(dataset.PayloadName, cancellationToken);

    /// <summary>Decrypts <paramref name="dataset"/>'s payload into <paramref name="destination"/>, segment by segment, checking its SHA-256.</summary>
    public static async Task DecryptAsync(IPayloadStore store, IKeyProvider keys, DatasetEntity dataset, Stream destination, CancellationToken cancellationToken)
    {
        await using var payload = await store.OpenReadAsync(dataset.PayloadName, cancellationToken);
        await PayloadCipher.DecryptAsync(payload, destination, keys, dataset.Sha256, cancellationToken);
    }

    /// <summary>The sorted pseudonyms of <paramref name="dataset"/>'s subjects (its SIRETs).</summary>
    public static Task<UInt128[]> ReadSubjectsAsync(IPayloadStore store, IKeyProvider keys, DatasetEntity dataset, CancellationToken cancellationToken) =>
        SubjectIndex.ReadAsync(store, keys, dataset.Id, cancellationToken);
}
