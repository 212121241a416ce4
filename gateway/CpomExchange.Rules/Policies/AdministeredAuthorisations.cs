using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using CpomExchange.Rules.Errors;

namespace CpomExchange.Rules.Policies;

/// <summary>
/// A third-party authorisation as an administrator submits it (seed 001 art. 8: the exchange of letters'
/// reference and date, the last day, the contract whose data it is, the discloser, the third party, the
/// datasets and the one purpose). Values as typed: the checks say, in French, what is wrong with each.
/// </summary>
public sealed record AuthorisationProposal(
    string? Reference,
    string? Date,
    string? Until,
    string? Contract,
    string? From,
    string? To,
    IReadOnlyList<string>? Exchanges,
    string? Purpose,
    string? Note);

/// <summary>An accepted authorisation: the policy it makes, the administered file it is appended to, and itself.</summary>
public sealed record AuthorisationAddition(PolicySet Policies, string Administered, ThirdPartyAuthorisation Authorisation);

/// <summary>
/// The authorisations an administrator adds through the API, on top of the policy folder. They live in one
/// file of the policy, <see cref="PolicyFiles.AdministeredFile"/>, that only grows: each addition appends an
/// entry, and the result is a new version of the policy (new hash, kept in the policy history, shown by
/// the diff, named by every access-log entry decided under it). The entry goes through exactly the checks
/// of <c>authorisations.yaml</c> (<see cref="AuthorisationLoader"/>), plus those an addition needs: the
/// caller's organisation, the dates, a reference used once, no overlap with an authorisation already given.
/// </summary>
public static class AdministeredAuthorisations
{
    private const int MaxReference = 100;
    private const int MaxNote = 500;

    private static readonly JsonSerializerOptions Quoting = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>
    /// <paramref name="folder"/> (the policy read from its folder) with the administered authorisations of
    /// <paramref name="administered"/> (null or empty: none), or every error they raise against it.
    /// </summary>
    public static (PolicySet? Policies, IReadOnlyList<PolicyError> Errors) Apply(PolicySet folder, string? administered)
    {
        ArgumentNullException.ThrowIfNull(folder);
        if (string.IsNullOrEmpty(administered))
        {
            return (folder, []);
        }
        var errors = new List<PolicyError>();
        var added = AuthorisationLoader.LoadText(administered, folder.Organisations, folder.Contracts, folder.Exchanges, folder.Purposes, errors);
        foreach (var a in added.Where(a => folder.Authorisations.Any(f => f.Reference == a.Reference)))
        {
            errors.Add(new PolicyError(PolicyFiles.AdministeredFile, a.Reference, $"Référence déjà utilisée dans {PolicyFiles.AuthorisationsFile}."));
        }
        if (errors.Count > 0)
        {
            return (null, errors);
        }
        var files = new SortedDictionary<string, string>(folder.Files.ToDictionary(), StringComparer.Ordinal) { [PolicyFiles.AdministeredFile] = administered };
        return (folder with { Authorisations = [.. folder.Authorisations, .. added], Files = files, Hash = PolicyFiles.Hash(files) }, errors);
    }

    /// <summary>
    /// Checks <paramref name="proposal"/>, submitted by <paramref name="addedBy"/> of <paramref name="callerOrganisation"/>
    /// (null: the gateway's operator) on <paramref name="today"/>, against <paramref name="folder"/> with the
    /// <paramref name="administered"/> authorisations already given; returns the addition, or the refusal (every problem found, in French).
    /// An administrator of an organisation records only the disclosures of its own data (it signed the letters);
    /// the gateway's operator records any.
    /// </summary>
    public static (AuthorisationAddition? Added, Refusal? Refusal) Add(PolicySet folder, string? administered, AuthorisationProposal proposal,
        string? callerOrganisation, string addedBy, DateTimeOffset at, DateOnly today)
    {
        ArgumentNullException.ThrowIfNull(folder);
        ArgumentNullException.ThrowIfNull(proposal);
        if (callerOrganisation is not null && proposal.From != callerOrganisation)
        {
            return Refuse(ErrorCatalog.AuthorisationNotDiscloser,
                $"Un administrateur de « {callerOrganisation} » n'enregistre que les communications des données de son organisation (from: {callerOrganisation}), pas « {proposal.From} ».");
        }
        var problems = Shape(proposal, out var date, out var until);
        if (problems.Count > 0)
        {
            return (null, new Refusal(ErrorCatalog.AuthorisationInvalid, string.Join(" ", problems)));
        }
        if (until < date)
        {
            return Refuse(ErrorCatalog.AuthorisationBadDates, $"Période inversée : la fin ({until:dd/MM/yyyy}) précède la date des courriers ({date:dd/MM/yyyy}).");
        }
        if (until < today)
        {
            return Refuse(ErrorCatalog.AuthorisationBadDates, $"Cette autorisation a pris fin le {until:dd/MM/yyyy} : il n'y a plus rien à autoriser.");
        }
        var (current, errors) = Apply(folder, administered);
        if (current is null)
        {
            // The history holds authorisations this folder refuses (a contract removed since): nothing is added on top.
            return (null, new Refusal(ErrorCatalog.AuthorisationInvalid, string.Join(" ", errors.Select(e => e.ToString()))));
        }
        if (current.Authorisations.FirstOrDefault(a => a.Reference == proposal.Reference) is { } same)
        {
            return Refuse(ErrorCatalog.AuthorisationDuplicate, $"La référence « {same.Reference} » est déjà celle d'une autorisation (du {same.Date:dd/MM/yyyy} au {same.Until:dd/MM/yyyy}).");
        }
        var exchanges = proposal.Exchanges!.Distinct(StringComparer.Ordinal).ToList();
        var overlapping = current.Authorisations.FirstOrDefault(a => a.Discloser == proposal.From && a.ThirdParty == proposal.To && a.Purpose == proposal.Purpose
            && a.Exchanges.Intersect(exchanges).Any() && a.Date <= until && date <= a.Until);
        if (overlapping is not null)
        {
            return Refuse(ErrorCatalog.AuthorisationOverlap,
                $"L'autorisation « {overlapping.Reference} » couvre déjà {string.Join(", ", overlapping.Exchanges.Intersect(exchanges))} de {proposal.From} à {proposal.To} pour la finalité {proposal.Purpose} du {overlapping.Date:dd/MM/yyyy} au {overlapping.Until:dd/MM/yyyy} : une autorisation qui la chevauche serait ambiguë. Datez la nouvelle après sa fin.");
        }

        var text = new StringBuilder(string.IsNullOrEmpty(administered) ? "authorisations:\n" : administered);
        text.Append(CultureInfo.InvariantCulture, $"  - reference: {Quote(proposal.Reference!)}\n");
        text.Append(CultureInfo.InvariantCulture, $"    date: {date:yyyy-MM-dd}\n");
        text.Append(CultureInfo.InvariantCulture, $"    until: {until:yyyy-MM-dd}\n");
        text.Append(CultureInfo.InvariantCulture, $"    contract: {Quote(proposal.Contract!)}\n");
        text.Append(CultureInfo.InvariantCulture, $"    from: {Quote(proposal.From!)}\n");
        text.Append(CultureInfo.InvariantCulture, $"    to: {Quote(proposal.To!)}\n");
        text.Append(CultureInfo.InvariantCulture, $"    exchanges: [{string.Join(", ", exchanges.Select(Quote))}]\n");
        text.Append(CultureInfo.InvariantCulture, $"    purpose: {Quote(proposal.Purpose!)}\n");
        if (!string.IsNullOrWhiteSpace(proposal.Note))
        {
            text.Append(CultureInfo.InvariantCulture, $"    note: {Quote(proposal.Note)}\n");
        }
        text.Append(CultureInfo.InvariantCulture, $"    addedBy: {Quote(addedBy)}\n");
        text.Append(CultureInfo.InvariantCulture, $"    addedAt: {Quote(at.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture))}\n");

        var (next, problemsAfter) = Apply(folder, text.ToString());
        if (next is null)
        {
            // What the loader says of this entry (unknown contract, a party as third party, health data...): every problem at once.
            return (null, new Refusal(ErrorCatalog.AuthorisationInvalid, string.Join(" ", problemsAfter.Select(e => e.Message))));
        }
        return (new AuthorisationAddition(next, text.ToString(), next.Authorisations.Single(a => a.Reference == proposal.Reference)), null);
    }

    private static (AuthorisationAddition?, Refusal?) Refuse(string code, string detail) => (null, new Refusal(code, detail));

    /// <summary>Every problem of form (before the rules): required fields, dates, lengths, control characters.</summary>
    private static List<string> Shape(AuthorisationProposal p, out DateOnly date, out DateOnly until)
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(p.Reference) || p.Reference.Length > MaxReference || p.Reference.Trim() != p.Reference)
        {
            problems.Add($"Référence de l'échange de courriers (reference) requise, {MaxReference} caractères au plus, sans espace au début ni à la fin.");
        }
        date = ParseDate(p.Date, "date", problems);
        until = ParseDate(p.Until, "until", problems);
        foreach (var (name, value) in new[] { ("contract", p.Contract), ("from", p.From), ("to", p.To), ("purpose", p.Purpose) })
        {
            if (string.IsNullOrWhiteSpace(value))
            {
                problems.Add($"Champ « {name} » requis.");
            }
        }
        if (p.Exchanges is null || p.Exchanges.Count == 0 || p.Exchanges.Any(string.IsNullOrWhiteSpace))
        {
            problems.Add("Aucun échange (exchanges) : nommez les jeux de données communiqués.");
        }
        if (p.Note is { Length: > MaxNote })
        {
            problems.Add($"Note (note) de {MaxNote} caractères au plus.");
        }
        var all = new[] { p.Reference, p.Contract, p.From, p.To, p.Purpose, p.Note }.Concat(p.Exchanges ?? []);
        if (all.Any(v => v is not null && v.Any(char.IsControl)))
        {
            problems.Add("Caractère de contrôle refusé dans un champ.");
        }
        return problems;
    }

    private static DateOnly ParseDate(string? value, string field, List<string> problems)
    {
        if (DateOnly.TryParseExact(value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
        {
            return day;
        }
        problems.Add($"Date « {field} » manquante ou invalide (AAAA-MM-JJ attendu).");
        return default;
    }

    /// <summary>A YAML double-quoted scalar (a JSON string is one).</summary>
    private static string Quote(string value) => JsonSerializer.Serialize(value, Quoting);
}
