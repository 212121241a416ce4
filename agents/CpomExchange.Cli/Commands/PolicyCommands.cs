using System.CommandLine;
using CpomExchange.Cli.Text;
using CpomExchange.Rules.Policies;

namespace CpomExchange.Cli.Commands;

/// <summary><c>cpom policy check [DIR]</c>: the gateway's validation of the policy files, offline.</summary>
internal static class PolicyCommands
{
    public static Command Build(CliIo io)
    {
        var dir = new Argument<string?>("DOSSIER") { Description = "Le dossier des politiques (défaut : $CPOM_POLICIES, ./policies ou celui livré avec cpom).", Arity = ArgumentArity.ZeroOrOne };
        var check = new Command("check", "Vérifier les fichiers de politique, comme la passerelle au démarrage.") { dir };
        check.SetAction(parse =>
        {
            var output = new Output(io, parse.GetValue(CpomCli.JsonOption));
            var stdout = output.Out;
            var stderr = output.Err;
            var folder = PolicyLoader.ResolveDirectory(parse.GetValue(dir));
            var (policies, errors) = PolicyLoader.TryLoad(folder);
            if (policies is null)
            {
                if (output.Json)
                {
                    output.WriteJson(new { valid = false, directory = Path.GetFullPath(folder), errors });
                }
                else
                {
                    stderr.WriteLine($"Politique invalide ({Path.GetFullPath(folder)}) : {errors.Count} erreur(s). La passerelle refuserait de démarrer.");
                    foreach (var e in errors)
                    {
                        stderr.WriteLine($"  {e.File} [{e.Entry}] : {e.Message}");
                    }
                }
                return ExitCodes.InvalidFile;
            }
            if (output.Json)
            {
                output.WriteJson(new
                {
                    valid = true,
                    directory = policies.Directory,
                    organisations = policies.Organisations.Count,
                    exchanges = policies.Exchanges.Keys,
                    contracts = policies.Contracts.Select(c => new { c.Id, c.Title, c.Spsti, c.Caisse, c.Dreets, c.Start, c.End, volets = c.Volets.Select(v => v.Code), exchanges = c.Exchanges.Values }),
                });
                return ExitCodes.Ok;
            }
            stdout.WriteLine($"Politique valide : {policies.Directory}");
            stdout.WriteLine($"  {policies.Organisations.Count} organisations, {policies.Exchanges.Count} types d'échange, {policies.Purposes.Count} finalités, {policies.Contracts.Count} contrats.");
            foreach (var c in policies.Contracts.OrderBy(c => c.Start))
            {
                stdout.WriteLine();
                stdout.WriteLine($"{c.Id} — {c.Title}");
                stdout.WriteLine($"  parties : {policies.Organisations[c.Spsti].Name} (SPSTI), {policies.Organisations[c.Caisse].Name} (caisse), {policies.Organisations[c.Dreets].Name} (DREETS)");
                stdout.WriteLine($"  durée   : du {Formats.Date(c.Start)} au {Formats.Date(c.End)}{(c.TermNote is null ? string.Empty : $" ({c.TermNote})")}");
                stdout.WriteLine($"  volets  : {string.Join(" ; ", c.Volets.Select(v => v.Label))}");
                stdout.WriteLine("  échanges :");
                var table = new Table("TYPE", "DE → VERS", "FINALITÉS");
                foreach (var x in c.Exchanges.Values)
                {
                    var definition = policies.Exchanges[x.Type];
                    table.Add(x.Type, $"{string.Join("/", definition.From.Select(AccessPolicy.Label))} → {string.Join("/", x.To.Count > 0 ? x.To.Select(AccessPolicy.Label) : definition.To.Select(AccessPolicy.Label))}", string.Join(", ", x.Purposes));
                }
                table.WriteTo(stdout, "    ");
            }
            return ExitCodes.Ok;
        });
        var policy = new Command("policy", "Politiques d'échange.");
        policy.Subcommands.Add(check);
        return policy;
    }
}
