using System.Security.Cryptography;
using System.Text;

namespace CpomExchange.Rules.Policies;

/// <summary>
/// The files of a policy folder as one versioned whole: what the loader reads, and their hash, which
/// names the version of the rules in the policy history and in every access-log entry.
/// </summary>
public static class PolicyFiles
{
    /// <summary>The optional file of third-party authorisations.</summary>
    public const string AuthorisationsFile = "authorisations.yaml";

    /// <summary>
    /// The authorisations an administrator added through the API: not a file of the folder (never read from
    /// it), but a file of every policy version recorded since, so that the hash, the history and the diff
    /// show each addition like any change of the rules.
    /// </summary>
    public const string AdministeredFile = "admin/authorisations.yaml";

    /// <summary>
    /// The files the loader reads, by path relative to <paramref name="directory"/> with <c>/</c>:
    /// <c>organisations.yaml</c>, <c>exchanges.yaml</c>, <c>authorisations.yaml</c> and every file of
    /// <c>contracts/</c>. Line endings are normalised to <c>\n</c>, so that one policy checked out on
    /// two systems has one hash.
    /// </summary>
    public static IReadOnlyDictionary<string, string> Read(string directory)
    {
        ArgumentNullException.ThrowIfNull(directory);
        var files = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var name in new[] { "organisations.yaml", "exchanges.yaml", AuthorisationsFile })
        {
            var path = Path.Combine(directory, name);
            if (File.Exists(path))
            {
                files[name] = Normalise(File.ReadAllText(path));
            }
        }
        var contracts = Path.Combine(directory, "contracts");
        if (Directory.Exists(contracts))
        {
            foreach (var path in Directory.EnumerateFiles(contracts))
            {
                files["contracts/" + Path.GetFileName(path)] = Normalise(File.ReadAllText(path));
            }
        }
        return files;
    }

    /// <summary>
    /// The SHA-256 (lower-case hexadecimal) of <paramref name="files"/>: for each file in ordinal order of
    /// its path, the path, a line feed, the UTF-8 length of its content, a line feed, the content, a line feed.
    /// </summary>
    public static string Hash(IReadOnlyDictionary<string, string> files)
    {
        ArgumentNullException.ThrowIfNull(files);
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var (path, content) in files.OrderBy(f => f.Key, StringComparer.Ordinal))
        {
            var bytes = Encoding.UTF8.GetBytes(content);
            sha.AppendData(Encoding.UTF8.GetBytes($"{path}\n{bytes.Length}\n"));
            sha.AppendData(bytes);
            sha.AppendData("\n"u8);
        }
        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }

    /// <summary>The first 12 hexadecimal digits of a hash, as people quote it.</summary>
    public static string Short(string hash) => hash.Length > 12 ? hash[..12] : hash;

    private static string Normalise(string text) => text.ReplaceLineEndings("\n");
}
