using System.Security.Cryptography;
using CpomExchange.Infrastructure.Keys;
using CpomExchange.Infrastructure.Storage;

namespace CpomExchange.Infrastructure.Payloads;

/// <summary>
/// A dataset's two files in the payload store — its encrypted content (<c>{id}.cpom</c>) and its
/// encrypted subject index (<c>{id}.subjects</c>) — read and written with the data keys its database
/// row holds (wrapped), never the files themselves: destroying the row's keys (crypto-shredding)
/// makes every copy of the files noise. The one way in for the rest of the gateway: open a dataset's
/// plaintext or its subjects from its row; write a new dataset's (or a new version of a dataset's)
/// files and get the keys into its row.
/// </summary>
public static class DatasetFiles
{
    private const string PayloadExtension = ".cpom";
    private const string SubjectsExtension = ".subjects";

    /// <summary>The payload name of a new dataset.</summary>
    public static string PayloadNameOf(string datasetId) => PayloadNames.Check(datasetId + PayloadExtension);

    /// <summary>
    /// A fresh payload name for a new version of an existing dataset (its content re-written): never
    /// the name of its current files, so that the current version stays whole until the row points at the new one.
    /// </summary>
    public static string NewVersionNameOf(string datasetId) =>
        PayloadNames.Check($"{datasetId}.{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6))}{PayloadExtension}");

    /// <summary>The name of the subject index that goes with the payload <paramref name="payloadName"/>.</summary>
    public static string SubjectsNameOf(string payloadName)
    {
        ArgumentNullException.ThrowIfNull(payloadName);
        if (!payloadName.EndsWith(PayloadExtension, StringComparison.Ordinal))
        {
            throw new ArgumentException("A payload name ends in .cpom.", nameof(payloadName));
        }
        return payloadName[..^PayloadExtension.Length] + SubjectsExtension;
    }

    /// <summary>
    /// Opens the plaintext of an available dataset's content, from its row: decrypted as it is read,
    /// each segment authenticated, and its SHA-256 checked against the row's before the last bytes are
    /// handed out (<see cref="PayloadCorruptedException"/> from a read otherwise; a missing file is
    /// <see cref="FileNotFoundException"/>). The caller disposes the stream.
    /// </summary>
    /// <exception cref="InvalidOperationException">The dataset was shredded: it has no content any more.</exception>
    public static async Task<DecryptingStream> OpenContentAsync(IPayloadStore store, IKeyProvider keys, DatasetEntity dataset, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(dataset);
        if (dataset.Status != DatasetStatus.Available)
        {
            throw new InvalidOperationException($"Dataset {dataset.Id} was shredded: it has no content.");
        }
        var file = await store.OpenReadAsync(dataset.PayloadName, cancellationToken);
        try
        {
            return await PayloadCipher.OpenAsync(file, keys, KeyOf(dataset.PayloadKeyId, dataset.PayloadWrappedKey, dataset.LegacyHeaders),
                PayloadContext(dataset.Id), dataset.Sha256, cancellationToken);
        }
        catch
        {
            await file.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// The subjects of a dataset, as sorted short pseudonyms; none for a shredded dataset. The index is
    /// read with the row's key, bound to the dataset (associated data) and checked against the row's
    /// SHA-256: a missing, altered or swapped index throws <see cref="SubjectIndexCorruptedException"/>,
    /// never an empty or another dataset's set.
    /// </summary>
    public static async Task<UInt128[]> ReadSubjectsAsync(IPayloadStore store, IKeyProvider keys, DatasetEntity dataset, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(dataset);
        if (dataset.Status != DatasetStatus.Available)
        {
            return [];
        }
        try
        {
            await using var file = await store.OpenReadAsync(SubjectsNameOf(dataset.PayloadName), cancellationToken);
            await using var plain = await PayloadCipher.OpenAsync(file, keys, KeyOf(dataset.SubjectsKeyId, dataset.SubjectsWrappedKey, dataset.LegacyHeaders),
                SubjectsContext(dataset.Id), dataset.SubjectsSha256, cancellationToken);
            using var bytes = new MemoryStream();
            await plain.CopyToAsync(bytes, cancellationToken);
            return SubjectIndex.Parse(bytes.GetBuffer().AsSpan(0, (int)bytes.Length))
                ?? throw new SubjectIndexCorruptedException(dataset.Id, "contenu mal formé");
        }
        catch (PayloadCorruptedException e)
        {
            throw new SubjectIndexCorruptedException(dataset.Id, e.Message, e);
        }
        catch (FileNotFoundException e)
        {
            throw new SubjectIndexCorruptedException(dataset.Id, "fichier absent", e);
        }
    }

    /// <summary>
    /// Starts writing a dataset's files under <paramref name="payloadName"/> (<see cref="PayloadNameOf"/>
    /// for a new dataset, <see cref="NewVersionNameOf"/> for a new version of one): write the CSV to
    /// <see cref="DatasetWriter.Content"/>, then <see cref="DatasetWriter.CompleteAsync"/> stores both
    /// files and puts their keys into the row, which the caller then commits.
    /// </summary>
    public static async Task<DatasetWriter> BeginAsync(IPayloadStore store, IKeyProvider keys, string datasetId, string payloadName,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentException.ThrowIfNullOrEmpty(datasetId);
        var subjectsName = SubjectsNameOf(payloadName);
        var pending = await store.CreateAsync(payloadName, cancellationToken: cancellationToken);
        try
        {
            // The content is the upload's bulk: its segments are sealed on another processor than the rows'.
            var encrypted = await PayloadCipher.BeginAsync(pending.Content, keys, PayloadContext(datasetId), cancellationToken: cancellationToken,
                inFlight: ContentSegmentsInFlight);
            return new DatasetWriter(store, keys, datasetId, payloadName, subjectsName, pending, encrypted);
        }
        catch
        {
            await pending.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// How many full segments of a dataset's content may wait for the sealer (64 KiB each): enough for
    /// the row loop not to wait on a hiccup of the disk, few enough for memory to stay flat.
    /// </summary>
    internal const int ContentSegmentsInFlight = 3;

    /// <summary>What a dataset's content is bound to: its kind and the dataset's id.</summary>
    internal static string PayloadContext(string datasetId) => "cpom-payload\n" + datasetId;

    /// <summary>What a dataset's subject index is bound to: its kind and the dataset's id.</summary>
    internal static string SubjectsContext(string datasetId) => "cpom-subjects\n" + datasetId;

    /// <summary>
    /// The row's wrapped key. A row without one is either shredded (handled before) or a dataset of an
    /// earlier version whose key is still only in its file's header (<paramref name="legacy"/>): null
    /// then lets the format-1 reader take it there. Any other row without a key fails closed.
    /// </summary>
    private static WrappedKey? KeyOf(string? keyId, byte[]? wrapped, bool legacy) =>
        keyId is not null && wrapped is not null ? new WrappedKey(keyId, wrapped)
        : legacy ? null
        : throw new PayloadCorruptedException("La base ne contient pas la clé de données de ce fichier.");
}

/// <summary>A dataset's subject index is missing, altered, or another dataset's: nothing may be decided from it.</summary>
public sealed class SubjectIndexCorruptedException(string datasetId, string reason, Exception? inner = null)
    : Exception($"Index des sujets du jeu de données {datasetId} inutilisable : {reason}.", inner)
{
    /// <summary>The dataset whose index failed.</summary>
    public string DatasetId { get; } = datasetId;
}
