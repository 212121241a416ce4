using System.CommandLine;
using CpomExchange.Cli.Client;

namespace CpomExchange.Cli.Commands;

/// <summary>
/// A file <c>cpom</c> writes (<c>download -o</c>, <c>indicators -o</c>, <c>audit export -o</c>): never
/// over an existing file unless <c>--force</c>, and written as <c>FILE.part</c> then renamed, so
/// that an interrupted or refused transfer leaves nothing behind.
/// </summary>
internal static class OutputFile
{
    /// <summary>The <c>--force</c> option of the commands that write a file.</summary>
    public static Option<bool> ForceOption() => new("--force") { Description = "Remplacer le fichier de sortie s'il existe déjà." };

    /// <summary>The full path of <paramref name="path"/>; a usage error if it exists and <paramref name="force"/> is false.</summary>
    public static string Check(string path, bool force)
    {
        var full = Path.GetFullPath(path);
        if (!force && File.Exists(full))
        {
            throw new UsageException(Exists(full));
        }
        return full;
    }

    /// <summary>Writes <paramref name="full"/> through <paramref name="write"/>, via <c>FILE.part</c>.</summary>
    public static async Task<T> WriteAsync<T>(string full, bool force, Func<Stream, Task<T>> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        var partial = full + ".part";
        try
        {
            T result;
            await using (var stream = new FileStream(partial, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                result = await write(stream);
            }
            try
            {
                File.Move(partial, full, overwrite: force);
            }
            catch (IOException) when (!force && File.Exists(full))
            {
                // Created by someone else while the content came.
                throw new UsageException(Exists(full));
            }
            return result;
        }
        finally
        {
            File.Delete(partial);
        }
    }

    private static string Exists(string full) =>
        $"Le fichier {full} existe déjà : rien n'a été écrit. Choisissez un autre nom (-o) ou ajoutez --force pour le remplacer.";
}
