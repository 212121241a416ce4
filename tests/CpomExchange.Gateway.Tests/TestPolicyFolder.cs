using CpomExchange.Tests.Shared;
using Microsoft.AspNetCore.Builder;

namespace CpomExchange.Gateway.Tests;

/// <summary>
/// A copy of the repository's policy folder, edited for one fixture. Every edit names the text it
/// replaces, which must be there exactly once: when the repository's files change, the fixture fails
/// loudly instead of silently testing something else.
/// </summary>
internal sealed class TestPolicyFolder : IDisposable
{
    public TestPolicyFolder()
    {
        foreach (var file in Directory.EnumerateFiles(TestPaths.Policies, "*.yaml", SearchOption.AllDirectories))
        {
            var target = System.IO.Path.Combine(Path, System.IO.Path.GetRelativePath(TestPaths.Policies, file));
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }

    public string Path { get; } = Directory.CreateTempSubdirectory("cpom-policies-").FullName;

    /// <summary>Replaces the one occurrence of <paramref name="find"/> in <paramref name="file"/>.</summary>
    public TestPolicyFolder Replace(string file, string find, string replace)
    {
        var path = System.IO.Path.Combine(Path, file);
        var text = File.ReadAllText(path).ReplaceLineEndings("\n");
        var at = text.IndexOf(find, StringComparison.Ordinal);
        if (at < 0 || text.IndexOf(find, at + 1, StringComparison.Ordinal) >= 0)
        {
            throw new InvalidOperationException($"« {find} » is not in {file} exactly once.");
        }
        File.WriteAllText(path, string.Concat(text.AsSpan(0, at), replace, text.AsSpan(at + find.Length)));
        return this;
    }

    /// <summary>Adds an SPSTI to organisations.yaml.</summary>
    public TestPolicyFolder AddSpsti(string id, string siren)
    {
        File.AppendAllText(System.IO.Path.Combine(Path, "organisations.yaml"), $"  - id: {id}\n    kind: SPSTI\n    name: SPSTI de test {id}\n    siren: \"{siren}\"\n");
        return this;
    }

    /// <summary>Writes a contract file.</summary>
    public TestPolicyFolder Contract(string name, string yaml)
    {
        File.WriteAllText(System.IO.Path.Combine(Path, "contracts", name + ".yaml"), yaml);
        return this;
    }

    /// <summary>Points a gateway at this folder.</summary>
    public void Use(WebApplicationBuilder builder) => builder.Configuration["Cpom:Policies"] = Path;

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
