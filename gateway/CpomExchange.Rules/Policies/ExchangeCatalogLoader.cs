using System.Text.RegularExpressions;
using CpomExchange.Rules.Csv;

namespace CpomExchange.Rules.Policies;

/// <summary>
/// Loads <c>exchanges.yaml</c>: purposes, lists of codes and the exchange catalogue, checking every
/// entry and the rules no policy may break (deny by default): <c>dpo</c> and <c>admin</c> never touch
/// payloads, health data only reaches the PDP cell and the service social, and a DREETS receives
/// aggregates, or a company-level list whose entry cites the seed clause asking for it (dreetsBasis).
/// </summary>
internal static partial class ExchangeCatalogLoader
{
    private const string File = "exchanges.yaml";

    public static (IReadOnlyDictionary<string, Purpose> Purposes, IReadOnlyDictionary<string, ExchangeDefinition> Exchanges) Load(string directory, List<PolicyError> errors)
    {
        var purposes = new Dictionary<string, Purpose>(StringComparer.Ordinal);
        var exchanges = new Dictionary<string, ExchangeDefinition>(StringComparer.Ordinal);
        var doc = PolicyLoader.Read<ExchangesFile>(Path.Combine(directory, File), File, errors);
        if (doc is null)
        {
            return (purposes, exchanges);
        }
        var purposeCodes = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (p, i) in (doc.Purposes ?? []).Select((p, i) => (p, i)))
        {
            var entry = string.IsNullOrWhiteSpace(p.Code) ? $"purposes[{i}]" : p.Code;
            if (string.IsNullOrWhiteSpace(p.Code))
            {
                errors.Add(new PolicyError(File, entry, "Finalité sans code."));
            }
            else if (!purposeCodes.Add(p.Code))
            {
                errors.Add(new PolicyError(File, entry, "Finalité définie deux fois."));
            }
            else if (string.IsNullOrWhiteSpace(p.Label))
            {
                errors.Add(new PolicyError(File, entry, "Finalité sans libellé (label)."));
            }
            else if (string.IsNullOrWhiteSpace(p.LegalBasis?.Rgpd) || string.IsNullOrWhiteSpace(p.LegalBasis.CodeDuTravail))
            {
                errors.Add(new PolicyError(File, entry, "Base légale incomplète : legalBasis.rgpd et legalBasis.codeDuTravail sont requis."));
            }
            else
            {
                purposes[p.Code] = new Purpose(p.Code, p.Label, new LegalBasis(p.LegalBasis.Rgpd, p.LegalBasis.CodeDuTravail));
            }
        }
        if (doc.Purposes is null || doc.Purposes.Count == 0)
        {
            errors.Add(new PolicyError(File, "purposes", "La liste des finalités (purposes) est absente."));
        }

        var lists = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        foreach (var (name, values) in doc.Lists ?? [])
        {
            if (values is null || values.Count == 0 || values.Any(string.IsNullOrWhiteSpace))
            {
                errors.Add(new PolicyError(File, $"lists.{name}", "Liste vide ou avec un code vide."));
            }
            else if (values.Distinct(StringComparer.OrdinalIgnoreCase).Count() != values.Count)
            {
                errors.Add(new PolicyError(File, $"lists.{name}", "Code en double dans la liste."));
            }
            else
            {
                lists[name] = values;
            }
        }

        if (doc.Exchanges is null || doc.Exchanges.Count == 0)
        {
            errors.Add(new PolicyError(File, "exchanges", "Le catalogue des échanges (exchanges) est absent ou vide."));
            return (purposes, exchanges);
        }
        var pendingRules = new List<(string Entry, ExchangeEntry User, MinimisationRule Rule)>();
        var types = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (x, i) in doc.Exchanges.Select((x, i) => (x, i)))
        {
            var entry = string.IsNullOrWhiteSpace(x.Type) ? $"exchanges[{i}]" : x.Type;
            var before = errors.Count;
            void Error(string message) => errors.Add(new PolicyError(File, entry, message));

            if (string.IsNullOrWhiteSpace(x.Type))
            {
                Error("Échange sans type.");
            }
            else if (!types.Add(x.Type))
            {
                Error("Type d'échange défini deux fois.");
            }
            if (string.IsNullOrWhiteSpace(x.Label))
            {
                Error("Échange sans libellé (label).");
            }
            var from = Kinds(x.From, "from", Error);
            var to = Kinds(x.To, "to", Error);
            if (!TryParseCategory(x.Category, out var category))
            {
                Error($"Catégorie (category) « {x.Category} » inconnue : entreprise, personnel, sante, agregat ou document.");
            }
            var send = RoleList(x.Roles?.Send, "roles.send", category, Error);
            var list = RoleList(x.Roles?.List, "roles.list", category, Error);
            var download = RoleList(x.Roles?.Download, "roles.download", category, Error);
            // Optional: who of the sender may remove one person from a dataset it sent (RGPD art. 7(3)).
            var withdrawConsent = x.Roles?.WithdrawConsent is null ? [] : RoleList(x.Roles.WithdrawConsent, "roles.withdrawConsent", category, Error);
            foreach (var role in withdrawConsent.Where(r => Roles.DataRoles.Contains(r) && !send.Contains(r)))
            {
                Error($"« roles.withdrawConsent » : le rôle « {role} » n'envoie pas cet échange ; seul l'expéditeur retire une personne de ce qu'il a envoyé.");
            }
            // A DREETS receives aggregates. Company-level lists only where a seed clause asks for them
            // (001 art. 7: "informer les cocontractants des actions menées en entreprises"), named
            // here in dreetsBasis; data about workers never (DOMAIN.md 8).
            if (to.Contains(OrganisationKind.Dreets) && category is not (DataCategory.Agregat or DataCategory.Document)
                && (category != DataCategory.Entreprise || string.IsNullOrWhiteSpace(x.DreetsBasis)))
            {
                Error(category == DataCategory.Entreprise
                    ? "Une DREETS ne reçoit que des données agrégées (category: agregat), ou une liste d'établissements qu'un contrat lui destine : citez la clause qui le prévoit (dreetsBasis)."
                    : "Une DREETS ne reçoit que des données agrégées (category: agregat), jamais une personne.");
            }
            if (x.DreetsBasis is not null && (!to.Contains(OrganisationKind.Dreets) || category == DataCategory.Agregat))
            {
                Error("dreetsBasis ne sert qu'à un échange d'établissements (category: entreprise) adressé à une DREETS (to).");
            }
            if (x.Purposes is null || x.Purposes.Count == 0)
            {
                Error("Aucune finalité (purposes).");
            }
            foreach (var p in x.Purposes ?? [])
            {
                if (!purposes.ContainsKey(p))
                {
                    Error($"Finalité « {p} » inconnue.");
                }
            }
            if (x.RetentionDays is not > 0)
            {
                Error("Durée de conservation (retentionDays) manquante ou nulle.");
            }
            // A document exchange carries files, not rows: no columns (DocumentFormatOf checks the rest).
            var document = DocumentFormatOf(x, category, Error);
            var columns = category == DataCategory.Document ? [] : Columns(x, lists, Error);
            if (category == DataCategory.Agregat && columns.Any(c => c.Kind is ColumnKind.Siret or ColumnKind.Nir))
            {
                Error("Un échange agrégé ne porte ni SIRET ni NIR.");
            }
            // A report table names the year it concerns in a column; a document (the final review) has no rows.
            if (x.Report && category != DataCategory.Document && !columns.Any(c => c.Kind == ColumnKind.Year && c.Required))
            {
                Error("Un compte rendu (report: true) porte l'année qu'il concerne : une colonne de type year obligatoire.");
            }
            var rules = new List<MinimisationRule>();
            foreach (var r in x.Minimisation ?? [])
            {
                if (r.Rule is null || !MinimisationRules.All.ContainsKey(r.Rule))
                {
                    Error($"Règle de minimisation « {r.Rule} » inconnue ({string.Join(", ", MinimisationRules.All.Keys)}).");
                }
                else if (string.IsNullOrWhiteSpace(r.Exchange))
                {
                    Error($"La règle « {r.Rule} » doit nommer l'échange auquel elle se rapporte (exchange).");
                }
                else if (string.IsNullOrWhiteSpace(r.Purpose))
                {
                    Error($"La règle « {r.Rule} » doit nommer la finalité pour laquelle les jeux de données « {r.Exchange} » qu'elle utilise ont été transmis (purpose).");
                }
                else
                {
                    var rule = new MinimisationRule(r.Rule, r.Exchange, r.Purpose);
                    rules.Add(rule);
                    pendingRules.Add((entry, x, rule));
                }
            }
            var masking = MaskingRuleLoader.Load(x.Masking, columns, Error);
            if (x.RowReference is { } rowReference)
            {
                if (!ColumnName().IsMatch(rowReference))
                {
                    Error($"Colonne des références de ligne (rowReference) « {rowReference} » : nom invalide (minuscules, chiffres et _).");
                }
                else if (columns.Any(c => c.Name == rowReference))
                {
                    Error($"Colonne des références de ligne (rowReference) « {rowReference} » : c'est déjà une colonne du fichier ; la passerelle l'ajoute elle-même.");
                }
            }
            if (withdrawConsent.Count > 0 && x.RowReference is null)
            {
                Error("« roles.withdrawConsent » : retirer une personne suppose des lignes numérotées par la passerelle (rowReference).");
            }
            if (errors.Count == before)
            {
                exchanges[x.Type!] = new ExchangeDefinition(x.Type!, x.Label!, from, to, new ExchangeRoles(send, list, download, withdrawConsent),
                    x.Purposes!, category, x.RetentionDays!.Value, rules, masking, new CsvSchema(x.Type!, columns), x.RowReference)
                {
                    Report = x.Report,
                    DreetsBasis = x.DreetsBasis,
                    Document = document,
                };
            }
        }
        CheckLinks(doc.Exchanges, pendingRules, errors);
        return (purposes, exchanges);
    }

    private static List<OrganisationKind> Kinds(List<string>? values, string field, Action<string> error)
    {
        var kinds = new List<OrganisationKind>();
        if (values is null || values.Count == 0)
        {
            error($"« {field} » manquant : SPSTI, CAISSE ou DREETS.");
            return kinds;
        }
        foreach (var value in values)
        {
            if (PolicyLoader.TryParseKind(value, out var kind) && kind != OrganisationKind.Tiers)
            {
                kinds.Add(kind);
            }
            else
            {
                error($"« {field} » : type d'organisation « {value} » inconnu (SPSTI, CAISSE ou DREETS).");
            }
        }
        return kinds;
    }

    private static List<string> RoleList(List<string>? values, string field, DataCategory category, Action<string> error)
    {
        if (values is null || values.Count == 0)
        {
            error($"« {field} » manquant.");
            return [];
        }
        foreach (var role in values)
        {
            if (!Roles.All.Contains(role))
            {
                error($"« {field} » : rôle « {role} » inconnu ({string.Join(", ", Roles.All)}).");
            }
            else if (!Roles.DataRoles.Contains(role))
            {
                error($"« {field} » : le rôle « {role} » ne touche jamais aux données échangées.");
            }
            else if (category == DataCategory.Sante && role is not (Roles.Pdp or Roles.ServiceSocial))
            {
                error($"« {field} » : des données de santé ne sont accessibles qu'aux rôles pdp et service-social, pas à « {role} ».");
            }
        }
        return values;
    }

    private static List<ColumnSpec> Columns(ExchangeEntry x, Dictionary<string, IReadOnlyList<string>> lists, Action<string> error)
    {
        var result = new List<ColumnSpec>();
        if (x.Columns is null || x.Columns.Count == 0)
        {
            error("Aucune colonne (columns).");
            return result;
        }
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var c in x.Columns)
        {
            if (c.Name is null || !ColumnName().IsMatch(c.Name))
            {
                error($"Nom de colonne « {c.Name} » invalide (minuscules, chiffres et _).");
                continue;
            }
            if (!names.Add(c.Name))
            {
                error($"Colonne « {c.Name} » définie deux fois.");
                continue;
            }
            if (!TryParseColumnKind(c.Type, out var kind))
            {
                error($"Colonne « {c.Name} » : type « {c.Type} » inconnu.");
                continue;
            }
            IReadOnlyList<string>? values = null;
            if (kind == ColumnKind.Enum)
            {
                if (c.Values is not null && c.List is not null)
                {
                    error($"Colonne « {c.Name} » : list et values s'excluent.");
                    continue;
                }
                if (c.Values is { Count: > 0 })
                {
                    if (c.Values.Any(string.IsNullOrWhiteSpace) || c.Values.Distinct(StringComparer.OrdinalIgnoreCase).Count() != c.Values.Count)
                    {
                        error($"Colonne « {c.Name} » : valeurs (values) vides ou en double.");
                        continue;
                    }
                    values = c.Values;
                }
                else if (c.List is not null && lists.TryGetValue(c.List, out var listed))
                {
                    values = listed;
                }
                else
                {
                    error($"Colonne « {c.Name} » : une colonne enum nomme une liste connue (list) ou ses valeurs (values){(c.List is null ? "" : $" ; liste « {c.List} » inconnue")}.");
                    continue;
                }
            }
            if (c.Pattern is not null)
            {
                try
                {
                    _ = new Regex(c.Pattern, RegexOptions.None, TimeSpan.FromMilliseconds(100));
                }
                catch (ArgumentException)
                {
                    error($"Colonne « {c.Name} » : expression régulière (pattern) invalide.");
                    continue;
                }
            }
            if (c.MaxLength is { } max && max is < 1 or > 10_000)
            {
                error($"Colonne « {c.Name} » : maxLength entre 1 et 10000.");
                continue;
            }
            result.Add(new ColumnSpec(c.Name, kind, c.Required, c.MaxLength ?? 200, c.Unique, values, c.Pattern, c.Message, c.Pseudonymised, c.RateOf));
        }
        foreach (var rate in result.Where(c => c.RateOf is not null))
        {
            var of = result.FirstOrDefault(c => c.Name == rate.RateOf);
            if (rate.Kind is not (ColumnKind.Integer or ColumnKind.Decimal))
            {
                error($"Colonne « {rate.Name} » : seule une colonne numérique (integer, decimal) est le taux d'une autre (rateOf).");
            }
            else if (of is null || of == rate)
            {
                error($"Colonne « {rate.Name} » : « {rate.RateOf} » (rateOf) n'est pas une autre colonne de cet échange.");
            }
            else if (of.Kind is not (ColumnKind.Integer or ColumnKind.Decimal))
            {
                error($"Colonne « {rate.Name} » : « {rate.RateOf} » (rateOf) n'est pas une colonne numérique.");
            }
        }
        if (!result.Any(c => c.Required))
        {
            error("Au moins une colonne doit être obligatoire (required: true).");
        }
        return result;
    }

    /// <summary>Only the four exact words: "personnel, sante" must not parse as a combination of flags.</summary>
    private static bool TryParseCategory(string? value, out DataCategory category)
    {
        (bool, DataCategory) r = value switch
        {
            "entreprise" => (true, DataCategory.Entreprise),
            "personnel" => (true, DataCategory.Personnel),
            "sante" => (true, DataCategory.Sante),
            "agregat" => (true, DataCategory.Agregat),
            "document" => (true, DataCategory.Document),
            _ => (false, DataCategory.Entreprise),
        };
        category = r.Item2;
        return r.Item1;
    }

    internal static bool TryParseColumnKind(string? value, out ColumnKind kind)
    {
        (bool, ColumnKind) r = value switch
        {
            "text" => (true, ColumnKind.Text),
            "siret" => (true, ColumnKind.Siret),
            "nir" => (true, ColumnKind.Nir),
            "integer" => (true, ColumnKind.Integer),
            "decimal" => (true, ColumnKind.Decimal),
            "date" => (true, ColumnKind.Date),
            "year" => (true, ColumnKind.Year),
            "enum" => (true, ColumnKind.Enum),
            "naf" => (true, ColumnKind.NafCode),
            "postal-code" => (true, ColumnKind.PostalCode),
            "email" => (true, ColumnKind.Email),
            "phone" => (true, ColumnKind.Phone),
            "reference" => (true, ColumnKind.Reference),
            "row-reference" => (true, ColumnKind.RowReference),
            _ => (false, ColumnKind.Text),
        };
        kind = r.Item2;
        return r.Item1;
    }

    [GeneratedRegex("^[a-z][a-z0-9_]*$", RegexOptions.CultureInvariant)]
    private static partial Regex ColumnName();

    // YAML shapes. Unknown keys are errors, so that a typo is reported, not ignored.
    private sealed class ExchangesFile
    {
        public List<PurposeEntry>? Purposes { get; set; }
        public Dictionary<string, List<string>>? Lists { get; set; }
        public List<ExchangeEntry>? Exchanges { get; set; }
    }

    private sealed class PurposeEntry
    {
        public string? Code { get; set; }
        public string? Label { get; set; }
        public LegalBasisEntry? LegalBasis { get; set; }
    }

    private sealed class LegalBasisEntry
    {
        public string? Rgpd { get; set; }
        public string? CodeDuTravail { get; set; }
    }

    private sealed class ExchangeEntry
    {
        public string? Type { get; set; }
        public string? Label { get; set; }
        public List<string>? From { get; set; }
        public List<string>? To { get; set; }
        public RolesEntry? Roles { get; set; }
        public List<string>? Purposes { get; set; }
        public string? Category { get; set; }
        public int? RetentionDays { get; set; }
        public List<RuleEntry>? Minimisation { get; set; }
        public MaskingEntry? Masking { get; set; }
        public string? RowReference { get; set; }
        public List<ColumnEntry>? Columns { get; set; }
        public bool Report { get; set; }
        public string? DreetsBasis { get; set; }
        public DocumentEntry? Document { get; set; }
    }

    private sealed class RolesEntry
    {
        public List<string>? Send { get; set; }
        public List<string>? List { get; set; }
        public List<string>? Download { get; set; }
        public List<string>? WithdrawConsent { get; set; }
    }

    private sealed class RuleEntry
    {
        public string? Rule { get; set; }
        public string? Exchange { get; set; }
        public string? Purpose { get; set; }
    }

    private sealed class ColumnEntry
    {
        public string? Name { get; set; }
        public string? Type { get; set; }
        public bool Required { get; set; }
        public bool Unique { get; set; }
        public int? MaxLength { get; set; }
        public string? List { get; set; }
        public List<string>? Values { get; set; }
        public string? Pattern { get; set; }
        public string? Message { get; set; }
        public bool Pseudonymised { get; set; }
        public string? RateOf { get; set; }
    }
}
