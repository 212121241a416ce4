namespace CpomExchange.Infrastructure;

/// <summary>
/// The one folder that holds all of the gateway's state: <c>$CPOM_HOME</c> if set, else
/// <c>.cpom/</c> in the working directory. The SQLite database, the encrypted payloads, the keys
/// and the development certificates live below it.
/// </summary>
public sealed class CpomHome
{
    /// <summary>The environment variable that names the folder.</summary>
    public const string EnvironmentVariable = "CPOM_HOME";

    /// <summary>Uses <paramref name="root"/> as the state folder.</summary>
    public CpomHome(string root)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(root);
        Root = Path.GetFullPath(root);
    }

    /// <summary>The folder from <c>$CPOM_HOME</c>, or <c>.cpom/</c> in the working directory.</summary>
    public static CpomHome FromEnvironment(string? configured = null)
    {
        var root = configured;
        if (string.IsNullOrWhiteSpace(root))
        {
            root = Environment.GetEnvironmentVariable(EnvironmentVariable);
        }
        return new CpomHome(string.IsNullOrWhiteSpace(root) ? Path.Combine(Environment.CurrentDirectory, ".cpom") : root);
    }

    /// <summary>The absolute path of the folder.</summary>
    public string Root { get; }

    /// <summary>The SQLite database file.</summary>
    public string DatabaseFile => Path.Combine(Root, "cpom.db");

    /// <summary>The encrypted payloads.</summary>
    public string PayloadDirectory => Path.Combine(Root, "payloads");

    /// <summary>The key files of the local key provider.</summary>
    public string KeyDirectory => Path.Combine(Root, "keys");

    /// <summary>The development PKI.</summary>
    public string DevDirectory => Path.Combine(Root, "dev");

    /// <summary>Creates <paramref name="path"/> readable by the owner only.</summary>
    public static void CreatePrivateDirectory(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(path);
        }
        else
        {
            Directory.CreateDirectory(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    /// <summary>Writes a new file readable and writable by the owner only; fails if it exists.</summary>
    public static void WritePrivateFile(string path, ReadOnlySpan<byte> content)
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }
        using var stream = new FileStream(path, options);
        stream.Write(content);
        stream.Flush(flushToDisk: true);
    }
}
