namespace CpomExchange.Tests.Shared;

/// <summary>Where the tests find the repository's files.</summary>
public static class TestPaths
{
    /// <summary>The repository's root folder (the one holding CpomExchange.sln).</summary>
    public static string RepositoryRoot
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "CpomExchange.sln")))
            {
                dir = dir.Parent;
            }
            return dir?.FullName ?? throw new InvalidOperationException("Repository root not found.");
        }
    }

    /// <summary>The repository's policy folder.</summary>
    public static string Policies => Path.Combine(RepositoryRoot, "policies");

    /// <summary>The sample files (tests/Samples, a copy of the shared samples).</summary>
    public static string Samples => Path.Combine(RepositoryRoot, "tests", "Samples");

    /// <summary>Files an earlier version wrote (tests/Legacy/v1: see its README), for the upgrade tests.</summary>
    public static string LegacyV1 => Path.Combine(RepositoryRoot, "tests", "Legacy", "v1");
}
