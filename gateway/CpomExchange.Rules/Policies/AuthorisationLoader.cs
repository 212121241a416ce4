using System.Globalization;

namespace CpomExchange.Rules.Policies;

/// <summary>
/// Loads <c>authorisations.yaml</c> (optional): the disclosures to third parties the parties of a
/// contract authorised by an exchange of letters (seed 001 art. 8). Kept in the policy, not in the
/// database: an administrator adds one the way every rule is added — a reviewed file, checked in full at
/// start-up, versioned with the rest (its hash is in every log entry and in the policy history).
/// </summary>
internal static class AuthorisationLoader
{
    public static List<ThirdPartyAuthorisation> Load(string directory, IReadOnlyDictionary<string, Organisation> organisations, IReadOnlyList<Contract> contracts,
        IReadOnlyDictionary<string, ExchangeDefinition> exchanges, IReadOnlyDictionary<string, Purpose> purposes, List<PolicyError> errors)
    {
        const string file = PolicyFiles.AuthorisationsFile;
        if (!File.Exists(Path.Combine(directory, file)))
        {
            return [];
        }
        var doc = PolicyLoader.Read<AuthorisationsFile>(Path.Combine(directory, file), file, errors);
        return Check(doc, file, organisations, contracts, exchanges, purposes, errors);
    }

    /// <summary>
    /// Loads the authorisations an administrator added through the API (<see cref="PolicyFiles.AdministeredFile"/>,
    /// kept in the policy history): the same schema and the same checks as <c>authorisations.yaml</c>.
    /// </summary>
    public static List<ThirdPartyAuthorisation> LoadText(string text, IReadOnlyDictionary<string, Organisation> organisations, IReadOnlyList<Contract> contracts,
        IReadOnlyDictionary<string, ExchangeDefinition> exchanges, IReadOnlyDictionary<string, Purpose> purposes, List<PolicyError> errors)
    {
        const string file = PolicyFiles.AdministeredFile;
        using var reader = new StringReader(text);
        var doc = PolicyLoader.Parse<AuthorisationsFile>(reader, file, errors);
        return Check(doc, file, organisations, contracts, exchanges, purposes, errors);
    }

    private static List<ThirdPartyAuthorisation> Check(AuthorisationsFile? doc, string file, IReadOnlyDictionary<string, Organisation> organisations, IReadOnlyList<Contract> contracts,
        IReadOnlyDictionary<string, ExchangeDefinition> exchanges, IReadOnlyDictionary<string, Purpose> purposes, List<PolicyError> errors)
    {
        var result = new List<ThirdPartyAuthorisation>();
        var references = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (a, index) in (doc?.Authorisations ?? []).Select((a, i) => (a, i)))
        {
            var entry = string.IsNullOrWhiteSpace(a.Reference) ? $"authorisations[{index}]" : a.Reference;
            var before = errors.Count;
            void Error(string message) => errors.Add(new PolicyError(file, entry, message));
            if (string.IsNullOrWhiteSpace(a.Reference))
            {
                Error("Référence de l'échange de courriers (reference) manquante.");
            }
            else if (!references.Add(a.Reference))
            {
                Error("Référence déjà utilisée par une autre autorisation.");
            }
            var date = ParseDate(a.Date, "date");
            var until = ParseDate(a.Until, "until");
            if (date is { } d && until is { } u && u < d)
            {
                Error($"Période inversée : la fin ({u:yyyy-MM-dd}) précède la date des courriers ({d:yyyy-MM-dd}).");
            }
            var contract = contracts.FirstOrDefault(c => c.Id == a.Contract);
            if (contract is null)
            {
                Error($"Contrat « {a.Contract} » inconnu : une autorisation porte sur les données d'un contrat.");
            }
            else if (a.From is null || !contract.Parties.Contains(a.From))
            {
                Error($"« from » : « {a.From} » n'est pas partie au contrat « {contract.Id} » ; seule une partie communique ses données.");
            }
            if (a.To is null || !organisations.TryGetValue(a.To, out var thirdParty))
            {
                Error($"« to » : organisation « {a.To} » inconnue de organisations.yaml.");
                thirdParty = null;
            }
            else if (contract is not null && contract.Parties.Contains(a.To))
            {
                Error($"« to » : « {a.To} » est partie au contrat « {contract.Id} » : ce n'est pas un tiers.");
            }
            if (a.Purpose is null || !purposes.ContainsKey(a.Purpose))
            {
                Error($"Finalité (purpose) « {a.Purpose} » inconnue.");
            }
            if (a.Exchanges is null || a.Exchanges.Count == 0)
            {
                Error("Aucun échange (exchanges) : nommez les jeux de données communiqués.");
            }
            foreach (var type in a.Exchanges ?? [])
            {
                CheckExchange(type, contract, organisations.GetValueOrDefault(a.From ?? string.Empty), thirdParty, a.Purpose, exchanges, Error);
            }
            if (errors.Count == before)
            {
                result.Add(new ThirdPartyAuthorisation(a.Reference!, date!.Value, until!.Value, a.Contract!, a.From!, a.To!, a.Exchanges!.Distinct(StringComparer.Ordinal).ToList(),
                    a.Purpose!, file) { Note = a.Note, AddedBy = a.AddedBy });
            }

            DateOnly? ParseDate(string? value, string field)
            {
                if (DateOnly.TryParseExact(value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
                {
                    return day;
                }
                Error($"Date « {field} » manquante ou invalide (AAAA-MM-JJ attendu).");
                return null;
            }
        }
        return result;
    }

    /// <summary>
    /// What may go to a third party: a dataset of the contract (some version of it names the exchange) that
    /// the discloser may send, for one of its purposes; company-level or aggregate data only — never data
    /// about workers, let alone health data (RGPD art. 9) —, aggregates only to a DREETS (rule 3), and no
    /// exchange whose minimisation rules presume a recipient party to the contract.
    /// </summary>
    private static void CheckExchange(string type, Contract? contract, Organisation? discloser, Organisation? thirdParty, string? purpose,
        IReadOnlyDictionary<string, ExchangeDefinition> exchanges, Action<string> error)
    {
        if (!exchanges.TryGetValue(type, out var exchange))
        {
            error($"Échange « {type} » inconnu de exchanges.yaml.");
            return;
        }
        if (contract is not null && !contract.Exchanges.ContainsKey(type) && contract.Amendments.All(x => x.Exchanges.All(e => e.Type != type)))
        {
            error($"Le contrat « {contract.Id} » ne prévoit pas l'échange « {type} » : il n'y a pas de telles données à communiquer.");
        }
        if (discloser is not null && !exchange.From.Contains(discloser.Kind))
        {
            error($"« {type} » : un(e) {AccessPolicy.Label(discloser.Kind)} n'envoie pas cet échange.");
        }
        if (purpose is not null && !exchange.Purposes.Contains(purpose))
        {
            error($"« {type} » : la finalité « {purpose} » n'est pas une finalité de cet échange ({string.Join(", ", exchange.Purposes)}).");
        }
        if (exchange.Category is DataCategory.Sante or DataCategory.Personnel)
        {
            error($"« {type} » : des données de salariés{(exchange.Category == DataCategory.Sante ? " concernant leur santé (RGPD art. 9)" : string.Empty)} ne sont jamais communiquées à un tiers.");
        }
        else if (thirdParty?.Kind == OrganisationKind.Dreets && exchange.Category != DataCategory.Agregat)
        {
            error($"« {type} » : une DREETS ne reçoit que des agrégats (règle 3).");
        }
        if (exchange.Minimisation.Count > 0)
        {
            error($"« {type} » : ses règles de minimisation supposent un destinataire partie au contrat ; il ne peut être communiqué à un tiers.");
        }
    }

    private sealed class AuthorisationsFile
    {
        public List<AuthorisationEntry>? Authorisations { get; set; }
    }

    private sealed class AuthorisationEntry
    {
        public string? Reference { get; set; }
        public string? Date { get; set; }
        public string? Until { get; set; }
        public string? Contract { get; set; }
        public string? From { get; set; }
        public string? To { get; set; }
        public List<string>? Exchanges { get; set; }
        public string? Purpose { get; set; }
        public string? Note { get; set; }
        public string? AddedBy { get; set; }
        public string? AddedAt { get; set; }
    }
}
