namespace CpomExchange.Bench;

/// <summary>The checkout the benchmark was built from.</summary>
internal static class Repository
{
    /// <summary>
    /// The folder holding CpomExchange.sln, walking up from the benchmark's binaries
    /// (<c>bench/CpomExchange.Bench/bin/&lt;configuration&gt;/net10.0/</c>); null when they were copied elsewhere.
    /// </summary>
    public static string? Find()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "CpomExchange.sln")))
        {
            dir = dir.Parent;
        }
        return dir?.FullName;
    }
}
