using CpomExchange.Infrastructure.Keys;
using CpomExchange.Infrastructure.Payloads;
using CpomExchange.Infrastructure.Storage;

namespace CpomExchange.Gateway.Indicators;

/// <summary>
/// How the annual table reads what is stored, through <see cref="DatasetFiles"/> (the data keys are
/// wrapped in the dataset's row): nothing else here opens or decrypts a file.
/// </summary>
internal static class StoredPayloads
{
    /// <summary>Whether <paramref name="dataset"/>'s payload is still there (a withdrawal may have shredded it since it was listed).</summary>
    public static Task<bool> ExistsAsync(IPayloadStore store, DatasetEntity dataset, CancellationToken cancellationToken) =>
        store.ExistsAsync(dataset.PayloadName, cancellationToken);

    /// <summary>Decrypts <paramref name="dataset"/>'s payload into <paramref name="destination"/>, segment by segment, checking its SHA-256.</summary>
    public static async Task DecryptAsync(IPayloadStore store, IKeyProvider keys, DatasetEntity dataset, Stream destination, CancellationToken cancellationToken)
    {
        await using var content = await DatasetFiles.OpenContentAsync(store, keys, dataset, cancellationToken);
        await content.CopyToAsync(destination, cancellationToken);
    }

    /// <summary>The sorted pseudonyms of <paramref name="dataset"/>'s subjects (its SIRETs).</summary>
    public static Task<UInt128[]> ReadSubjectsAsync(IPayloadStore store, IKeyProvider keys, DatasetEntity dataset, CancellationToken cancellationToken) =>
        DatasetFiles.ReadSubjectsAsync(store, keys, dataset, cancellationToken);
}
