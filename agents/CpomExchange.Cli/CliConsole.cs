namespace CpomExchange.Cli;

/// <summary>
/// Where <c>cpom</c> reads a person's answer (a confirmation), and whether a person is there to
/// give one: a script's standard input is not a terminal, so a command that destroys asks for
/// <c>--yes</c> there instead of waiting.
/// </summary>
public sealed record CliConsole(TextReader Input, bool InputIsTerminal)
{
    /// <summary>This process's standard input.</summary>
    public static CliConsole Process => new(Console.In, !Console.IsInputRedirected);

    /// <summary>No terminal: nothing to read, no one to ask (scripts, tests).</summary>
    public static CliConsole None { get; } = new(TextReader.Null, false);
}
