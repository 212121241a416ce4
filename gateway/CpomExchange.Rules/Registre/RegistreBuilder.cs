using CpomExchange.Rules.Csv;
using CpomExchange.Rules.Policies;

namespace CpomExchange.Rules.Registre;

/// <summary>
/// Builds an organisation's record of processing (RGPD art. 30) from the policy: every exchange the
/// contracts it is party to make it send or receive (each contract as amended on the record's day), and
/// every disclosure to a third party an authorisation in force that day allows it to make or receive.
/// </summary>
public static class RegistreBuilder
{
    /// <summary>No transfer leaves the EU: the recipients are the parties of French contracts and authorised French third parties.</summary>
    public const string NoTransfer = "Aucun transfert hors de l'Union européenne : les destinataires sont des organismes établis en France (parties au CPOM ou tiers autorisés).";

    /// <summary>The gateway's measures (art. 32), as they are built (docs/security.md, docs/keys.md).</summary>
    public static IReadOnlyList<string> SecurityMeasures { get; } =
    [
        "Authentification mutuelle TLS (TLS 1.3, ou TLS 1.2 avec ECDHE et AES-GCM/ChaCha20-Poly1305, guide ANSSI) : chaque agent présente un certificat nominatif, rattaché à une organisation et à des rôles ; aucune identité n'est lue dans un en-tête.",
        "Contrôle d'accès par la politique : refus par défaut ; chaque accès déclare une finalité, vérifiée contre le contrat CPOM en vigueur le jour de l'accès (avenants compris) ; les rôles dpo et admin n'accèdent jamais aux contenus.",
        "Chiffrement au repos : chaque fichier est chiffré en AES-256-GCM par segments avec une clé de données propre, conservée seulement enveloppée par la clé maîtresse du fournisseur de clés (fichier local ou Azure Key Vault).",
        "Pseudonymisation : les SIRET et NIR ne figurent hors des contenus chiffrés que sous forme de pseudonymes à clé (HMAC-SHA-256), jamais en clair dans les métadonnées ni dans le journal.",
        "Journal des accès par responsable de traitement : chaque accès, autorisé ou refusé, y est inscrit (auteur, date, opération, finalité, version de la politique) ; chaîné en arbre de Merkle (RFC 6962) avec points de contrôle signés (ECDSA P-256), vérifiable par le DPO en ligne et hors ligne (cpom audit verify).",
        "Validation et minimisation : chaque fichier est validé ligne à ligne et refusé en entier à la première erreur ; il ne transporte que les lignes que le destinataire peut recevoir ; les petits effectifs sont masqués (secret statistique).",
        "Limitation de la conservation : à l'échéance, les clés de données sont détruites (crypto-effacement) puis les fichiers supprimés.",
    ];

    /// <summary>The record of <paramref name="organisation"/> for the contracts as they read on <paramref name="day"/>.</summary>
    public static RecordOfProcessing Build(PolicySet policies, string organisation, DateOnly day, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(policies);
        if (!policies.Organisations.TryGetValue(organisation, out var self))
        {
            throw new ArgumentException($"Organisation « {organisation} » inconnue de la politique.", nameof(organisation));
        }
        var entries = new List<ProcessingEntry>();
        foreach (var signed in policies.Contracts.Where(c => c.Parties.Contains(self.Id)).OrderBy(c => c.Start).ThenBy(c => c.Id, StringComparer.Ordinal))
        {
            var contract = signed.On(day);
            var parties = contract.Parties.Select(id => policies.Organisations[id]).ToList();
            foreach (var enabled in contract.Exchanges.Values.OrderBy(x => CatalogueOrder(policies, x.Type)))
            {
                var exchange = policies.Exchanges[enabled.Type];
                if (exchange.Category == DataCategory.Document)
                {
                    // The contract's documents (reviews, conventions, fiches) are not a processing of personal data: no table, no subject.
                    continue;
                }
                var recipients = parties.Where(p => p.Kind != self.Kind && enabled.To.Contains(p.Kind)).ToList();
                if (exchange.From.Contains(self.Kind) && recipients.Count > 0)
                {
                    entries.Add(Entry(policies, self, contract, enabled, exchange, ProcessingRole.Sender, recipients, null));
                }
                var senders = parties.Where(p => p.Kind != self.Kind && exchange.From.Contains(p.Kind)).ToList();
                if (enabled.To.Contains(self.Kind) && senders.Count > 0)
                {
                    entries.Add(Entry(policies, self, contract, enabled, exchange, ProcessingRole.Recipient, senders, null));
                }
            }
        }
        foreach (var authorisation in policies.Authorisations.Where(a => (a.Discloser == self.Id || a.ThirdParty == self.Id) && a.InForce(day)))
        {
            var contract = policies.Contracts.Single(c => c.Id == authorisation.Contract).On(day);
            foreach (var type in authorisation.Exchanges)
            {
                var exchange = policies.Exchanges[type];
                var enabled = new ContractExchange(type, [authorisation.Purpose]);
                var sends = authorisation.Discloser == self.Id;
                var other = policies.Organisations[sends ? authorisation.ThirdParty : authorisation.Discloser];
                entries.Add(Entry(policies, self, contract, enabled, exchange, sends ? ProcessingRole.Sender : ProcessingRole.Recipient, [other], authorisation));
            }
        }
        var numbered = entries.Select((e, i) => e with { Number = $"T{i + 1:00}" }).ToList();
        return new RecordOfProcessing(new ControllerInfo(self.Id, self.Name, AccessPolicy.Label(self.Kind), self.Siren, self.Dpo), day, policies.Hash, now,
            SecurityMeasures, numbered);
    }

    private static int CatalogueOrder(PolicySet policies, string type) => policies.Exchanges.Keys.ToList().IndexOf(type);

    private static ProcessingEntry Entry(PolicySet policies, Organisation self, Contract contract, ContractExchange enabled, ExchangeDefinition exchange,
        ProcessingRole role, IReadOnlyList<Organisation> counterparts, ThirdPartyAuthorisation? authorisation)
    {
        var purposes = enabled.Purposes.Select(code => policies.Purposes[code])
            .Select(p => new PurposeInfo(p.Code, p.Label, p.LegalBasis.Rgpd, p.LegalBasis.CodeDuTravail)).ToList();
        var downloadRoles = string.Join(", ", exchange.Roles.Download);
        IReadOnlyList<string> recipients = role == ProcessingRole.Sender
            ? counterparts.Select(c => $"{c.Name} ({AccessPolicy.Label(c.Kind)}), rôles habilités : {downloadRoles}").ToList()
            : [$"Au sein de {self.Name} : rôles {downloadRoles} ; aucune communication à un tiers sans autorisation préalable validée par un échange de courriers (seed 001 art. 8)"];
        var disclosure = authorisation is null ? null
            : $"Communication à un tiers autorisée par « {authorisation.Reference} » (courriers du {authorisation.Date:dd/MM/yyyy}), du {authorisation.Date:dd/MM/yyyy} au {authorisation.Until:dd/MM/yyyy}"
              + (authorisation.Note is null ? string.Empty : $" : {authorisation.Note}");
        return new ProcessingEntry(string.Empty, contract.Id, contract.Title, contract.AppliedAmendments, contract.Start, contract.End, exchange.Type, exchange.Label, role,
            counterparts.Select(c => new Counterpart(c.Id, c.Name, AccessPolicy.Label(c.Kind))).ToList(), purposes, DataSubjects(exchange), DataCategories(exchange),
            exchange.Category == DataCategory.Sante, recipients, NoTransfer, exchange.RetentionDays,
            $"{exchange.RetentionDays} jours à compter du dépôt, puis destruction par crypto-effacement (retrait anticipé possible par l'expéditeur)",
            Measures(exchange, contract), Controllership(policies, self, enabled.Controllers), disclosure);
    }

    /// <summary>Categories of data subjects (art. 30(1)(c)), from the exchange's category and the people its columns name.</summary>
    internal static IReadOnlyList<string> DataSubjects(ExchangeDefinition exchange)
    {
        var subjects = new List<string>
        {
            exchange.Category switch
            {
                DataCategory.Sante => "Salariés signalés à la cellule PDP ou au service social régional (prévention de la désinsertion professionnelle), avec leur consentement",
                DataCategory.Personnel => "Salariés des établissements",
                DataCategory.Entreprise => "Établissements (personnes morales ; un entrepreneur individuel reste identifiable par son SIRET)",
                _ => "Aucune personne identifiable : données agrégées",
            },
        };
        var professionals = exchange.Schema.Columns.Select(c => c.Name).Where(IsProfessional).ToList();
        if (professionals.Count > 0)
        {
            subjects.Add($"Professionnels nommés dans le fichier (nom et coordonnées : {string.Join(", ", professionals)})");
        }
        return subjects;
    }

    private static bool IsProfessional(string column) =>
        column.StartsWith("preventeur_", StringComparison.Ordinal) || column.StartsWith("medecin_travail_", StringComparison.Ordinal)
        || column.StartsWith("emetteur_", StringComparison.Ordinal);

    /// <summary>The file's columns, each with what it holds; the NIR flagged as pseudonymised outside the content.</summary>
    internal static IReadOnlyList<string> DataCategories(ExchangeDefinition exchange) =>
        exchange.Schema.Columns.Select(c => c.Name + c.Kind switch
        {
            ColumnKind.Nir => " (NIR, numéro d'inscription au répertoire" + (c.Pseudonymised ? " ; pseudonymisé hors du contenu chiffré)" : ")"),
            ColumnKind.Siret => " (SIRET)",
            ColumnKind.Email => " (adresse électronique)",
            ColumnKind.Phone => " (téléphone)",
            ColumnKind.Date => " (date)",
            _ => string.Empty,
        }).ToList();

    private static IReadOnlyList<string> Measures(ExchangeDefinition exchange, Contract contract)
    {
        var measures = new List<string>();
        if (exchange.Category == DataCategory.Sante)
        {
            measures.Add("Données de santé (RGPD art. 9) : accessibles aux seuls rôles pdp (cellule PDP du SPSTI) et service-social (service social de la caisse)");
        }
        measures.AddRange(exchange.Minimisation.Select(m => $"Minimisation : {MinimisationRules.All.GetValueOrDefault(m.Rule, m.Rule)} (jeux « {m.Exchange} » transmis pour « {m.Purpose} »)"));
        if (exchange.Masking is { } masking)
        {
            var threshold = Math.Max(masking.Threshold, contract.MaskingThreshold ?? 0);
            measures.Add($"Secret statistique : comptes de 1 à {threshold - 1} masqués, avec les cellules qui permettraient de les recalculer ({string.Join(", ", masking.Columns)})");
            if (masking.Table is { } table)
            {
                measures.Add($"Secret statistique du tableau : cases de moins de {threshold} établissements masquées entièrement ; secret secondaire sur les marges ({string.Join(", ", table.Margins.Select(m => $"{m.Column} = {m.Total}"))}) : aucune case masquée ne se déduit des totaux");
            }
        }
        var pseudonymised = exchange.Schema.Columns.Where(c => c.Pseudonymised).Select(c => c.Name).ToList();
        if (pseudonymised.Count > 0)
        {
            measures.Add($"Pseudonymisation à clé de {string.Join(", ", pseudonymised)} hors du contenu chiffré (journal, index, indicateurs)");
        }
        if (exchange.Roles.WithdrawConsent.Count > 0)
        {
            measures.Add("Retrait du consentement (RGPD art. 7(3)) : la personne est retirée du fichier, l'ancienne version détruite");
        }
        return measures;
    }

    private static ControllershipInfo Controllership(PolicySet policies, Organisation self, ControllerArrangement arrangement)
    {
        if (arrangement.Relation == ControllerRelation.Joint && arrangement.ContactPoint is { } contact && policies.Organisations.TryGetValue(contact, out var point))
        {
            return new ControllershipInfo(ControllerRelation.Joint, arrangement.Arrangement, point.Name, Dpo(point),
                $"Responsables conjoints (RGPD art. 26) selon « {arrangement.Arrangement} » ; point de contact des personnes concernées : le DPO de {point.Name} ; la personne peut exercer ses droits auprès de chacun des responsables (art. 26(3)).");
        }
        return new ControllershipInfo(ControllerRelation.Separate, null, self.Name, Dpo(self),
            $"Responsables distincts : {self.Name} est responsable de traitement de sa copie ; son DPO répond aux personnes concernées.");
    }

    private static string Dpo(Organisation organisation) =>
        organisation.Dpo?.ToString() ?? "DPO non renseigné dans organisations.yaml";
}
