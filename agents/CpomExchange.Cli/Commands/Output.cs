using System.Text.Json;
using CpomExchange.Cli.Client;
using CpomExchange.Rules.Csv;

namespace CpomExchange.Cli.Commands;

/// <summary>What <c>cpom</c> prints: French for people, JSON (<c>--json</c>) for scripts.</summary>
internal sealed class Output(TextWriter stdout, TextWriter stderr, bool json)
{
    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public TextWriter Out { get; } = stdout;
    public TextWriter Err { get; } = stderr;
    public bool Json { get; } = json;

    public void WriteJson(object value) => Out.WriteLine(JsonSerializer.Serialize(value, JsonOptions));

    public void Dataset(DatasetInfo d)
    {
        Out.WriteLine($"Jeu de données : {d.Id}");
        Out.WriteLine($"  échange     : {d.Type}, de {d.From} vers {d.To}");
        Out.WriteLine($"  finalité    : {d.Purpose}{(d.Object is null ? string.Empty : $" (objet : {d.Object})")}");
        Out.WriteLine($"  lignes      : {d.Rows}");
        Out.WriteLine($"  taille      : {d.Size} octets");
        Out.WriteLine($"  SHA-256     : {d.Sha256}");
        Out.WriteLine($"  contrat     : {d.Contract}");
        Out.WriteLine($"  déposé le   : {d.CreatedAt.ToLocalTime():dd/MM/yyyy HH:mm:ss}");
        if (d.ReplyTo is not null)
        {
            Out.WriteLine($"  répond à    : {d.ReplyTo}");
        }
        if (d.MaskedCells > 0)
        {
            Out.WriteLine($"  masquage    : {d.MaskedCells} cellule(s) de petits effectifs remplacée(s) par leur marqueur");
        }
        if (d.Status != "available")
        {
            Out.WriteLine($"  état        : {StatusLabel(d.Status)} le {d.ShreddedAt?.ToLocalTime():dd/MM/yyyy HH:mm} (contenu détruit)");
        }
    }

    /// <summary>The French name of a dataset state.</summary>
    public static string StatusLabel(string status) => status switch
    {
        "available" => "disponible",
        "withdrawn" => "retiré par l'expéditeur",
        "expired" => "détruit en fin de conservation",
        _ => status,
    };

    /// <summary>A refusal by the gateway, on stderr (or stdout as JSON).</summary>
    public int Problem(GatewayProblem problem)
    {
        if (Json)
        {
            WriteJson(new { status = problem.Status, code = problem.Code, title = problem.Title, detail = problem.Detail, errors = problem.Errors, errorCount = problem.ErrorCount });
        }
        else
        {
            Err.WriteLine($"Refusé ({problem.Status}, {problem.Code}) : {problem.Title}");
            if (!string.IsNullOrEmpty(problem.Detail))
            {
                Err.WriteLine($"  {problem.Detail}");
            }
            WriteErrors(problem.Errors.Select(e => new CsvRowError(e.Line, e.Column, e.Value, e.Code, e.Reason)), problem.ErrorCount);
        }
        return problem.Status switch
        {
            422 => ExitCodes.InvalidFile,
            404 or 410 => ExitCodes.NotFound,
            >= 500 => ExitCodes.ServerError,
            _ => ExitCodes.Refused,
        };
    }

    /// <summary>The lines of a file report, one per error.</summary>
    public void WriteErrors(IEnumerable<CsvRowError> errors, long total)
    {
        var listed = 0;
        foreach (var e in errors)
        {
            listed++;
            var where = e.Line > 0 ? $"ligne {e.Line}" : "fichier";
            var column = e.Column is null ? string.Empty : $", colonne {e.Column}";
            var value = string.IsNullOrEmpty(e.Value) ? string.Empty : $" [valeur : {e.Value}]";
            Err.WriteLine($"  {where}{column} : {e.Reason} ({e.Code}){value}");
        }
        if (total > listed)
        {
            Err.WriteLine($"  ... et {total - listed} autre(s) erreur(s).");
        }
    }
}
