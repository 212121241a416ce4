using System.Globalization;
using CpomExchange.Rules.Identifiers;
using YamlDotNet.Core;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace CpomExchange.Rules.Policies;

/// <summary>One problem in the policy files, with the file and the entry it concerns.</summary>
public sealed record PolicyError(string File, string Entry, string Message)
{
    /// <inheritdoc />
    public override string ToString() => $"{File} [{Entry}] : {Message}";
}

/// <summary>The policy files could not be loaded; every error is listed.</summary>
public sealed class PolicyException(IReadOnlyList<PolicyError> errors)
    : Exception("Politique invalide :" + Environment.NewLine + string.Join(Environment.NewLine, errors.Select(e => "  - " + e)))
{
    /// <summary>Every error found.</summary>
    public IReadOnlyList<PolicyError> Errors { get; } = errors;
}

/// <summary>
/// Loads <c>organisations.yaml</c> and <c>contracts/*.yaml</c> into an immutable
/// <see cref="PolicySet"/>. Every file and entry is checked and every error is reported at once.
/// </summary>
public static partial class PolicyLoader
{
    private static readonly IDeserializer Yaml = new DeserializerBuilder()
        .WithNamingConvention(CamelCaseNamingConvention.Instance)
        .WithDuplicateKeyChecking()
        .WithNodeDeserializer(inner => new LineNodeDeserializer(inner), s => s.InsteadOf<YamlDotNet.Serialization.NodeDeserializers.ObjectNodeDeserializer>())
        .Build();

    /// <summary>The environment variable that names the policy folder.</summary>
    public const string EnvironmentVariable = "CPOM_POLICIES";

    /// <summary>
    /// The policy folder: <paramref name="configured"/> if given, else <c>$CPOM_POLICIES</c>, else
    /// <c>./policies</c> when it exists, else the copy shipped beside the binary.
    /// </summary>
    public static string ResolveDirectory(string? configured)
    {
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return configured;
        }
        var fromEnvironment = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(fromEnvironment))
        {
            return fromEnvironment;
        }
        var local = Path.Combine(Environment.CurrentDirectory, "policies");
        return System.IO.Directory.Exists(local) ? local : Path.Combine(AppContext.BaseDirectory, "policies");
    }

    /// <summary>Loads and validates the policy folder; throws <see cref="PolicyException"/> listing every error.</summary>
    public static PolicySet Load(string directory)
    {
        var (set, errors) = TryLoad(directory);
        return errors.Count > 0 ? throw new PolicyException(errors) : set!;
    }

    /// <summary>Loads and validates the policy folder, returning every error instead of throwing.</summary>
    public static (PolicySet? Policies, IReadOnlyList<PolicyError> Errors) TryLoad(string directory)
    {
        ArgumentNullException.ThrowIfNull(directory);
        var errors = new List<PolicyError>();
        if (!System.IO.Directory.Exists(directory))
        {
            errors.Add(new PolicyError(directory, "-", "Dossier de politique introuvable."));
            return (null, errors);
        }
        // The files are read before and after parsing: a deployment writing them meanwhile is read again,
        // so that the hash names exactly the rules that were parsed.
        for (var attempt = 1; ; attempt++)
        {
            errors.Clear();
            var files = PolicyFiles.Read(directory);
            var organisations = LoadOrganisations(directory, errors);
            var (purposes, exchanges) = ExchangeCatalogLoader.Load(directory, errors);
            var contracts = LoadContracts(directory, organisations, purposes, exchanges, errors);
            var authorisations = AuthorisationLoader.Load(directory, organisations, contracts, exchanges, purposes, errors);
            var hash = PolicyFiles.Hash(files);
            if (hash != PolicyFiles.Hash(PolicyFiles.Read(directory)) && attempt < 3)
            {
                continue;
            }
            if (errors.Count > 0)
            {
                return (null, errors);
            }
            return (new PolicySet(organisations, contracts, exchanges, purposes, Path.GetFullPath(directory))
            {
                Authorisations = authorisations,
                Files = files,
                Hash = hash,
            }, errors);
        }
    }

    private static Dictionary<string, Organisation> LoadOrganisations(string directory, List<PolicyError> errors)
    {
        const string file = "organisations.yaml";
        var result = new Dictionary<string, Organisation>(StringComparer.Ordinal);
        var doc = Read<OrganisationsFile>(Path.Combine(directory, file), file, errors);
        if (doc?.Organisations is null)
        {
            if (doc is not null)
            {
                errors.Add(new PolicyError(file, "organisations", "La liste « organisations » est absente."));
            }
            return result;
        }
        var sirens = new Dictionary<string, string>(StringComparer.Ordinal);
        var ids = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < doc.Organisations.Count; i++)
        {
            var o = doc.Organisations[i];
            var entry = string.IsNullOrWhiteSpace(o.Id) ? $"organisations[{i}]" : o.Id;
            var ok = true;
            if (string.IsNullOrWhiteSpace(o.Id))
            {
                errors.Add(new PolicyError(file, entry, "Identifiant (id) manquant."));
                ok = false;
            }
            else if (!ids.Add(o.Id))
            {
                errors.Add(new PolicyError(file, entry, "Identifiant déjà utilisé par une autre organisation."));
                ok = false;
            }
            if (string.IsNullOrWhiteSpace(o.Name))
            {
                errors.Add(new PolicyError(file, entry, "Nom (name) manquant."));
                ok = false;
            }
            if (!TryParseKind(o.Kind, out var kind))
            {
                errors.Add(new PolicyError(file, entry, $"Type (kind) « {o.Kind} » inconnu : SPSTI, CAISSE, DREETS ou TIERS."));
                ok = false;
            }
            if (o.Siren is null || !Siret.IsValidSiren(o.Siren))
            {
                errors.Add(new PolicyError(file, entry, $"SIREN « {o.Siren} » invalide (9 chiffres, clé de Luhn)."));
                ok = false;
            }
            else if (sirens.TryGetValue(o.Siren, out var other))
            {
                errors.Add(new PolicyError(file, entry, $"SIREN déjà attribué à « {other} »."));
                ok = false;
            }
            var dpo = ParseDpo(o.Dpo, file, entry, errors, ref ok);
            if (ok)
            {
                sirens[o.Siren!] = o.Id!;
                result[o.Id!] = new Organisation(o.Id!, kind, o.Name!, o.Siren!) { Dpo = dpo };
            }
        }
        return result;
    }

    private static List<Contract> LoadContracts(string directory, Dictionary<string, Organisation> organisations,
        IReadOnlyDictionary<string, Purpose> purposes, IReadOnlyDictionary<string, ExchangeDefinition> exchanges, List<PolicyError> errors)
    {
        var result = new List<Contract>();
        var folder = Path.Combine(directory, "contracts");
        if (!System.IO.Directory.Exists(folder))
        {
            errors.Add(new PolicyError("contracts/", "-", "Dossier des contrats introuvable."));
            return result;
        }
        foreach (var other in System.IO.Directory.EnumerateFiles(folder).Where(f => !f.EndsWith(".yaml", StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            // A contract saved as .yml (or anything else) would otherwise be ignored without a word.
            errors.Add(new PolicyError("contracts/" + Path.GetFileName(other), "-", "Fichier ignoré : les contrats sont des fichiers .yaml ; renommez-le ou retirez-le."));
        }
        var contractIds = new HashSet<string>(StringComparer.Ordinal);
        foreach (var path in System.IO.Directory.EnumerateFiles(folder, "*.yaml").Order(StringComparer.Ordinal))
        {
            var file = "contracts/" + Path.GetFileName(path);
            var c = Read<ContractFile>(path, file, errors);
            if (c is null)
            {
                continue;
            }
            var entry = string.IsNullOrWhiteSpace(c.Id) ? "id" : c.Id;
            var before = errors.Count;
            if (string.IsNullOrWhiteSpace(c.Id))
            {
                errors.Add(new PolicyError(file, entry, "Identifiant (id) du contrat manquant."));
            }
            else if (!contractIds.Add(c.Id))
            {
                errors.Add(new PolicyError(file, entry, "Identifiant de contrat déjà utilisé."));
            }
            CheckParty(c.Parties?.Spsti, OrganisationKind.Spsti, "parties.spsti", "SPSTI");
            CheckParty(c.Parties?.Caisse, OrganisationKind.Caisse, "parties.caisse", "caisse (CARSAT ou CGSS)");
            CheckParty(c.Parties?.Dreets, OrganisationKind.Dreets, "parties.dreets", "DREETS");
            var start = ParseDate(c.Term?.Start, "term.start");
            var end = ParseDate(c.Term?.End, "term.end");
            var reportingUntil = c.Term?.ReportingUntil is null ? null : ParseDate(c.Term.ReportingUntil, "term.reportingUntil");
            if (reportingUntil is { } r && end is { } last && (r < last || r > last.AddYears(1)))
            {
                errors.Add(new PolicyError(file, entry, $"Période de compte rendu (term.reportingUntil) : du {last:yyyy-MM-dd} (aucune) au {last.AddYears(1):yyyy-MM-dd} au plus, un an après la fin."));
            }
            if (start is { } s && end is { } e)
            {
                if (e < s)
                {
                    errors.Add(new PolicyError(file, entry, $"Période inversée : la fin ({e:yyyy-MM-dd}) précède le début ({s:yyyy-MM-dd})."));
                }
                else if (e > s.AddYears(5))
                {
                    errors.Add(new PolicyError(file, entry, "Un CPOM dure au plus 5 ans (Code du travail L4622-10)."));
                }
            }
            var volets = new List<Volet>();
            foreach (var v in c.Volets ?? [])
            {
                if (string.IsNullOrWhiteSpace(v.Code) || string.IsNullOrWhiteSpace(v.Label))
                {
                    errors.Add(new PolicyError(file, entry, "Volet sans code ou sans libellé."));
                }
                else if (volets.Any(x => x.Code == v.Code))
                {
                    errors.Add(new PolicyError(file, entry, $"Volet « {v.Code} » en double."));
                }
                else
                {
                    volets.Add(new Volet(v.Code, v.Label));
                }
            }
            var enabled = new Dictionary<string, ContractExchange>(StringComparer.Ordinal);
            if (c.Exchanges is null || c.Exchanges.Count == 0)
            {
                errors.Add(new PolicyError(file, entry, "Aucun échange (exchanges) : un contrat doit nommer les échanges qu'il prévoit."));
            }
            foreach (var x in c.Exchanges ?? [])
            {
                var where = $"{entry} / exchanges[{x.Type}]";
                if (x.Type is not null && enabled.ContainsKey(x.Type))
                {
                    errors.Add(new PolicyError(file, where, "Échange nommé deux fois."));
                    continue;
                }
                if (ParseExchange(x, file, where, [c.Parties?.Spsti, c.Parties?.Caisse, c.Parties?.Dreets], purposes, exchanges, errors) is { } parsed)
                {
                    enabled[parsed.Type] = parsed;
                }
            }
            if (c.Masking?.Threshold is { } threshold && threshold < 2)
            {
                errors.Add(new PolicyError(file, entry, "Seuil de masquage (masking.threshold) : 2 au moins."));
            }
            else if (c.Masking?.Threshold is { } own)
            {
                // Like its purposes, a contract narrows what the catalogue allows, never widens it: it may
                // raise the threshold of statistical secrecy, not lower it.
                foreach (var masked in enabled.Keys.Select(type => exchanges[type]).Where(x => x.Masking is { } m && own < m.Threshold))
                {
                    errors.Add(new PolicyError(file, entry, $"Seuil de masquage (masking.threshold) {own} : inférieur à celui du catalogue pour « {masked.Type} » ({masked.Masking!.Threshold}) ; un contrat peut relever ce seuil, jamais l'abaisser."));
                }
            }
            var indicators = ParseIndicators(c.Indicators, file, entry, volets, enabled.Keys, exchanges, errors);
            var amendments = ParseAmendments(c.Avenants, file, entry, [c.Parties?.Spsti, c.Parties?.Caisse, c.Parties?.Dreets], purposes, exchanges, errors);
            if (errors.Count == before)
            {
                var contract = new Contract(c.Id!, c.Title ?? c.Id!, c.Seed, c.Parties!.Spsti!, c.Parties.Caisse!, c.Parties.Dreets!, start!.Value, end!.Value,
                    c.Term!.Note, volets, enabled, c.Masking?.Threshold, file)
                {
                    ReportingUntil = reportingUntil ?? Contract.DefaultReportingUntil(end.Value),
                    Amendments = amendments,
                    Indicators = indicators,
                };
                CheckAmendments(contract, file, entry, exchanges, errors);
                // Two contracts between the same parties never overlap, whatever their amendments make of their terms.
                var overlapping = result.FirstOrDefault(r => r.Spsti == contract.Spsti && r.Caisse == contract.Caisse
                    && r.Start <= contract.Latest().End && contract.Start <= r.Latest().End);
                if (errors.Count > before)
                {
                    // An amendment the contract cannot take: reported above.
                }
                else if (overlapping is not null)
                {
                    errors.Add(new PolicyError(file, entry, $"Période qui chevauche celle du contrat « {overlapping.Id} » ({overlapping.File}) entre les mêmes parties."));
                }
                else
                {
                    result.Add(contract);
                }
            }

            void CheckParty(string? id, OrganisationKind kind, string field, string label)
            {
                if (string.IsNullOrWhiteSpace(id))
                {
                    errors.Add(new PolicyError(file, entry, $"Partie « {field} » manquante : un CPOM lie un SPSTI, une caisse et une DREETS."));
                }
                else if (!organisations.TryGetValue(id, out var org))
                {
                    errors.Add(new PolicyError(file, entry, $"Organisation « {id} » ({field}) inconnue de organisations.yaml."));
                }
                else if (org.Kind != kind)
                {
                    errors.Add(new PolicyError(file, entry, $"« {id} » ({field}) n'est pas un(e) {label}."));
                }
            }

            DateOnly? ParseDate(string? value, string field)
            {
                if (DateOnly.TryParseExact(value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d))
                {
                    return d;
                }
                errors.Add(new PolicyError(file, entry, $"Date « {field} » manquante ou invalide (AAAA-MM-JJ attendu)."));
                return null;
            }
        }
        if (result.Count == 0 && !errors.Any(e => e.File.StartsWith("contracts/", StringComparison.Ordinal)))
        {
            errors.Add(new PolicyError("contracts/", "-", "Aucun contrat."));
        }
        return result;
    }

    internal static T? Read<T>(string path, string file, List<PolicyError> errors) where T : class
    {
        if (!File.Exists(path))
        {
            errors.Add(new PolicyError(file, "-", "Fichier introuvable."));
            return null;
        }
        using var reader = File.OpenText(path);
        return Parse<T>(reader, file, errors);
    }

    /// <summary>Parses YAML text that is not a file of the folder (the authorisations added through the API).</summary>
    internal static T? Parse<T>(TextReader reader, string file, List<PolicyError> errors) where T : class
    {
        try
        {
            var value = Yaml.Deserialize<T>(reader);
            if (value is null)
            {
                errors.Add(new PolicyError(file, "-", "Fichier vide."));
            }
            return value;
        }
        catch (YamlException e)
        {
            errors.Add(new PolicyError(file, $"ligne {e.Start.Line}", "YAML invalide : " + (e.InnerException?.Message ?? e.Message)));
            return null;
        }
    }

    internal static bool TryParseKind(string? value, out OrganisationKind kind)
    {
        switch (value)
        {
            case "SPSTI": kind = OrganisationKind.Spsti; return true;
            case "CAISSE": kind = OrganisationKind.Caisse; return true;
            case "DREETS": kind = OrganisationKind.Dreets; return true;
            case "TIERS": kind = OrganisationKind.Tiers; return true;
            default: kind = default; return false;
        }
    }

    // YAML shapes. Unknown keys are errors (YamlDotNet's default), so a typo is reported.
    private sealed class OrganisationsFile
    {
        public List<OrganisationEntry>? Organisations { get; set; }
    }

    private sealed class OrganisationEntry
    {
        public string? Id { get; set; }
        public string? Kind { get; set; }
        public string? Name { get; set; }
        public string? Siren { get; set; }
        public DpoEntry? Dpo { get; set; }
    }

    private sealed class ContractFile
    {
        public string? Id { get; set; }
        public string? Title { get; set; }
        public string? Seed { get; set; }
        public PartiesEntry? Parties { get; set; }
        public TermEntry? Term { get; set; }
        public List<VoletEntry>? Volets { get; set; }
        public List<IndicatorEntry>? Indicators { get; set; }
        public List<ContractExchangeEntry>? Exchanges { get; set; }
        public ContractMaskingEntry? Masking { get; set; }
        public List<AmendmentEntry>? Avenants { get; set; }
    }

    private sealed class VoletEntry
    {
        public string? Code { get; set; }
        public string? Label { get; set; }
    }

    private sealed class ContractExchangeEntry
    {
        public string? Type { get; set; }
        public List<string>? Purposes { get; set; }
        public List<string>? To { get; set; }
        public string? Controllers { get; set; }
        public string? Arrangement { get; set; }
        public string? ContactPoint { get; set; }
    }

    private sealed class ContractMaskingEntry
    {
        public int? Threshold { get; set; }
    }

    private sealed class PartiesEntry
    {
        public string? Spsti { get; set; }
        public string? Caisse { get; set; }
        public string? Dreets { get; set; }
    }

    private sealed class TermEntry
    {
        public string? Start { get; set; }
        public string? End { get; set; }
        public string? ReportingUntil { get; set; }
        public string? Note { get; set; }
    }
}
