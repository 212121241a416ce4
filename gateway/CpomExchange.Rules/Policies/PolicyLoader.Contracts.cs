using System.Globalization;
using System.Net.Mail;

namespace CpomExchange.Rules.Policies;

/// <summary>The parts of a contract file that amendments repeat (its exchanges), the amendments, and the organisations' DPO.</summary>
public static partial class PolicyLoader
{
    /// <summary>
    /// One exchange a contract (or an amendment) enables: known to the catalogue, for some of its purposes,
    /// to some of its recipients, with its controllers (separate, or joint under an arrangement: RGPD art. 26).
    /// <paramref name="parties"/>: the contract's SPSTI, caisse and DREETS, in that order. Null when it cannot be read.
    /// </summary>
    private static ContractExchange? ParseExchange(ContractExchangeEntry x, string file, string where, string?[] parties,
        IReadOnlyDictionary<string, Purpose> purposes, IReadOnlyDictionary<string, ExchangeDefinition> exchanges, List<PolicyError> errors)
    {
        if (x.Type is null || !exchanges.TryGetValue(x.Type, out var definition))
        {
            // An unknown exchange is reported once, by its name, whether or not the catalogue loaded.
            errors.Add(new PolicyError(file, where, $"Échange « {x.Type} » inconnu de exchanges.yaml."));
            return null;
        }
        if (x.Purposes is null || x.Purposes.Count == 0)
        {
            errors.Add(new PolicyError(file, where, "Aucune finalité (purposes) pour cet échange."));
            return null;
        }
        foreach (var p in x.Purposes)
        {
            if (!purposes.ContainsKey(p))
            {
                errors.Add(new PolicyError(file, where, $"Finalité « {p} » inconnue."));
            }
            else if (!definition.Purposes.Contains(p))
            {
                errors.Add(new PolicyError(file, where, $"La finalité « {p} » n'est pas une finalité de l'échange « {x.Type} » ({string.Join(", ", definition.Purposes)})."));
            }
        }
        // The recipients: the catalogue's, narrowed by the contract. A DREETS receives a
        // company-level exchange only where the contract names it (rule 3 of policies/README.md).
        var recipients = definition.To.Where(k => k != OrganisationKind.Dreets || definition.Category is DataCategory.Agregat or DataCategory.Document).ToList();
        if (x.To is not null)
        {
            recipients = [];
            foreach (var kind in x.To)
            {
                if (!TryParseKind(kind, out var parsed))
                {
                    errors.Add(new PolicyError(file, where, $"« to » : type d'organisation « {kind} » inconnu (SPSTI, CAISSE ou DREETS)."));
                }
                else if (!definition.To.Contains(parsed))
                {
                    errors.Add(new PolicyError(file, where, $"« to » : l'échange « {x.Type} » ne va pas vers un(e) {kind} ({string.Join(", ", definition.To.Select(AccessPolicy.Label))})."));
                }
                else if (!recipients.Contains(parsed))
                {
                    recipients.Add(parsed);
                }
            }
            if (x.To.Count == 0)
            {
                errors.Add(new PolicyError(file, where, "« to » vide : retirez-le, ou nommez les destinataires."));
            }
        }
        var controllers = ParseControllers(x, definition, recipients, parties, file, where, errors);
        return new ContractExchange(x.Type, x.Purposes.Distinct(StringComparer.Ordinal).ToList()) { To = recipients, Controllers = controllers };
    }

    /// <summary>
    /// <c>controllers: separate</c> (the default: each party is the controller of its own copy) or
    /// <c>joint</c>, with the arrangement's reference and the party whose DPO answers data subjects
    /// (RGPD art. 26(1)), one of the organisations that send or receive the exchange under this contract.
    /// </summary>
    private static ControllerArrangement ParseControllers(ContractExchangeEntry x, ExchangeDefinition definition, List<OrganisationKind> recipients,
        string?[] parties, string file, string where, List<PolicyError> errors)
    {
        switch (x.Controllers)
        {
            case null or "separate":
                if (x.Arrangement is not null || x.ContactPoint is not null)
                {
                    errors.Add(new PolicyError(file, where, "« arrangement » et « contactPoint » ne valent que pour des responsables conjoints (controllers: joint)."));
                }
                return ControllerArrangement.Separate;
            case "joint":
                if (string.IsNullOrWhiteSpace(x.Arrangement))
                {
                    errors.Add(new PolicyError(file, where, "Responsables conjoints : la référence de l'accord (arrangement) est requise (RGPD art. 26(1))."));
                }
                var kinds = new[] { OrganisationKind.Spsti, OrganisationKind.Caisse, OrganisationKind.Dreets };
                var involved = parties.Select((id, i) => (id, kind: kinds[i]))
                    .Where(p => p.id is not null && (definition.From.Contains(p.kind) || recipients.Contains(p.kind)))
                    .Select(p => p.id!).ToList();
                if (x.ContactPoint is null || !involved.Contains(x.ContactPoint))
                {
                    errors.Add(new PolicyError(file, where,
                        $"Responsables conjoints : « contactPoint » doit nommer la partie dont le DPO répond aux personnes concernées, parmi {string.Join(", ", involved)}."));
                }
                return new ControllerArrangement(ControllerRelation.Joint, x.Arrangement, x.ContactPoint);
            default:
                errors.Add(new PolicyError(file, where, $"« controllers » : « {x.Controllers} » inconnu (separate ou joint)."));
                return ControllerArrangement.Separate;
        }
    }

    /// <summary>The amendments of a contract file, in order of their effective dates.</summary>
    private static List<Amendment> ParseAmendments(List<AmendmentEntry>? entries, string file, string entry, string?[] parties,
        IReadOnlyDictionary<string, Purpose> purposes, IReadOnlyDictionary<string, ExchangeDefinition> exchanges, List<PolicyError> errors)
    {
        var result = new List<Amendment>();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (a, index) in (entries ?? []).Select((a, i) => (a, i)))
        {
            var where = $"{entry} / avenants[{a.Id ?? index.ToString(CultureInfo.InvariantCulture)}]";
            if (string.IsNullOrWhiteSpace(a.Id) || !ids.Add(a.Id))
            {
                errors.Add(new PolicyError(file, where, "Identifiant (id) d'avenant manquant ou déjà utilisé dans ce contrat."));
            }
            if (string.IsNullOrWhiteSpace(a.Title))
            {
                errors.Add(new PolicyError(file, where, "Intitulé (title) de l'avenant manquant."));
            }
            var effective = Date(a.Effective, "effective", required: true);
            var signed = Date(a.Signed, "signed", required: false);
            var end = Date(a.Term?.End, "term.end", required: false);
            var reportingUntil = Date(a.Term?.ReportingUntil, "term.reportingUntil", required: false);
            var changes = new List<ContractExchange>();
            foreach (var x in a.Exchanges ?? [])
            {
                if (changes.Any(c => c.Type == x.Type))
                {
                    errors.Add(new PolicyError(file, $"{where} / exchanges[{x.Type}]", "Échange nommé deux fois."));
                }
                else if (ParseExchange(x, file, $"{where} / exchanges[{x.Type}]", parties, purposes, exchanges, errors) is { } parsed)
                {
                    changes.Add(parsed);
                }
            }
            var volets = new List<Volet>();
            foreach (var v in a.Volets ?? [])
            {
                if (string.IsNullOrWhiteSpace(v.Code) || string.IsNullOrWhiteSpace(v.Label))
                {
                    errors.Add(new PolicyError(file, where, "Volet sans code ou sans libellé."));
                }
                else
                {
                    volets.Add(new Volet(v.Code, v.Label));
                }
            }
            if (end is null && reportingUntil is null && changes.Count == 0 && volets.Count == 0
                && (a.RemoveExchanges ?? []).Count == 0 && (a.RemoveVolets ?? []).Count == 0)
            {
                errors.Add(new PolicyError(file, where, "L'avenant ne change rien : term, volets, removeVolets, exchanges ou removeExchanges."));
            }
            if (effective is { } day)
            {
                result.Add(new Amendment(a.Id ?? string.Empty, a.Title ?? string.Empty, day, signed)
                {
                    End = end,
                    ReportingUntil = reportingUntil,
                    Volets = volets,
                    RemoveVolets = a.RemoveVolets ?? [],
                    Exchanges = changes,
                    RemoveExchanges = a.RemoveExchanges ?? [],
                });
            }

            DateOnly? Date(string? value, string field, bool required)
            {
                if (value is null && !required)
                {
                    return null;
                }
                if (DateOnly.TryParseExact(value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d))
                {
                    return d;
                }
                errors.Add(new PolicyError(file, where, $"Date « {field} » manquante ou invalide (AAAA-MM-JJ attendu)."));
                return null;
            }
        }
        return result.OrderBy(a => a.Effective).ToList();
    }

    /// <summary>
    /// Checks each version of <paramref name="contract"/> as its amendments make it: each takes effect during
    /// the term of the version before it (004 art. 8: "par avenant durant sa période de validité"), removes
    /// only what is there, and leaves a contract of at most 5 years (L. 4622-10) that still names an
    /// exchange, with a reporting period of at most a year and a masking threshold no exchange's catalogue
    /// threshold exceeds.
    /// </summary>
    private static void CheckAmendments(Contract contract, string file, string entry, IReadOnlyDictionary<string, ExchangeDefinition> exchanges, List<PolicyError> errors)
    {
        var version = contract;
        foreach (var a in contract.Amendments)
        {
            var where = $"{entry} / avenants[{a.Id}]";
            if (a.Effective < contract.Start || a.Effective > version.End)
            {
                errors.Add(new PolicyError(file, where,
                    $"L'avenant prend effet le {a.Effective:yyyy-MM-dd}, hors de la période de validité du contrat (du {contract.Start:yyyy-MM-dd} au {version.End:yyyy-MM-dd})."));
            }
            foreach (var code in a.RemoveVolets.Where(code => version.Volets.All(v => v.Code != code)))
            {
                errors.Add(new PolicyError(file, where, $"« removeVolets » : le contrat n'a pas de volet « {code} » à cette date."));
            }
            foreach (var type in a.RemoveExchanges.Where(type => !version.Exchanges.ContainsKey(type)))
            {
                errors.Add(new PolicyError(file, where, $"« removeExchanges » : le contrat ne prévoit pas l'échange « {type} » à cette date."));
            }
            version = ContractVersions.Apply(version, a);
            if (version.End < a.Effective)
            {
                errors.Add(new PolicyError(file, where, $"La nouvelle fin ({version.End:yyyy-MM-dd}) précède la prise d'effet de l'avenant ({a.Effective:yyyy-MM-dd})."));
            }
            else if (version.End > contract.Start.AddYears(5))
            {
                errors.Add(new PolicyError(file, where, "Avec cet avenant, le CPOM durerait plus de 5 ans (Code du travail L4622-10)."));
            }
            if (version.ReportingUntil < version.End || version.ReportingUntil > version.End.AddYears(1))
            {
                errors.Add(new PolicyError(file, where, $"Période de compte rendu (term.reportingUntil) : du {version.End:yyyy-MM-dd} au {version.End.AddYears(1):yyyy-MM-dd} au plus."));
            }
            if (version.Exchanges.Count == 0)
            {
                errors.Add(new PolicyError(file, where, "Après cet avenant, le contrat ne prévoit plus aucun échange."));
            }
            if (contract.MaskingThreshold is { } own)
            {
                foreach (var masked in version.Exchanges.Keys.Select(type => exchanges[type]).Where(x => x.Masking is { } m && own < m.Threshold))
                {
                    errors.Add(new PolicyError(file, where, $"Seuil de masquage du contrat ({own}) inférieur à celui du catalogue pour « {masked.Type} » ({masked.Masking!.Threshold})."));
                }
            }
        }
    }

    /// <summary>The optional <c>dpo</c> of an organisation: a name and an e-mail address at least.</summary>
    private static DpoContact? ParseDpo(DpoEntry? dpo, string file, string entry, List<PolicyError> errors, ref bool ok)
    {
        if (dpo is null)
        {
            return null;
        }
        if (string.IsNullOrWhiteSpace(dpo.Name) || string.IsNullOrWhiteSpace(dpo.Email) || !MailAddress.TryCreate(dpo.Email, out var address) || address.Address != dpo.Email)
        {
            errors.Add(new PolicyError(file, entry, "DPO (dpo) : un nom (name) et une adresse électronique valide (email) sont requis."));
            ok = false;
            return null;
        }
        return new DpoContact(dpo.Name.Trim(), dpo.Email, dpo.Phone, dpo.Address);
    }

    private sealed class DpoEntry
    {
        public string? Name { get; set; }
        public string? Email { get; set; }
        public string? Phone { get; set; }
        public string? Address { get; set; }
    }

    private sealed class AmendmentEntry
    {
        public string? Id { get; set; }
        public string? Title { get; set; }
        public string? Signed { get; set; }
        public string? Effective { get; set; }
        public AmendmentTermEntry? Term { get; set; }
        public List<VoletEntry>? Volets { get; set; }
        public List<string>? RemoveVolets { get; set; }
        public List<ContractExchangeEntry>? Exchanges { get; set; }
        public List<string>? RemoveExchanges { get; set; }
    }

    private sealed class AmendmentTermEntry
    {
        public string? End { get; set; }
        public string? ReportingUntil { get; set; }
    }
}
