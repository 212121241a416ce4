namespace CpomExchange.Cli.Client;

/// <summary>
/// The gateway's state folder, found as the gateway finds it (README, "Configuration"): <c>--home</c>,
/// else <c>$CPOM_HOME</c>, else <c>.cpom/</c> in the working directory. <c>cpom</c> reads the
/// development identities there (<c>dev/</c>) and keeps the checkpoints it verified (<c>audit/</c>).
/// </summary>
internal sealed class StateFolder
{
    /// <summary>The environment variable that names the folder, for the gateway and for <c>cpom</c>.</summary>
    public const string EnvironmentVariable = "CPOM_HOME";

    private StateFolder(string root, string origin)
    {
        Root = Path.GetFullPath(root);
        Origin = origin;
    }

    /// <summary>The absolute path of the folder.</summary>
    public string Root { get; }

    /// <summary>How it was found, in French: "--home", "$CPOM_HOME" or ".cpom/ du dossier courant".</summary>
    public string Origin { get; }

    /// <summary>The development PKI the gateway creates in the Development environment.</summary>
    public string DevDirectory => Path.Combine(Root, "dev");

    /// <summary>The folder <paramref name="configured"/> (<c>--home</c>) names, else the environment's, else <c>./.cpom</c>.</summary>
    public static StateFolder Resolve(string? configured)
    {
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return new StateFolder(configured, "--home");
        }
        var fromEnvironment = Environment.GetEnvironmentVariable(EnvironmentVariable);
        return string.IsNullOrWhiteSpace(fromEnvironment)
            ? new StateFolder(Path.Combine(Environment.CurrentDirectory, ".cpom"), ".cpom/ du dossier courant")
            : new StateFolder(fromEnvironment, "$" + EnvironmentVariable);
    }

    /// <summary>
    /// The nearest <c>.cpom/</c> above the working directory holding <paramref name="file"/> of its
    /// <c>dev/</c> folder: suggested (never used) when the identity is not where the rule says.
    /// </summary>
    public static string? FindAbove(string file)
    {
        for (var dir = Directory.GetParent(Environment.CurrentDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, ".cpom");
            if (File.Exists(Path.Combine(candidate, "dev", file)))
            {
                return candidate;
            }
        }
        return null;
    }
}
