using System.Text;

namespace CpomExchange.Bench;

/// <summary>
/// BENCHMARKS.md, into which a suite writes its block of results between two marker lines of its own
/// (a full run by default, <c>--smoke</c> only with <c>--write</c>).
/// </summary>
internal static class BenchmarksFile
{
    public const string FileName = "BENCHMARKS.md";

    /// <summary>
    /// Writes <paramref name="markdown"/> between the markers of the repository's BENCHMARKS.md when
    /// the options ask for it, and says so; false (after writing why on stderr) when it could not be written.
    /// </summary>
    public static bool Write(BenchOptions options, Report report, string markdown, string beginMarker, string endMarker)
    {
        if (!options.Write)
        {
            report.Write($"{FileName} not written ({(options.Smoke ? "--smoke; --write writes it" : "--no-write")}).{Environment.NewLine}{Environment.NewLine}");
            return true;
        }
        var repository = Repository.Find();
        if (repository is null)
        {
            Console.Error.WriteLine($"{FileName} not written: no CpomExchange.sln above {AppContext.BaseDirectory}.");
            return false;
        }
        var path = Path.Combine(repository, FileName);
        try
        {
            WriteBetweenMarkers(path, markdown, beginMarker, endMarker);
        }
        catch (Exception e) when (e is InvalidOperationException or IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"{FileName} not written: {e.Message}");
            return false;
        }
        report.Write($"Written into {path}, between {beginMarker} and {endMarker}.{Environment.NewLine}{Environment.NewLine}");
        return true;
    }

    /// <summary>
    /// Replaces the lines between the marker lines of <paramref name="path"/> (a line holding only
    /// the marker; the markers may also be quoted in the text) with <paramref name="section"/>; the
    /// rest of the file is kept as it is. Throws <see cref="InvalidOperationException"/> when the
    /// marker lines are missing, repeated or out of order.
    /// </summary>
    public static void WriteBetweenMarkers(string path, string section, string beginMarker, string endMarker)
    {
        var text = File.ReadAllText(path);
        var newline = text.Contains("\r\n", StringComparison.Ordinal) ? "\r\n" : "\n";
        var lines = text.Split(newline);
        var begins = MarkerLines(lines, beginMarker);
        var ends = MarkerLines(lines, endMarker);
        if (begins.Length != 1 || ends.Length != 1 || ends[0] < begins[0])
        {
            throw new InvalidOperationException($"{path} must hold a line {beginMarker}, then a line {endMarker}, once each.");
        }
        var body = section.Replace("\r\n", "\n", StringComparison.Ordinal).Trim('\n').Split('\n');
        string[] replaced = [.. lines[..(begins[0] + 1)], "", .. body, "", .. lines[ends[0]..]];
        // Written beside it, then renamed: an interrupted run leaves the file as it was.
        var temporary = path + ".tmp";
        File.WriteAllText(temporary, string.Join(newline, replaced), new UTF8Encoding(false));
        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>The command as it is run from the repository's root, written beside the figures.</summary>
    public static string Command(BenchOptions options)
    {
#if DEBUG
        const string Configuration = "Debug";
#else
        const string Configuration = "Release";
#endif
        return string.Join(' ', new[] { "dotnet", "run", "-c", Configuration, "--project", "bench/CpomExchange.Bench", "--" }.Concat(options.Arguments));
    }

    private static int[] MarkerLines(string[] lines, string marker) =>
        [.. lines.Select((line, index) => (line, index)).Where(x => x.line.Trim() == marker).Select(x => x.index)];
}
