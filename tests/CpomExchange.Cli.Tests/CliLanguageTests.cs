using System.CommandLine;
using CpomExchange.Cli.Text;
using CpomExchange.Rules.Text;
using CpomExchange.Tests.Shared;

namespace CpomExchange.Cli.Tests;

/// <summary>
/// Everything a person reads of the command line itself is French (issue 16.4, 16.6): the parser's
/// messages, with a suggestion on a typo, and the help of every command, which lists the exchange
/// types and purposes of the policy and gives an example.
/// </summary>
public sealed class CliLanguageTests
{
    /// <summary>What System.CommandLine writes in English (its resources, version 2.0.15): none may reach a person.</summary>
    private static readonly string[] English =
    [
        "Unrecognized", "is required", "Required argument", "Required command", "Cannot parse", "expects a single argument", "was not matched",
        "Did you mean", "not recognized", "does not exist", "Show help", "Show version", "Usage:", "Options:", "Arguments:", "Commands:",
        "Description:", "(REQUIRED)", "Unhandled exception",
    ];

    private static void AssertNoEnglish(string text)
    {
        foreach (var word in English)
        {
            Assert.False(text.Contains(word, StringComparison.Ordinal), $"« {word} » in:\n{text}");
        }
    }

    public static TheoryData<string[], string[]> Mistakes() => new()
    {
        { ["uplod"], ["Commande inconnue : « uplod ». Vouliez-vous dire « upload » ?", "Aide : cpom --help"] },
        { ["audit", "lst"], ["Commande inconnue : « lst ». Vouliez-vous dire « list » ?", "Aide : cpom audit --help"] },
        { ["frobnicate"], ["Commande inconnue : « frobnicate ».", "Aide : cpom --help"] },
        { ["upload", "a.csv", "--typ", "adherents", "--purpose", "sinistralite"], ["Option inconnue : « --typ ». Vouliez-vous dire « --type » ?", "Aide : cpom upload --help"] },
        { ["upload", "a.csv", "--type", "adherents", "--purpse", "sinistralite"], ["Option inconnue : « --purpse ». Vouliez-vous dire « --purpose » ?", "Aide : cpom upload --help"] },
        { ["upload", "a.csv", "--type", "adherents"], ["L'option --purpose est obligatoire.", "Aide : cpom upload --help"] },
        { ["upload"], ["L'option --type est obligatoire.", "L'option --purpose est obligatoire.", "Argument obligatoire manquant : FICHIER (cpom upload FICHIER ...).", "Aide : cpom upload --help"] },
        { ["download", "ds_1", "--purpose"], ["L'option --purpose demande une valeur.", "Aide : cpom download --help"] },
        { ["audit", "list", "--page", "deux"], ["Valeur « deux » invalide pour --page : nombre entier attendu.", "Aide : cpom audit list --help"] },
        { ["admin"], ["Précisez la commande : cpom admin agent | rotate-kek | notify | authorisation.", "Aide : cpom admin --help"] },
        { ["validate", "a.csv", "b.csv", "--type", "adherents"], ["Argument en trop : « b.csv ».", "Aide : cpom validate --help"] },
    };

    [Theory]
    [MemberData(nameof(Mistakes))]
    public async Task AMistakeOnTheCommandLine_IsSaidInFrench_WithASuggestion_AndExitsUsage(string[] args, string[] lines)
    {
        var result = await CliRunner.RunAsync(args);
        Assert.Equal(ExitCodes.Usage, result.Exit);
        Assert.Equal(lines, result.Err.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        Assert.Equal(string.Empty, result.Out);
    }

    /// <summary>Every command of the tree, with the words that call it.</summary>
    private static IEnumerable<(string[] Path, Command Command)> Commands()
    {
        var root = CpomCli.Build(new CliIo(TextWriter.Null, TextWriter.Null, CliConsole.None));
        var pending = new Stack<(string[], Command)>([([], root)]);
        while (pending.Count > 0)
        {
            var (path, command) = pending.Pop();
            yield return (path, command);
            foreach (var sub in command.Subcommands)
            {
                pending.Push(([.. path, sub.Name], sub));
            }
        }
    }

    [Fact]
    public async Task TheHelpOfEveryCommand_IsFrench_AndGivesAnExample()
    {
        var commands = Commands().ToList();
        Assert.Equal(42, commands.Count);
        foreach (var (path, command) in commands)
        {
            var result = await CliRunner.RunAsync([.. path, "--help"]);
            var name = string.Join(' ', path.Prepend("cpom"));
            Assert.True(result.Exit == ExitCodes.Ok, $"{name}: {result.Err}");
            Assert.Equal(string.Empty, result.Err);
            AssertNoEnglish(result.Out);
            Assert.Contains("Utilisation :", result.Out, StringComparison.Ordinal);
            Assert.Contains("  " + name, result.Out, StringComparison.Ordinal);
            var examples = HelpExamples.For(name);
            Assert.True(examples.Count > 0, $"{name} has no example");
            Assert.Contains((examples.Count == 1 ? "Exemple :\n  " : "Exemples :\n  ") + examples[0], result.Out.ReplaceLineEndings("\n"), StringComparison.Ordinal);
            foreach (var example in examples)
            {
                // An example calls the command it illustrates (the root's, any command).
                Assert.StartsWith(path.Length == 0 ? "cpom " : name, example, StringComparison.Ordinal);
            }
        }
    }

    [Theory]
    [InlineData(true, true, "upload")]
    [InlineData(true, false, "validate")]
    [InlineData(false, true, "download")]
    [InlineData(false, true, "ack")]
    [InlineData(true, true, "audit", "list")]
    [InlineData(false, false, "inbox")]
    public async Task TheHelp_ListsTheTypesAndPurposesOfThePolicy_WhereTheCommandTakesOne(bool types, bool purposes, params string[] path)
    {
        var policies = CpomExchange.Rules.Policies.PolicyLoader.Load(TestPaths.Policies);
        var result = await CliRunner.RunAsync([.. path, "--help"]);
        Assert.Equal(ExitCodes.Ok, result.Exit);
        Assert.Equal(types, result.Out.Contains("Types d'échange (politique", StringComparison.Ordinal));
        Assert.Equal(purposes, result.Out.Contains("Finalités (celle d'un téléchargement", StringComparison.Ordinal));
        var lines = result.Out.Split('\n');
        foreach (var exchange in policies.Exchanges.Values)
        {
            Assert.Equal(types, lines.Any(l => l.StartsWith($"  {exchange.Type} ", StringComparison.Ordinal) && l.TrimEnd().EndsWith(exchange.Label, StringComparison.Ordinal)));
        }
        foreach (var purpose in policies.Purposes.Values)
        {
            Assert.Equal(purposes, lines.Any(l => l.StartsWith($"  {purpose.Code} ", StringComparison.Ordinal) && l.TrimEnd().EndsWith(purpose.Label, StringComparison.Ordinal)));
        }
    }

    [Fact]
    public async Task HelpOnACommandMissingItsRequiredOptions_IsTheHelp_NotAnError()
    {
        var result = await CliRunner.RunAsync("upload", "--help");
        Assert.Equal(ExitCodes.Ok, result.Exit);
        Assert.Equal(string.Empty, result.Err);
        Assert.Contains("--type TYPE         (obligatoire) Type d'échange", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheRootHelp_NamesEveryExitCode()
    {
        var result = await CliRunner.RunAsync("--help");
        Assert.Equal(ExitCodes.Ok, result.Exit);
        foreach (var code in ExitCodeTests.Codes())
        {
            Assert.Contains($"{code} ", result.Out, StringComparison.Ordinal);
        }
        Assert.Contains("9 annulé par vous.", result.Out, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("uplod", "upload")]
    [InlineData("--purpse", "--purpose")]
    [InlineData("indic", "indicators")]
    [InlineData("whomai", "whoami")]
    [InlineData("xyz", null)]
    public void Suggestions_FindTheWordMeant(string typed, string? meant) =>
        Assert.Equal(meant, Suggestions.Closest(typed, ["upload", "inbox", "indicators", "whoami", "--purpose", "--type"]));
}
