namespace CpomExchange.Infrastructure.Payloads;

/// <summary>
/// Where the encrypted payloads and subject indexes live: a folder (<see cref="FolderPayloadStore"/>)
/// or Azure Blob Storage (<see cref="AzureBlobPayloadStore"/>). Everything stored is already
/// encrypted by <see cref="PayloadCipher"/>; a store never sees plaintext.
/// </summary>
/// <remarks>
/// A payload is written through <see cref="CreateAsync"/>, which is given its final name: nothing is
/// visible under that name (nor any other) until <see cref="IPendingPayload.CommitAsync"/> makes the
/// whole content appear at once, so a crash or an error mid-way leaves no partial payload, only (at
/// most) temporary data that <see cref="CleanTemporaryAsync"/>, the service itself or Azure removes.
/// </remarks>
public interface IPayloadStore
{
    /// <summary>What the store is, for the logs (a folder path, a container URI: never a secret).</summary>
    string Description { get; }

    /// <summary>
    /// Starts writing the payload <paramref name="name"/>, which becomes visible only at
    /// <see cref="IPendingPayload.CommitAsync"/>. Without <paramref name="overwrite"/>, that commit
    /// fails with <see cref="IOException"/> when the name exists by then (and leaves it untouched).
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="name"/> is not a valid name (<see cref="PayloadNames.Check"/>).</exception>
    Task<IPendingPayload> CreateAsync(string name, bool overwrite = false, CancellationToken cancellationToken = default);

    /// <summary>Opens a payload for sequential reading; throws <see cref="FileNotFoundException"/> when it does not exist.</summary>
    Task<Stream> OpenReadAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>True when a payload of that name exists.</summary>
    Task<bool> ExistsAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>Deletes a payload; does nothing when it does not exist.</summary>
    Task DeleteAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>The names of every stored payload (<c>.cpom</c>) and subject index (<c>.subjects</c>).</summary>
    IAsyncEnumerable<string> ListAsync(CancellationToken cancellationToken = default);

    /// <summary>Writes and removes a small object: the store is reachable and writable. Throws otherwise.</summary>
    Task ProbeAsync(CancellationToken cancellationToken = default);

    /// <summary>Removes what interrupted writes left behind; returns how many items.</summary>
    Task<int> CleanTemporaryAsync(CancellationToken cancellationToken = default);
}

/// <summary>A payload being written: invisible until committed, discarded when disposed uncommitted.</summary>
public interface IPendingPayload : IAsyncDisposable
{
    /// <summary>Where the content is written. Do not dispose it: <see cref="CommitAsync"/> or disposal does.</summary>
    Stream Content { get; }

    /// <summary>
    /// Makes the content written so far durable and visible, at once, under the name given to <see cref="IPayloadStore.CreateAsync"/>.
    /// Without overwrite (see <see cref="IPayloadStore.CreateAsync"/>), fails with
    /// <see cref="IOException"/> when the name exists, leaving it untouched.
    /// </summary>
    Task CommitAsync(CancellationToken cancellationToken = default);
}

/// <summary>Rules shared by the stores.</summary>
public static class PayloadNames
{
    /// <summary>True for the names of payloads and subject indexes.</summary>
    public static bool IsStored(string name) =>
        name.EndsWith(".cpom", StringComparison.Ordinal) || name.EndsWith(".subjects", StringComparison.Ordinal);

    /// <summary>Refuses a name that could escape the store (separators, leading dot, anything but [A-Za-z0-9._-]).</summary>
    public static string Check(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (name.Length == 0 || name.Length > 200 || name.StartsWith('.') || name.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')))
        {
            throw new ArgumentException("Invalid payload name.", nameof(name));
        }
        return name;
    }
}
