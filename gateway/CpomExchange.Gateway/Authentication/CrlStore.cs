using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace CpomExchange.Gateway.Authentication;

/// <summary>
/// Certificate revocation lists from files (<c>Cpom:Tls:CrlFiles</c>, PEM or DER), read again when a
/// file changes. A list applies to the certificates its signer issued, found by key identifier (two
/// CAs may share a name). Every list must be readable and signed by a trust anchor or intermediate
/// at start. Later, a list that becomes unreadable or unverifiable, or whose next update has passed,
/// fails closed for the clients of its CA only: they are refused until a fresh list is installed,
/// and the clients of the other CAs are not affected.
/// </summary>
public sealed class CrlStore
{
    private const int MaxDepth = 8;

    private readonly IReadOnlyList<string> _files;
    private readonly X509Certificate2Collection _issuers;
    private readonly TimeProvider _time;
    private readonly Lock _lock = new();
    private Dictionary<string, LoadedList> _loaded = new(StringComparer.Ordinal);

    /// <summary>What a file held at its last read: a verified list, or why not, and the CA it belongs to.</summary>
    private sealed record LoadedList(DateTime Write, RevocationList? List, string? Problem, X509Certificate2? Signer);

    /// <summary>Reads <paramref name="files"/>, signed by certificates of <paramref name="issuers"/>; throws, in French, on a missing or unverifiable list.</summary>
    public CrlStore(IReadOnlyList<string> files, X509Certificate2Collection issuers, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(files);
        _files = files;
        _issuers = issuers;
        _time = time;
        foreach (var file in files)
        {
            if (!File.Exists(file))
            {
                throw new InvalidOperationException($"Cpom:Tls:CrlFiles : liste de révocation introuvable : {file}");
            }
        }
        Refresh();
        foreach (var (file, loaded) in _loaded)
        {
            if (loaded.List is null)
            {
                // At start no earlier version tells whose clients to refuse: do not start.
                throw new InvalidOperationException($"Cpom:Tls:CrlFiles : {loaded.Problem} ({file})");
            }
        }
    }

    /// <summary>
    /// Null when no list revokes the certificate or one of its issuing CAs (up to the anchor), else
    /// why it is refused: revoked, or the list of a CA of its chain is expired or unreadable.
    /// </summary>
    public string? Check(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        if (_files.Count == 0)
        {
            return null;
        }
        Refresh();
        var loaded = _loaded;
        var now = _time.GetUtcNow().UtcDateTime;
        var current = certificate;
        for (var depth = 0; depth < MaxDepth && !IsSelfIssued(current); depth++)
        {
            var issuer = RevocationList.FindIssuer(current, _issuers);
            if (issuer is null)
            {
                return null; // not a chain of the configured CAs: the chain check refuses it
            }
            foreach (var list in loaded.Values)
            {
                if (list.Signer is null || !list.Signer.RawData.AsSpan().SequenceEqual(issuer.RawData))
                {
                    continue;
                }
                if (list.Problem is not null)
                {
                    return list.Problem;
                }
                if (list.List!.NextUpdate is { } next && now > next)
                {
                    return "La liste de révocation de l'autorité de certification a expiré : installez-en une à jour.";
                }
                if (list.List.Revokes(current))
                {
                    return ReferenceEquals(current, certificate)
                        ? "Certificat révoqué par son autorité de certification."
                        : "L'autorité de certification intermédiaire du certificat est révoquée.";
                }
            }
            current = issuer;
        }
        return null;
    }

    private static bool IsSelfIssued(X509Certificate2 certificate) =>
        certificate.SubjectName.RawData.AsSpan().SequenceEqual(certificate.IssuerName.RawData);

    private void Refresh()
    {
        lock (_lock)
        {
            Dictionary<string, LoadedList>? next = null;
            foreach (var file in _files)
            {
                var write = File.Exists(file) ? File.GetLastWriteTimeUtc(file) : DateTime.MinValue;
                if (_loaded.TryGetValue(file, out var known) && known.Write == write)
                {
                    continue;
                }
                next ??= new Dictionary<string, LoadedList>(_loaded, StringComparer.Ordinal);
                try
                {
                    var list = RevocationList.Parse(File.ReadAllBytes(file), _issuers);
                    next[file] = new LoadedList(write, list, null, list.Signer);
                }
                catch (Exception e) when (e is CryptographicException or AsnContentException or IOException or FormatException or UnauthorizedAccessException)
                {
                    // Fail closed for the CA this file held the list of: its clients are refused until it is fixed.
                    next[file] = new LoadedList(write, null,
                        $"Liste de révocation {Path.GetFileName(file)} illisible ou non signée par une autorité reconnue.", known?.Signer);
                }
            }
            if (next is not null)
            {
                _loaded = next;
            }
        }
    }
}
