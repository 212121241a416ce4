namespace CpomExchange.Cli.Tests;

/// <summary>Runs <c>cpom</c> in-process, capturing what it prints.</summary>
internal static class CliRunner
{
    /// <summary>Runs <paramref name="args"/> as a script would: no terminal to ask anything on.</summary>
    public static Task<(int Exit, string Out, string Err)> RunAsync(params string[] args) => RunAsync(CliConsole.None, args);

    /// <summary>Runs <paramref name="args"/> with <paramref name="console"/> as the person's terminal (or not).</summary>
    public static async Task<(int Exit, string Out, string Err)> RunAsync(CliConsole console, params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var exit = await CpomCli.RunAsync(args, stdout, stderr, console);
        return (exit, stdout.ToString(), stderr.ToString());
    }

    /// <summary>A terminal on which the person types <paramref name="answer"/>.</summary>
    public static CliConsole Terminal(string answer) => new(new StringReader(answer + "\n"), InputIsTerminal: true);
}
