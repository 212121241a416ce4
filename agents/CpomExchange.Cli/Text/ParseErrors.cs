using System.CommandLine;
using System.Text.RegularExpressions;

namespace CpomExchange.Cli.Text;

/// <summary>
/// The command-line parser's errors in French. System.CommandLine writes them in English (its French
/// resources translate few of them), so each of its messages (version 2.0.15, pinned in
/// Directory.Packages.props) is recognised here and said again in French; a typo in a command or an
/// option gets a suggestion. A message this class does not know is passed on as it is.
/// </summary>
internal static partial class ParseErrors
{
    /// <summary>What is wrong with the command line of <paramref name="parse"/>, one line each, then where to find help.</summary>
    public static IReadOnlyList<string> Describe(ParseResult parse)
    {
        ArgumentNullException.ThrowIfNull(parse);
        var lines = parse.Errors.Select(e => Translate(e.Message, parse)).Distinct(StringComparer.Ordinal).ToList();
        // What follows from a typo is not said again: the value after an unknown option, the command
        // missing after an unknown one, an option "required" that the suggestion names.
        if (lines.Any(l => l.StartsWith("Option inconnue", StringComparison.Ordinal)))
        {
            lines.RemoveAll(l => l.StartsWith("Argument en trop", StringComparison.Ordinal));
        }
        if (lines.Any(l => l.StartsWith("Commande inconnue", StringComparison.Ordinal)))
        {
            lines.RemoveAll(l => l.StartsWith("Précisez la commande", StringComparison.Ordinal));
        }
        foreach (var suggested in lines.Select(l => SuggestedOption().Match(l)).Where(m => m.Success).Select(m => m.Groups[1].Value).ToList())
        {
            lines.Remove($"L'option {suggested} est obligatoire.");
        }
        lines.Add($"Aide : {CommandPath(parse.CommandResult)} --help");
        return lines;
    }

    /// <summary>The words that lead to the command of <paramref name="result"/>: <c>cpom admin agent add</c>.</summary>
    public static string CommandPath(System.CommandLine.Parsing.CommandResult result)
    {
        var names = new List<string>();
        for (var r = result; r is not null; r = r.Parent as System.CommandLine.Parsing.CommandResult)
        {
            names.Add(r.Parent is null ? "cpom" : r.Command.Name);
        }
        names.Reverse();
        return string.Join(' ', names);
    }

    private static string Translate(string message, ParseResult parse)
    {
        var command = parse.CommandResult.Command;
        Match m;
        if ((m = Unrecognized().Match(message)).Success)
        {
            var token = m.Groups[1].Value;
            var what = token.StartsWith('-') ? "Option inconnue" : command.Subcommands.Count > 0 ? "Commande inconnue" : "Argument en trop";
            return $"{what} : « {token} ».{Suggest(token, parse)}";
        }
        if ((m = OptionRequired().Match(message)).Success)
        {
            return $"L'option {m.Groups[1].Value} est obligatoire.";
        }
        if ((m = CommandArgumentMissing().Match(message)).Success)
        {
            var missing = command.Arguments.Where(a => a.Arity.MinimumNumberOfValues > 0).Select(a => a.Name).ToList();
            return missing.Count == 0
                ? $"Argument obligatoire manquant pour « {m.Groups[1].Value} »."
                : $"Argument obligatoire manquant : {string.Join(", ", missing)} ({CommandPath(parse.CommandResult)} {string.Join(' ', missing)} ...).";
        }
        if ((m = OptionArgumentMissing().Match(message)).Success)
        {
            return $"L'option {m.Groups[1].Value} demande une valeur.";
        }
        if (CommandRequired().IsMatch(message))
        {
            return $"Précisez la commande : {CommandPath(parse.CommandResult)} {string.Join(" | ", command.Subcommands.Where(c => !c.Hidden).Select(c => c.Name))}.";
        }
        if ((m = CannotParseForOption().Match(message)).Success)
        {
            return $"Valeur « {m.Groups[1].Value} » invalide pour {m.Groups[2].Value} : {Expected(m.Groups[3].Value)}.";
        }
        if ((m = CannotParseForCommand().Match(message)).Success)
        {
            return $"Valeur « {m.Groups[1].Value} » invalide pour la commande {m.Groups[2].Value} : {Expected(m.Groups[3].Value)}.";
        }
        if ((m = CannotParse().Match(message)).Success)
        {
            return $"Valeur « {m.Groups[1].Value} » invalide : {Expected(m.Groups[2].Value)}.";
        }
        if ((m = SingleArgument().Match(message)).Success)
        {
            return $"L'option {m.Groups[1].Value} n'accepte qu'une valeur ({m.Groups[2].Value} données).";
        }
        if ((m = NotMatched().Match(message)).Success)
        {
            return $"« {m.Groups[1].Value} » n'est pas reconnu.{Suggest(m.Groups[1].Value, parse)}";
        }
        if ((m = NotOneOf().Match(message)).Success)
        {
            return $"Valeur « {m.Groups[1].Value} » non reconnue ; valeurs possibles :{m.Groups[2].Value}";
        }
        if ((m = FileMissing().Match(message)).Success)
        {
            return $"{m.Groups[1].Value switch { "File" => "Fichier", "Directory" => "Dossier", _ => "Fichier ou dossier" }} introuvable : {m.Groups[2].Value}";
        }
        if ((m = BadCharacter().Match(message)).Success)
        {
            return $"Caractère interdit dans un {(m.Groups[1].Value == "file name" ? "nom de fichier" : "chemin")} : « {m.Groups[2].Value} ».";
        }
        if ((m = ResponseFileMissing().Match(message)).Success)
        {
            return $"Fichier d'arguments introuvable : {m.Groups[1].Value}";
        }
        if ((m = ResponseFileUnreadable().Match(message)).Success)
        {
            return $"Fichier d'arguments illisible ({m.Groups[1].Value}) : {m.Groups[2].Value}";
        }
        if ((m = NotCombinable().Match(message)).Success)
        {
            return $"L'option {m.Groups[1].Value} ne se combine avec aucun autre argument.";
        }
        return message;
    }

    /// <summary>" Vouliez-vous dire « upload » ?" for <paramref name="token"/>, or nothing.</summary>
    private static string Suggest(string token, ParseResult parse)
    {
        var command = parse.CommandResult.Command;
        IEnumerable<string> candidates;
        if (token.StartsWith('-'))
        {
            var options = command.Options.AsEnumerable();
            for (var r = parse.CommandResult.Parent as System.CommandLine.Parsing.CommandResult; r is not null; r = r.Parent as System.CommandLine.Parsing.CommandResult)
            {
                options = options.Concat(r.Command.Options.Where(o => o.Recursive));
            }
            candidates = options.Where(o => !o.Hidden).SelectMany(o => o.Aliases.Prepend(o.Name)).Where(n => n.StartsWith("--", StringComparison.Ordinal));
        }
        else
        {
            candidates = command.Subcommands.Where(c => !c.Hidden).Select(c => c.Name);
        }
        return Suggestions.Closest(token, candidates) is { } best ? $" Vouliez-vous dire « {best} » ?" : string.Empty;
    }

    private static string Expected(string type) => type.Replace("System.Nullable`1[", string.Empty, StringComparison.Ordinal).TrimEnd(']') switch
    {
        "System.Int32" or "System.Int64" => "nombre entier attendu",
        "System.DateTime" or "System.DateOnly" => "date attendue (AAAA-MM-JJ)",
        "System.Boolean" => "true ou false attendu",
        "System.IO.FileInfo" => "chemin de fichier attendu",
        var other => $"valeur de type {other} attendue",
    };

    [GeneratedRegex("^Option inconnue : .* Vouliez-vous dire « (--[^ ]+) » \\?$")]
    private static partial Regex SuggestedOption();

    [GeneratedRegex("^Unrecognized command or argument '(.*)'\\.$", RegexOptions.Singleline)]
    private static partial Regex Unrecognized();

    [GeneratedRegex("^Option '(.*)' is required\\.$", RegexOptions.Singleline)]
    private static partial Regex OptionRequired();

    [GeneratedRegex("^Required argument missing for command: '(.*)'\\.$", RegexOptions.Singleline)]
    private static partial Regex CommandArgumentMissing();

    [GeneratedRegex("^Required argument missing for option: '(.*)'\\.$", RegexOptions.Singleline)]
    private static partial Regex OptionArgumentMissing();

    [GeneratedRegex("^Required command was not provided\\.$")]
    private static partial Regex CommandRequired();

    [GeneratedRegex("^Cannot parse argument '(.*)' for option '(.*)' as expected type '(.*)'\\.", RegexOptions.Singleline)]
    private static partial Regex CannotParseForOption();

    [GeneratedRegex("^Cannot parse argument '(.*)' for command '(.*)' as expected type '(.*)'\\.", RegexOptions.Singleline)]
    private static partial Regex CannotParseForCommand();

    [GeneratedRegex("^Cannot parse argument '(.*)' as expected type '(.*)'\\.$", RegexOptions.Singleline)]
    private static partial Regex CannotParse();

    [GeneratedRegex("^Option '(.*)' expects a single argument but ([0-9]+) were provided\\.$", RegexOptions.Singleline)]
    private static partial Regex SingleArgument();

    [GeneratedRegex("^'(.*)' was not matched\\. Did you mean one of the following\\?", RegexOptions.Singleline)]
    private static partial Regex NotMatched();

    [GeneratedRegex("^Argument '(.*)' not recognized\\. Must be one of:(.*)$", RegexOptions.Singleline)]
    private static partial Regex NotOneOf();

    [GeneratedRegex("^(File|Directory|File or directory) does not exist: '(.*)'\\.$", RegexOptions.Singleline)]
    private static partial Regex FileMissing();

    [GeneratedRegex("^Character not allowed in a (file name|path): '(.*)'\\.$", RegexOptions.Singleline)]
    private static partial Regex BadCharacter();

    [GeneratedRegex("^Response file not found '(.*)'\\.$", RegexOptions.Singleline)]
    private static partial Regex ResponseFileMissing();

    [GeneratedRegex("^Error reading response file '(.*)': (.*)$", RegexOptions.Singleline)]
    private static partial Regex ResponseFileUnreadable();

    [GeneratedRegex("^(.*) option cannot be combined with other arguments\\.$", RegexOptions.Singleline)]
    private static partial Regex NotCombinable();
}
