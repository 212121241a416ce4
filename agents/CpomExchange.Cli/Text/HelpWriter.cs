using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using System.CommandLine.Parsing;
using CpomExchange.Rules.Policies;

namespace CpomExchange.Cli.Text;

/// <summary><c>--help</c>, in French: replaces System.CommandLine's help, whose titles are English.</summary>
internal sealed class FrenchHelpAction(TextWriter output) : SynchronousCommandLineAction
{
    /// <inheritdoc />
    public override bool ClearsParseErrors => true;

    /// <inheritdoc />
    public override int Invoke(ParseResult parseResult)
    {
        ArgumentNullException.ThrowIfNull(parseResult);
        HelpWriter.Write(parseResult.CommandResult, output);
        return ExitCodes.Ok;
    }
}

/// <summary>
/// The help of a command: what it does, how to call it, its arguments and options, the exchange
/// types and purposes of the policy when the command takes one, and an example.
/// </summary>
internal static class HelpWriter
{
    /// <summary>Writes the help of the command of <paramref name="result"/>.</summary>
    public static void Write(CommandResult result, TextWriter output)
    {
        var command = result.Command;
        var path = ParseErrors.CommandPath(result);
        var root = result.Parent is null;
        output.WriteLine(root ? command.Description : $"{path} : {command.Description}");
        output.WriteLine();
        output.WriteLine("Utilisation :");
        output.WriteLine("  " + Usage(path, command));

        if (command.Arguments.Count > 0)
        {
            Section(output, "Arguments :", command.Arguments.Select(a => (a.Name, a.Description ?? string.Empty)));
        }
        var own = command.Options.Where(o => !o.Hidden && (root || o is not HelpOption && o is not VersionOption)).ToList();
        if (own.Count > 0)
        {
            Section(output, root ? "Options communes à toutes les commandes :" : "Options :", own.Select(o => (Label(o), Describe(o))));
        }
        if (!root)
        {
            var inherited = Ancestors(result).SelectMany(c => c.Options).Where(o => o.Recursive && !o.Hidden && o is not HelpOption && o is not VersionOption).ToList();
            inherited.Add(new HelpOption());
            Section(output, "Options communes :", inherited.Select(o => (Label(o), o is HelpOption ? "Afficher cette aide." : Describe(o))));
        }
        var subcommands = command.Subcommands.Where(c => !c.Hidden).ToList();
        if (subcommands.Count > 0)
        {
            Section(output, "Commandes :", subcommands.Select(c => (c.Name, c.Description ?? string.Empty)));
        }

        var names = command.Options.Select(o => o.Name).ToHashSet(StringComparer.Ordinal);
        if (names.Contains("--type") || names.Contains("--exchange") || names.Contains("--purpose"))
        {
            WritePolicy(output, types: names.Contains("--type") || names.Contains("--exchange"), purposes: names.Contains("--purpose"));
        }
        if (root)
        {
            output.WriteLine();
            output.WriteLine("Codes de sortie : 0 fait, 1 erreur inattendue, 2 commande incorrecte, 3 fichier invalide, 4 refusé,");
            output.WriteLine("5 introuvable ou détruit, 6 passerelle injoignable, 7 erreur de la passerelle, 8 intégrité, 9 annulé par vous.");
            output.WriteLine("L'aide d'une commande : cpom COMMANDE --help (ex. cpom upload --help).");
        }
        var examples = HelpExamples.For(path);
        if (examples.Count > 0)
        {
            output.WriteLine();
            output.WriteLine(examples.Count == 1 ? "Exemple :" : "Exemples :");
            foreach (var example in examples)
            {
                output.WriteLine("  " + example);
            }
        }
    }

    private static IEnumerable<Command> Ancestors(CommandResult result)
    {
        for (var r = result.Parent as CommandResult; r is not null; r = r.Parent as CommandResult)
        {
            yield return r.Command;
        }
    }

    private static string Usage(string path, Command command)
    {
        var parts = new List<string> { path };
        if (command.Subcommands.Count > 0)
        {
            parts.Add("COMMANDE");
        }
        parts.AddRange(command.Arguments.Select(a => a.Arity.MinimumNumberOfValues > 0 ? a.Name : $"[{a.Name}]"));
        parts.AddRange(command.Options.Where(o => o.Required).Select(Label));
        parts.Add("[options]");
        return string.Join(' ', parts);
    }

    private static string Label(Option option)
    {
        var names = string.Join(", ", option.Aliases.Where(a => a.Length == 2).Append(option.Name));
        if (option is HelpOption)
        {
            return "-h, --help";
        }
        if (option is VersionOption)
        {
            return "--version";
        }
        var takesValue = option.ValueType != typeof(bool) && option.ValueType != typeof(bool?);
        return takesValue ? $"{names} {option.HelpName ?? DefaultValueName(option.ValueType)}" : names;
    }

    private static string DefaultValueName(Type type) => (Nullable.GetUnderlyingType(type) ?? type) switch
    {
        var t when t == typeof(int) || t == typeof(long) => "N",
        var t when t == typeof(DateTime) || t == typeof(DateOnly) => "AAAA-MM-JJ",
        var t when t == typeof(FileInfo) => "FICHIER",
        _ => "VALEUR",
    };

    private static string Describe(Option option) =>
        (option.Required ? "(obligatoire) " : string.Empty) + (option is VersionOption ? "Afficher la version de cpom." : option.Description ?? string.Empty);

    private static void Section(TextWriter output, string title, IEnumerable<(string Name, string Description)> rows)
    {
        output.WriteLine();
        output.WriteLine(title);
        var list = rows.ToList();
        var width = list.Max(r => Table.Width(r.Name));
        foreach (var (name, description) in list)
        {
            output.WriteLine($"  {name}{new string(' ', width - Table.Width(name))}  {description}".TrimEnd());
        }
    }

    /// <summary>The exchange types and purposes of the policy cpom reads (./policies, $CPOM_POLICIES or its own copy).</summary>
    private static void WritePolicy(TextWriter output, bool types, bool purposes)
    {
        var directory = PolicyLoader.ResolveDirectory(null);
        var (policies, errors) = PolicyLoader.TryLoad(directory);
        output.WriteLine();
        if (policies is null)
        {
            output.WriteLine($"Types d'échange et finalités : la politique {Path.GetFullPath(directory)} est illisible ({errors.Count} erreur(s) : cpom policy check).");
            return;
        }
        if (types)
        {
            output.WriteLine($"Types d'échange (politique {policies.Directory} ; colonnes de chaque fichier : exchanges.yaml) :");
            var table = new Table("TYPE", "DE → VERS", "FINALITÉS", "CONTENU");
            foreach (var x in policies.Exchanges.Values)
            {
                table.Add(x.Type, $"{string.Join("/", x.From.Select(AccessPolicy.Label))} → {string.Join("/", x.To.Select(AccessPolicy.Label))}", string.Join(", ", x.Purposes), x.Label);
            }
            table.WriteTo(output, "  ");
        }
        if (purposes)
        {
            if (types)
            {
                output.WriteLine();
            }
            output.WriteLine("Finalités (celle d'un téléchargement ou d'un accusé de réception est celle du dépôt) :");
            var table = new Table("FINALITÉ", "POUR");
            foreach (var p in policies.Purposes.Values)
            {
                table.Add(p.Code, p.Label);
            }
            table.WriteTo(output, "  ");
        }
    }
}
