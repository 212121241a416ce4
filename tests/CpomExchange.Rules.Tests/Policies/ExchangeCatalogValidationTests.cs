using CpomExchange.Rules.Csv;
using CpomExchange.Rules.Policies;
using CpomExchange.Tests.Shared;

namespace CpomExchange.Rules.Tests.Policies;

/// <summary>
/// Every error <see cref="PolicyLoader"/> and the exchange catalogue loader can report, each on a copy
/// of the repository's policy folder with exactly one thing broken, and reported with its file and entry.
/// </summary>
public sealed class ExchangeCatalogValidationTests : IDisposable
{
    private const string Catalogue = "exchanges.yaml";
    private const string Organisations = "organisations.yaml";
    private const string Prevy = "contracts/cpom-prevy.yaml";
    private const string PrevyId = "cpom-prevy-2025";

    private readonly string _dir = Directory.CreateTempSubdirectory("cpom-catalog-").FullName;

    public ExchangeCatalogValidationTests() => CopyFolder(TestPaths.Policies, _dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void UnbrokenCopy_Loads()
    {
        var (policies, errors) = PolicyLoader.TryLoad(_dir);
        Assert.Empty(errors);
        Assert.NotNull(policies);
        Assert.Equal(15, policies.Exchanges.Count);
    }

    // ---- exchanges.yaml: purposes and lists ----

    [Theory]
    [InlineData("  - code: indicateurs\n    label:", "  - label:", "purposes[5]", "Finalité sans code.")]
    [InlineData("code: indicateurs", "code: pdp", "pdp", "Finalité définie deux fois.")]
    [InlineData("label: Suivre et évaluer l'exécution du CPOM (tableau de suivi annuel)", "label: \" \"", "indicateurs", "Finalité sans libellé (label).")]
    [InlineData("      codeDuTravail: \"L. 4622-10 (CPOM)\"\n", "", "information-actions", "Base légale incomplète")]
    [InlineData("      rgpd: \"art. 6(1)(e) (mission d'intérêt public) ; données agrégées\"\n", "", "indicateurs", "Base légale incomplète")]
    [InlineData("    legalBasis:\n      rgpd: \"art. 6(1)(e) (mission d'intérêt public)\"\n      codeDuTravail: \"L. 4622-10 (CPOM)\"\n", "", "information-actions", "Base légale incomplète")]
    [InlineData("risques: [RPS, TMS, CHIMIQUE]", "risques: []", "lists.risques", "Liste vide ou avec un code vide.")]
    [InlineData("risques: [RPS, TMS, CHIMIQUE]", "risques:", "lists.risques", "Liste vide ou avec un code vide.")]
    [InlineData("risques: [RPS, TMS, CHIMIQUE]", "risques: [RPS, '', CHIMIQUE]", "lists.risques", "Liste vide ou avec un code vide.")]
    [InlineData("ctn: [A, B, C, D, E, F, G, H, I]", "ctn: [A, B, C, D, E, F, G, H, I, C]", "lists.ctn", "Code en double dans la liste.")]
    [InlineData("ctn: [A, B, C, D, E, F, G, H, I]", "ctn: [A, B, C, D, E, F, G, H, I, c]", "lists.ctn", "Code en double dans la liste.")]
    [InlineData("  - type: alertes-risque\n    label:", "  - label:", "exchanges[6]", "Échange sans type.")]
    public void BrokenCatalogueEntry_IsReported(string find, string replace, string entry, string fragment)
    {
        Replace(Catalogue, find, replace);
        AssertReported(Errors(), Catalogue, entry, fragment);
    }

    [Fact]
    public void MissingPurposeList_IsReported()
    {
        Edit(Catalogue, text => Cut(text, "purposes:\n  - code: sinistralite", "# Lists of codes"));
        AssertReported(Errors(), Catalogue, "purposes", "La liste des finalités (purposes) est absente.");
    }

    [Theory]
    [InlineData("exchanges: []\n")]
    [InlineData("")]
    public void EmptyOrMissingExchangeList_IsReported(string replacement)
    {
        Edit(Catalogue, text => text[..text.IndexOf("exchanges:\n  - type: adherents", StringComparison.Ordinal)] + replacement);
        AssertReported(Errors(), Catalogue, "exchanges", "Le catalogue des échanges (exchanges) est absent ou vide.");
    }

    // ---- exchanges.yaml: one exchange ----

    [Theory]
    // Type, label, direction.
    [InlineData("alertes-risque", "type: alertes-risque", "type: adherents", "adherents", "Type d'échange défini deux fois.")]
    [InlineData("alertes-risque", "label: Alerte sur un risque prioritaire", "label: \"\"", null, "Échange sans libellé (label).")]
    [InlineData("alertes-risque", "from: [SPSTI]", "from: []", null, "« from » manquant")]
    [InlineData("alertes-risque", "from: [SPSTI]", "from: [SPST]", null, "« from » : type d'organisation « SPST » inconnu")]
    [InlineData("alertes-risque", "to: [CAISSE]", "to: [caisse]", null, "« to » : type d'organisation « caisse » inconnu")]
    [InlineData("alertes-risque", "to: [CAISSE]", "to: [CARSAT]", null, "« to » : type d'organisation « CARSAT » inconnu")]
    // Category.
    [InlineData("alertes-risque", "category: entreprise", "category: company", null, "Catégorie (category) « company » inconnue")]
    [InlineData("alertes-risque", "category: entreprise", "category: Entreprise", null, "Catégorie (category) « Entreprise » inconnue")]
    [InlineData("alertes-risque", "    category: entreprise\n", "", null, "Catégorie (category) «  » inconnue")]
    // Roles.
    [InlineData("alertes-risque", "send: [agent]", "send: [agnet]", null, "« roles.send » : rôle « agnet » inconnu")]
    [InlineData("alertes-risque", "list: [agent]", "list: [Agent]", null, "« roles.list » : rôle « Agent » inconnu")]
    [InlineData("alertes-risque", "send: [agent], list: [agent], download: [agent]", "send: [agent], list: [agent]", null, "« roles.download » manquant.")]
    [InlineData("alertes-risque", "download: [agent]", "download: [agent, dpo]", null, "« roles.download » : le rôle « dpo » ne touche jamais aux données échangées.")]
    [InlineData("alertes-risque", "list: [agent]", "list: [admin]", null, "« roles.list » : le rôle « admin » ne touche jamais aux données échangées.")]
    [InlineData("signalements-pdp", "list: [pdp, service-social]", "list: [pdp, service-social, dpo]", null, "« roles.list » : le rôle « dpo » ne touche jamais aux données échangées.")]
    [InlineData("signalements-pdp", "send: [pdp, service-social]", "send: [pdp, service-social, agent]", null, "« roles.send » : des données de santé ne sont accessibles qu'aux rôles pdp et service-social, pas à « agent »")]
    [InlineData("retour-signalement", "download: [pdp, service-social]", "download: [agent]", null, "« roles.download » : des données de santé ne sont accessibles qu'aux rôles pdp et service-social, pas à « agent »")]
    // A DREETS receives aggregates only, whatever the category.
    [InlineData("actions-entreprises", "    dreetsBasis:", "    # dreetsBasis:", null, "Une DREETS ne reçoit que des données agrégées (category: agregat), ou une liste d'établissements qu'un contrat lui destine : citez la clause qui le prévoit (dreetsBasis).")]
    [InlineData("signalements-pdp", "to: [CAISSE, SPSTI]", "to: [CAISSE, SPSTI, DREETS]", null, "Une DREETS ne reçoit que des données agrégées")]
    [InlineData("signalements-pdp", "    to: [CAISSE, SPSTI]\n", "    to: [CAISSE, SPSTI, DREETS]\n    dreetsBasis: \"001 art. 7\"\n", null, "Une DREETS ne reçoit que des données agrégées (category: agregat), jamais une personne.")]
    [InlineData("indicateurs", "category: agregat", "category: entreprise", null, "Une DREETS ne reçoit que des données agrégées")]
    [InlineData("alertes-risque", "    category: entreprise\n", "    category: entreprise\n    dreetsBasis: \"004\"\n", null, "dreetsBasis ne sert qu'à un échange d'établissements (category: entreprise) adressé à une DREETS (to).")]
    // A report names its year (its contract must have covered it).
    [InlineData("indicateurs", "{ name: annee, type: year, required: true }", "{ name: annee, type: integer, required: true }", null, "Un compte rendu (report: true) porte l'année qu'il concerne : une colonne de type year obligatoire.")]
    [InlineData("indicateurs", "{ name: annee, type: year, required: true }", "{ name: annee, type: year }", null, "Un compte rendu (report: true) porte l'année qu'il concerne")]
    // Purposes and retention.
    [InlineData("alertes-risque", "purposes: [alerte-risque]", "purposes: []", null, "Aucune finalité (purposes).")]
    [InlineData("alertes-risque", "    purposes: [alerte-risque]\n", "", null, "Aucune finalité (purposes).")]
    [InlineData("alertes-risque", "purposes: [alerte-risque]", "purposes: [alerte-risque, alerte]", null, "Finalité « alerte » inconnue.")]
    [InlineData("alertes-risque", "    retentionDays: 365\n", "", null, "Durée de conservation (retentionDays) manquante ou nulle.")]
    [InlineData("alertes-risque", "retentionDays: 365", "retentionDays: 0", null, "Durée de conservation (retentionDays) manquante ou nulle.")]
    [InlineData("alertes-risque", "retentionDays: 365", "retentionDays: -30", null, "Durée de conservation (retentionDays) manquante ou nulle.")]
    // Columns.
    [InlineData("alertes-risque", "name: commentaire,", "name: Commentaire,", null, "Nom de colonne « Commentaire » invalide")]
    [InlineData("alertes-risque", "name: commentaire,", "name: date-alerte,", null, "Nom de colonne « date-alerte » invalide")]
    [InlineData("alertes-risque", "name: commentaire,", "name: 1commentaire,", null, "Nom de colonne « 1commentaire » invalide")]
    [InlineData("alertes-risque", "{ name: commentaire, type: text, maxLength: 500 }", "{ type: text, maxLength: 500 }", null, "Nom de colonne «  » invalide")]
    [InlineData("alertes-risque", "name: commentaire,", "name: medecin_travail_nom,", null, "Colonne « medecin_travail_nom » définie deux fois.")]
    [InlineData("alertes-risque", "name: commentaire, type: text", "name: commentaire, type: string", null, "Colonne « commentaire » : type « string » inconnu.")]
    [InlineData("alertes-risque", "name: commentaire, type: text", "name: commentaire, type: Text", null, "Colonne « commentaire » : type « Text » inconnu.")]
    [InlineData("alertes-risque", "name: commentaire, type: text, maxLength: 500", "name: commentaire, maxLength: 500", null, "Colonne « commentaire » : type «  » inconnu.")]
    [InlineData("alertes-risque", "list: risques", "list: risks", null, "Colonne « risque » : une colonne enum nomme une liste connue (list) ou ses valeurs (values) ; liste « risks » inconnue.")]
    [InlineData("alertes-risque", "type: enum, list: risques,", "type: enum,", null, "Colonne « risque » : une colonne enum nomme une liste connue (list) ou ses valeurs (values).")]
    [InlineData("alertes-risque", "type: enum, list: risques,", "type: enum, values: [],", null, "Colonne « risque » : une colonne enum nomme une liste connue (list) ou ses valeurs (values).")]
    [InlineData("sinistralite", "pattern: \"^[0-9]{3}[A-Z0-9]{2}$\"", "pattern: \"^[0-9]{3}[A-Z0-9\"", null, "Colonne « code_risque » : expression régulière (pattern) invalide.")]
    [InlineData("sinistralite", "pattern: \"^[0-9]{3}[A-Z0-9]{2}$\"", "pattern: \"(?<x\"", null, "Colonne « code_risque » : expression régulière (pattern) invalide.")]
    [InlineData("alertes-risque", "name: commentaire, type: text, maxLength: 500", "name: commentaire, type: text, maxLength: 0", null, "Colonne « commentaire » : maxLength entre 1 et 10000.")]
    [InlineData("alertes-risque", "name: commentaire, type: text, maxLength: 500", "name: commentaire, type: text, maxLength: 10001", null, "Colonne « commentaire » : maxLength entre 1 et 10000.")]
    [InlineData("alertes-risque", "name: commentaire, type: text, maxLength: 500", "name: commentaire, type: text, maxLength: -1", null, "Colonne « commentaire » : maxLength entre 1 et 10000.")]
    [InlineData("indicateurs", "{ name: commentaire, type: text, maxLength: 500 }", "{ name: siret, type: siret }", null, "Un échange agrégé ne porte ni SIRET ni NIR.")]
    [InlineData("indicateurs", "{ name: commentaire, type: text, maxLength: 500 }", "{ name: nir, type: nir, pseudonymised: true }", null, "Un échange agrégé ne porte ni SIRET ni NIR.")]
    // Minimisation.
    [InlineData("sinistralite", "rule: reply-to,", "rule: reply-too,", null, "Règle de minimisation « reply-too » inconnue (reply-to, recipient-adherents, targeted-by-recipient, answers-signalement, answers-alerte).")]
    [InlineData("sinistralite", "{ rule: reply-to, exchange: adherents, purpose: sinistralite }", "{ exchange: adherents, purpose: sinistralite }", null, "Règle de minimisation «  » inconnue")]
    [InlineData("sinistralite", "{ rule: reply-to, exchange: adherents, purpose: sinistralite }", "{ rule: reply-to, purpose: sinistralite }", null, "La règle « reply-to » doit nommer l'échange auquel elle se rapporte (exchange).")]
    [InlineData("sinistralite", "{ rule: reply-to, exchange: adherents, purpose: sinistralite }", "{ rule: reply-to, exchange: adherent, purpose: sinistralite }", null, "La règle « reply-to » se rapporte à l'échange « adherent », inconnu.")]
    [InlineData("retour-signalement", "exchange: signalements-pdp", "exchange: signalement-pdp", null, "La règle « answers-signalement » se rapporte à l'échange « signalement-pdp », inconnu.")]
    // A link says for which purpose the linked datasets were sent (RGPD art. 5(1)(b)), one of both exchanges'.
    [InlineData("sinistralite", "{ rule: reply-to, exchange: adherents, purpose: sinistralite }", "{ rule: reply-to, exchange: adherents }", null, "La règle « reply-to » doit nommer la finalité pour laquelle les jeux de données « adherents » qu'elle utilise ont été transmis (purpose).")]
    [InlineData("sinistralite", "exchange: adherents, purpose: sinistralite", "exchange: adherents, purpose: pdp", null, "La règle « reply-to » : « pdp » n'est pas une finalité de l'échange « adherents » (sinistralite, ciblage).")]
    [InlineData("sinistralite", "exchange: adherents, purpose: sinistralite", "exchange: adherents, purpose: ciblage", null, "La règle « reply-to » : « ciblage » n'est pas une finalité de cet échange")]
    [InlineData("entreprises-ciblees", "exchange: adherents, purpose: ciblage", "exchange: adherents, purpose: sinistralite", null, "La règle « recipient-adherents » : « sinistralite » n'est pas une finalité de cet échange")]
    [InlineData("suivi-entreprises", "exchange: entreprises-ciblees, purpose: ciblage", "exchange: entreprises-ciblees, purpose: alerte-risque", null, "La règle « targeted-by-recipient » : « alerte-risque » n'est pas une finalité de l'échange « entreprises-ciblees » (ciblage).")]
    // A retour names one person: a row reference, into a signalement whose rows the gateway numbers.
    [InlineData("retour-signalement", "{ name: reference, type: row-reference, required: true }", "{ name: reference, type: reference, required: true }", null, "La règle « answers-signalement » : l'échange doit avoir une colonne, et une seule, de type row-reference.")]
    // A suite answers one alert line, about that line's company (issue 22 part 5).
    [InlineData("alertes-risque", "    rowReference: reference\n    columns:\n      - { name: siret, type: siret, required: true }\n      - { name: risque", "    columns:\n      - { name: siret, type: siret, required: true }\n      - { name: risque", "suite-alerte", "La règle « answers-alerte » : l'échange « alertes-risque » ne numérote pas ses lignes (rowReference)")]
    [InlineData("suite-alerte", "{ name: siret, type: siret, required: true }\n      - { name: decision", "{ name: siret, type: text, required: true }\n      - { name: decision", null, "La règle « answers-alerte » : l'échange et l'échange « alertes-risque » doivent avoir chacun une colonne, et une seule, de type siret.")]
    // Masking.
    [InlineData("sinistralite", "- { column: nb_deces }", "- { column: nb_accidents }", null, "Colonne masquée « nb_accidents » inconnue.")]
    [InlineData("sinistralite", "- { column: nb_deces }", "- { column: indice_frequence }", null, "Colonne masquée « indice_frequence » : seuls les comptages (integer) se masquent.")]
    [InlineData("sinistralite", "- { column: nb_deces }", "- { column: nb_mp }", null, "Colonne masquée « nb_mp » déclarée deux fois.")]
    [InlineData("sinistralite", "revealedBy: [indice_frequence, journees_it, taux_gravite]", "revealedBy: [indice_frequence, journees_it, taux_gravite, indice_gravite]", null, "Colonne masquée « nb_at » : la colonne « indice_gravite » qui la révèle (revealedBy) est inconnue.")]
    [InlineData("sinistralite", "revealedBy: [indice_frequence, journees_it, taux_gravite]", "revealedBy: [indice_frequence, journees_it, taux_gravite, nb_at]", null, "Colonne masquée « nb_at » : elle ne peut se révéler elle-même (revealedBy).")]
    [InlineData("sinistralite", "revealedBy: [indice_frequence, journees_it, taux_gravite]", "revealedBy: [indice_frequence, journees_it, taux_gravite, ctn]", null, "Colonne masquée « nb_at » : « ctn » (revealedBy) n'est pas numérique")]
    // Complementary suppression must be complete: a rate of a masked count left in clear gives it back.
    [InlineData("sinistralite", "revealedBy: [indice_frequence, journees_it, taux_gravite]", "revealedBy: [journees_it, taux_gravite]", null, "Colonne masquée « nb_at » : « indice_frequence », taux de « nb_at » (rateOf), permet de la recalculer ; déclarez-la dans revealedBy.")]
    [InlineData("sinistralite", "revealedBy: [indice_frequence, journees_it, taux_gravite]", "revealedBy: [indice_frequence, journees_it]", null, "Colonne masquée « nb_at » : « taux_gravite », taux de « journees_it » (rateOf), permet de la recalculer ; déclarez-la dans revealedBy.")]
    [InlineData("sinistralite", "- { column: nb_mp }", "- { column: nb_mp }\n        - { column: journees_it }", null, "Colonne masquée « journees_it » : « taux_gravite », taux de « journees_it » (rateOf), permet de la recalculer")]
    [InlineData("sinistralite", "rateOf: nb_at }", "rateOf: nb_accidents }", null, "Colonne « indice_frequence » : « nb_accidents » (rateOf) n'est pas une autre colonne de cet échange.")]
    [InlineData("sinistralite", "rateOf: nb_at }", "rateOf: indice_frequence }", null, "Colonne « indice_frequence » : « indice_frequence » (rateOf) n'est pas une autre colonne de cet échange.")]
    [InlineData("sinistralite", "rateOf: nb_at }", "rateOf: ctn }", null, "Colonne « indice_frequence » : « ctn » (rateOf) n'est pas une colonne numérique.")]
    [InlineData("sinistralite", "{ name: ctn, type: enum, list: ctn }", "{ name: ctn, type: enum, list: ctn, rateOf: nb_at }", null, "Colonne « ctn » : seule une colonne numérique (integer, decimal) est le taux d'une autre (rateOf).")]
    [InlineData("sinistralite", "      secondaryMarker: \"secret\"\n", "", null, "Marqueur du secret secondaire (masking.secondaryMarker) manquant")]
    [InlineData("sinistralite", "      counts:\n        - { column: nb_at, revealedBy: [indice_frequence, journees_it, taux_gravite] }\n        - { column: nb_at_trajet }\n        - { column: nb_mp }\n        - { column: nb_ip }\n        - { column: nb_deces }\n", "      counts: []\n", null, "Masquage sans comptage protégé (masking.counts).")]
    [InlineData("sinistralite", "      counts:\n        - { column: nb_at, revealedBy: [indice_frequence, journees_it, taux_gravite] }\n        - { column: nb_at_trajet }\n        - { column: nb_mp }\n        - { column: nb_ip }\n        - { column: nb_deces }\n", "", null, "Masquage sans comptage protégé (masking.counts).")]
    [InlineData("sinistralite", "threshold: 5", "threshold: 1", null, "Seuil de masquage (masking.threshold) : 2 au moins.")]
    [InlineData("sinistralite", "threshold: 5", "threshold: 0", null, "Seuil de masquage (masking.threshold) : 2 au moins.")]
    [InlineData("sinistralite", "      threshold: 5\n", "", null, "Seuil de masquage (masking.threshold) : 2 au moins.")]
    [InlineData("sinistralite", "marker: \"<5\"", "marker: \"\"", null, "Marqueur de masquage (masking.marker) manquant.")]
    [InlineData("sinistralite", "      marker: \"<5\"\n", "", null, "Marqueur de masquage (masking.marker) manquant.")]
    // A table of aggregates: its secondary suppression is only as good as its description.
    [InlineData("statistiques-sinistralite", "          - { column: indice_frequence, of: [nb_at, effectif] }\n", "", null, "masking.table.rates : « indice_frequence » est un taux (rateOf) ; déclarez de quelles colonnes il se calcule")]
    [InlineData("statistiques-sinistralite", "additive: [nb_etablissements, effectif, nb_at,", "additive: [effectif, nb_at,", null, "masking.table.additive : la colonne masquée « nb_etablissements » s'additionne")]
    [InlineData("statistiques-sinistralite", "additive: [nb_etablissements, effectif, nb_at, nb_mp,", "additive: [nb_etablissements, effectif, nb_mp,", null, "masking.table.additive : la colonne masquée « nb_at » s'additionne")]
    [InlineData("statistiques-sinistralite", "{ column: zone, total: REGION }", "{ column: departement, total: REGION }", null, "masking.table.margins : « departement » doit être une dimension")]
    [InlineData("statistiques-sinistralite", "          - { column: code, total: TOUS }\n", "          - { column: code, total: TOUS }\n          - { column: annee, total: TOUTES }\n", null, "masking.table.margins : deux marges au plus")]
    [InlineData("statistiques-sinistralite", "establishments: nb_etablissements", "establishments: zone", null, "Colonne du nombre d'établissements (masking.establishments) « zone » : inconnue ou non entière.")]
    // Row references and the withdrawal of one person (RGPD art. 7(3)).
    [InlineData("signalements-pdp", "rowReference: reference", "rowReference: nir", null, "Colonne des références de ligne (rowReference) « nir » : c'est déjà une colonne du fichier")]
    [InlineData("signalements-pdp", "rowReference: reference", "rowReference: Référence", null, "Colonne des références de ligne (rowReference) « Référence » : nom invalide")]
    [InlineData("signalements-pdp", "    rowReference: reference\n", "", null, "« roles.withdrawConsent » : retirer une personne suppose des lignes numérotées par la passerelle (rowReference).")]
    [InlineData("signalements-pdp", "withdrawConsent: [pdp]", "withdrawConsent: [pdp, agent]", null, "« roles.withdrawConsent » : des données de santé ne sont accessibles qu'aux rôles pdp et service-social, pas à « agent »")]
    [InlineData("signalements-pdp", "withdrawConsent: [pdp]", "withdrawConsent: [pdp, dpo]", null, "« roles.withdrawConsent » : le rôle « dpo » ne touche jamais aux données échangées.")]
    [InlineData("signalements-pdp", "send: [pdp, service-social]", "send: [service-social]", null, "« roles.withdrawConsent » : le rôle « pdp » n'envoie pas cet échange")]
    public void BrokenExchange_IsReported_UnderItsType(string type, string find, string replace, string? entry, string fragment)
    {
        ReplaceInExchange(type, find, replace);
        AssertReported(Errors(), Catalogue, entry ?? type, fragment);
    }

    [Theory]
    [InlineData("alertes-risque")]
    [InlineData("indicateurs")]
    public void ExchangeWithoutColumns_IsReported(string type)
    {
        EditExchange(type, block => block[..block.IndexOf("    columns:\n", StringComparison.Ordinal)] + "    columns: []\n");
        AssertReported(Errors(), Catalogue, type, "Aucune colonne (columns).");
    }

    [Fact]
    public void ExchangeWithoutRequiredColumn_IsReported()
    {
        EditExchange("indicateurs", block =>
        {
            Assert.Equal(3, block.Split(", required: true }").Length - 1);
            return block.Replace(", required: true }", " }", StringComparison.Ordinal);
        });
        AssertReported(Errors(), Catalogue, "indicateurs", "Au moins une colonne doit être obligatoire (required: true).");
    }

    [Fact]
    public void RepositoryMasking_ProtectsEveryCount_WithWhatWouldRevealIt()
    {
        // The positive side of the masking check: the catalogue's own rule loads, and says what the
        // seeds' formulas require (004 art. 2: IF = AT per 1,000 employees, TG = IT days per 1,000 hours).
        var sinistralite = PolicyLoader.Load(_dir).Exchanges["sinistralite"];
        var masking = Assert.IsType<MaskingRule>(sinistralite.Masking);
        Assert.Equal((5, "<5", "secret"), (masking.Threshold, masking.Marker, masking.SecondaryMarker));
        Assert.Equal(
            ["nb_at: indice_frequence journees_it taux_gravite", "nb_at_trajet: ", "nb_mp: ", "nb_ip: ", "nb_deces: "],
            masking.Counts.Select(c => $"{c.Column}: {string.Join(' ', c.RevealedBy)}"));
        Assert.Equal(["integer"], masking.Columns.Select(c => sinistralite.Schema.Find(c)!.Kind.ToString().ToLowerInvariant()).Distinct());
        Assert.Equal(("nb_at", "journees_it"), (sinistralite.Schema.Find("indice_frequence")!.RateOf, sinistralite.Schema.Find("taux_gravite")!.RateOf));
    }

    [Fact]
    public void RepositoryLinks_EachNameThePurposeOfTheDatasetsTheyUse()
    {
        var policies = PolicyLoader.Load(_dir);
        Assert.Equal(
            [
                "entreprises-ciblees: recipient-adherents adherents/ciblage",
                "entreprises-forte-sinistralite: recipient-adherents adherents/ciblage",
                "retour-signalement: answers-signalement signalements-pdp/pdp",
                "sinistralite: reply-to adherents/sinistralite",
                "suite-alerte: answers-alerte alertes-risque/alerte-risque",
                "suivi-entreprises: targeted-by-recipient entreprises-ciblees/ciblage",
            ],
            policies.Exchanges.Values.SelectMany(x => x.Minimisation.Select(r => $"{x.Type}: {r.Rule} {r.Exchange}/{r.Purpose}")).Order(StringComparer.Ordinal));
        // Only the PDP cell withdraws a person, from signalements, whose rows the gateway numbers.
        Assert.Equal(["signalements-pdp: pdp / reference"],
            policies.Exchanges.Values.Where(x => x.Roles.WithdrawConsent.Count > 0).Select(x => $"{x.Type}: {string.Join(',', x.Roles.WithdrawConsent)} / {x.RowReference}"));
    }

    [Theory]
    // Enum.TryParse reads "personnel, sante" as the flags Personnel | Sante = 3 = Agregat, and "2" as
    // Sante: a category must be one of the four words, nothing else.
    [InlineData("retour-signalement", "category: sante", "category: personnel, sante")]
    [InlineData("retour-signalement", "category: sante", "category: \"3\"")]
    public void CategoryThatIsNotOneOfTheFourWords_IsReported(string type, string find, string replace)
    {
        ReplaceInExchange(type, find, replace);
        var (_, errors) = PolicyLoader.TryLoad(_dir);
        AssertReported(errors, Catalogue, type, "Catégorie (category)");
    }

    [Fact]
    public void UnknownKey_IsReportedAsInvalidYaml_WithItsLine()
    {
        ReplaceInExchange("alertes-risque", "retentionDays: 365", "retentionDay: 365");
        var errors = Errors();
        Assert.Contains(errors, e => e.File == Catalogue && e.Entry.StartsWith("ligne ", StringComparison.Ordinal) && e.Message.StartsWith("YAML invalide", StringComparison.Ordinal));
    }

    [Fact]
    public void DuplicateKey_IsReported_NotSilentlyOverwritten()
    {
        // A second "to:" in the same exchange must not silently replace the first.
        ReplaceInExchange("alertes-risque", "    to: [CAISSE]\n", "    to: [CAISSE]\n    to: [SPSTI]\n");
        var errors = Errors();
        Assert.Contains(errors, e => e.File == Catalogue && e.Message.StartsWith("YAML invalide", StringComparison.Ordinal));
    }

    [Fact]
    public void MissingCatalogue_IsReported()
    {
        File.Delete(Path.Combine(_dir, Catalogue));
        AssertReported(Errors(), Catalogue, "-", "Fichier introuvable.");
    }

    [Fact]
    public void EmptyCatalogue_IsReported()
    {
        File.WriteAllText(Path.Combine(_dir, Catalogue), "# nothing yet\n");
        AssertReported(Errors(), Catalogue, "-", "Fichier vide.");
    }

    // ---- organisations.yaml ----

    [Fact]
    public void SirenGivenToTwoOrganisations_IsReported()
    {
        Replace(Organisations, "siren: \"999000029\"", "siren: \"999000011\"");
        AssertReported(Errors(), Organisations, "cgss-guadeloupe", "SIREN déjà attribué à « cist971 ».");
    }

    [Theory]
    [InlineData("siren: \"999000029\"", "siren: \"999000028\"", "cgss-guadeloupe", "SIREN « 999000028 » invalide")]
    [InlineData("    siren: \"999000029\"\n", "", "cgss-guadeloupe", "SIREN «  » invalide")]
    [InlineData("    kind: CAISSE\n    name: CGSS", "    kind: Caisse\n    name: CGSS", "cgss-guadeloupe", "Type (kind) « Caisse » inconnu")]
    [InlineData("    name: CGSS de Guadeloupe et de Saint-Martin\n", "", "cgss-guadeloupe", "Nom (name) manquant.")]
    [InlineData("  - id: cgss-guadeloupe\n    kind:", "  - kind:", "organisations[1]", "Identifiant (id) manquant.")]
    public void BrokenOrganisation_IsReported(string find, string replace, string entry, string fragment)
    {
        Replace(Organisations, find, replace);
        AssertReported(Errors(), Organisations, entry, fragment);
    }

    [Fact]
    public void OrganisationListAbsent_IsReported()
    {
        File.WriteAllText(Path.Combine(_dir, Organisations), "organisations:\n");
        AssertReported(Errors(), Organisations, "organisations", "La liste « organisations » est absente.");
    }

    [Fact]
    public void MissingOrganisations_IsReported()
    {
        File.Delete(Path.Combine(_dir, Organisations));
        AssertReported(Errors(), Organisations, "-", "Fichier introuvable.");
    }

    // ---- contracts/*.yaml ----

    [Theory]
    [InlineData("id: cpom-prevy-2025\n", "", "id", "Identifiant (id) du contrat manquant.")]
    [InlineData("{ code: RISQUE_ROUTIER, label: Risque routier professionnel }", "{ code: RISQUE_ROUTIER }", PrevyId, "Volet sans code ou sans libellé.")]
    [InlineData("{ code: RISQUE_ROUTIER, label: Risque routier professionnel }", "{ label: Risque routier professionnel }", PrevyId, "Volet sans code ou sans libellé.")]
    [InlineData("code: RISQUE_ROUTIER", "code: PDP", PrevyId, "Volet « PDP » en double.")]
    [InlineData("  end: 2030-01-22\n", "", PrevyId, "Date « term.end » manquante ou invalide")]
    [InlineData("  end: 2030-01-22", "  end: 2030-02-30", PrevyId, "Date « term.end » manquante ou invalide")]
    [InlineData("{ type: actions-entreprises,", "{ type: actions,", PrevyId + " / exchanges[actions]", "Échange « actions » inconnu de exchanges.yaml.")]
    [InlineData("{ type: actions-entreprises, purposes: [information-actions],", "{ purposes: [information-actions],", PrevyId + " / exchanges[]", "Échange «  » inconnu de exchanges.yaml.")]
    [InlineData("purposes: [information-actions],", "purposes: [informations-actions],", PrevyId + " / exchanges[actions-entreprises]", "Finalité « informations-actions » inconnue.")]
    [InlineData("{ type: indicateurs, purposes: [indicateurs] }", "{ type: indicateurs, purposes: [sinistralite] }", PrevyId + " / exchanges[indicateurs]", "La finalité « sinistralite » n'est pas une finalité de l'échange « indicateurs » (indicateurs).")]
    [InlineData("{ type: adherents, purposes: [sinistralite, ciblage] }", "{ type: adherents, purposes: [sinistralite, ciblage, pdp] }", PrevyId + " / exchanges[adherents]", "La finalité « pdp » n'est pas une finalité de l'échange « adherents »")]
    // The recipients a contract opens an exchange to: among the catalogue's.
    [InlineData("to: [CAISSE, SPSTI, DREETS] }", "to: [CAISSE, CGSS] }", PrevyId + " / exchanges[actions-entreprises]", "« to » : type d'organisation « CGSS » inconnu (SPSTI, CAISSE ou DREETS).")]
    [InlineData("to: [CAISSE, SPSTI, DREETS] }", "to: [] }", PrevyId + " / exchanges[actions-entreprises]", "« to » vide : retirez-le, ou nommez les destinataires.")]
    [InlineData("{ type: adherents, purposes: [sinistralite, ciblage] }", "{ type: adherents, purposes: [sinistralite, ciblage], to: [DREETS] }", PrevyId + " / exchanges[adherents]", "« to » : l'échange « adherents » ne va pas vers un(e) DREETS (caisse).")]
    // The reporting period after the term: at most a year.
    [InlineData("  end: 2030-01-22\n", "  end: 2030-01-22\n  reportingUntil: 2031-01-23\n", PrevyId, "Période de compte rendu (term.reportingUntil) : du 2030-01-22 (aucune) au 2031-01-22 au plus, un an après la fin.")]
    [InlineData("  end: 2030-01-22\n", "  end: 2030-01-22\n  reportingUntil: 2030-01-21\n", PrevyId, "Période de compte rendu (term.reportingUntil)")]
    [InlineData("  end: 2030-01-22\n", "  end: 2030-01-22\n  reportingUntil: 2030-06-31\n", PrevyId, "Date « term.reportingUntil » manquante ou invalide")]
    [InlineData("{ type: indicateurs, purposes: [indicateurs] }", "{ type: indicateurs }", PrevyId + " / exchanges[indicateurs]", "Aucune finalité (purposes) pour cet échange.")]
    [InlineData("{ type: indicateurs, purposes: [indicateurs] }", "{ type: indicateurs, purposes: [] }", PrevyId + " / exchanges[indicateurs]", "Aucune finalité (purposes) pour cet échange.")]
    [InlineData("  - { type: indicateurs, purposes: [indicateurs] }\n", "  - { type: indicateurs, purposes: [indicateurs] }\n  - { type: indicateurs, purposes: [indicateurs] }\n", PrevyId + " / exchanges[indicateurs]", "Échange nommé deux fois.")]
    [InlineData("\nexchanges:\n", "\nmasking:\n  threshold: 1\nexchanges:\n", PrevyId, "Seuil de masquage (masking.threshold) : 2 au moins.")]
    [InlineData("\nexchanges:\n", "\nmasking: { threshold: -5 }\nexchanges:\n", PrevyId, "Seuil de masquage (masking.threshold) : 2 au moins.")]
    // A contract narrows what the catalogue allows: it may raise the threshold of secrecy, never lower it.
    [InlineData("\nexchanges:\n", "\nmasking: { threshold: 4 }\nexchanges:\n", PrevyId, "Seuil de masquage (masking.threshold) 4 : inférieur à celui du catalogue pour « sinistralite » (5) ; un contrat peut relever ce seuil, jamais l'abaisser.")]
    public void BrokenContract_IsReported(string find, string replace, string entry, string fragment)
    {
        Replace(Prevy, find, replace);
        AssertReported(Errors(), Prevy, entry, fragment);
    }

    [Theory]
    [InlineData("exchanges: []\n")]
    [InlineData("")]
    public void ContractWithoutExchanges_IsReported(string replacement)
    {
        Edit(Prevy, text => text[..text.IndexOf("exchanges:\n", StringComparison.Ordinal)] + replacement);
        AssertReported(Errors(), Prevy, PrevyId, "Aucun échange (exchanges) : un contrat doit nommer les échanges qu'il prévoit.");
    }

    [Theory]
    [InlineData(5)]
    [InlineData(10)]
    public void ContractMaskingThreshold_AtOrAboveTheCatalogues_IsKept(int threshold)
    {
        Replace(Prevy, "\nexchanges:\n", $"\nmasking:\n  threshold: {threshold}\nexchanges:\n");
        var policies = PolicyLoader.Load(_dir);
        Assert.Equal(threshold, policies.Contracts.Single(c => c.Id == PrevyId).MaskingThreshold);
    }

    [Fact]
    public void ContractLoweringTheThreshold_OfAContractWithoutMaskedExchange_IsKept()
    {
        // Without its statistics, P.S.T.38's contract names no exchange that masks: a threshold of 2 lowers nothing.
        Replace("contracts/cpom-pst38.yaml", "  - { type: statistiques-sinistralite, purposes: [diagnostic], to: [SPSTI] }\n", "");
        Replace("contracts/cpom-pst38.yaml", "\nexchanges:\n", "\nmasking: { threshold: 2 }\nexchanges:\n");
        Assert.Equal(2, PolicyLoader.Load(_dir).Contracts.Single(c => c.Id == "cpom-pst38-2025").MaskingThreshold);
    }

    [Fact]
    public void ContractNamingAnExchangeThatDidNotLoad_IsReported_Too()
    {
        // One error in the catalogue: the catalogue names it, and the contracts that use the
        // exchange say they cannot.
        ReplaceInExchange("actions-entreprises", "retentionDays: 730", "retentionDays: 0");
        var errors = Errors();
        AssertReported(errors, Catalogue, "actions-entreprises", "retentionDays");
        AssertReported(errors, Prevy, PrevyId + " / exchanges[actions-entreprises]", "Échange « actions-entreprises » inconnu");
    }

    [Fact]
    public void EmptyContractFile_IsReported()
    {
        File.WriteAllText(Path.Combine(_dir, "contracts", "draft.yaml"), "# to be written\n");
        AssertReported(Errors(), "contracts/draft.yaml", "-", "Fichier vide.");
    }

    [Fact]
    public void MissingContractsFolder_IsReported()
    {
        Directory.Delete(Path.Combine(_dir, "contracts"), recursive: true);
        AssertReported(Errors(), "contracts/", "-", "Dossier des contrats introuvable.");
    }

    [Fact]
    public void ContractsFolderWithoutContract_IsReported()
    {
        foreach (var file in Directory.EnumerateFiles(Path.Combine(_dir, "contracts")))
        {
            File.Delete(file);
        }
        AssertReported(Errors(), "contracts/", "-", "Aucun contrat.");
    }

    // ---- everything at once ----

    [Fact]
    public void EveryError_OfAMultiplyBrokenFolder_IsReportedAtOnce()
    {
        Replace(Organisations, "siren: \"999000029\"", "siren: \"999000011\"");
        Replace(Catalogue, "label: Suivre et évaluer l'exécution du CPOM (tableau de suivi annuel)", "label: \"\"");
        Replace(Catalogue, "ctn: [A, B, C, D, E, F, G, H, I]", "ctn: [A, B, C, D, E, F, G, H, I, A]");
        ReplaceInExchange("adherents", "name: effectif, type: integer", "name: effectif, type: int");
        ReplaceInExchange("alertes-risque", "list: [agent]", "list: [agent, dpo]");
        ReplaceInExchange("alertes-risque", "retentionDays: 365", "retentionDays: 0");
        ReplaceInExchange("signalements-pdp", "download: [pdp, service-social]", "download: [pdp, service-social, agent]");
        ReplaceInExchange("sinistralite", "threshold: 5", "threshold: 1");
        ReplaceInExchange("actions-entreprises", "    dreetsBasis:", "    # dreetsBasis:");
        Replace(Prevy, "code: RISQUE_ROUTIER", "code: PDP");
        Replace("contracts/cpom-satm.yaml", "\nexchanges:\n", "\nmasking: { threshold: 1 }\nexchanges:\n");
        ReplaceInExchange("sinistralite", "revealedBy: [indice_frequence, journees_it, taux_gravite]", "revealedBy: [journees_it, indice_gravite]");
        ReplaceInExchange("suivi-entreprises", "purpose: ciblage", "purpose: pdp");
        ReplaceInExchange("retour-signalement", "type: row-reference", "type: reference");

        var errors = Errors();

        AssertReported(errors, Organisations, "cgss-guadeloupe", "SIREN déjà attribué");
        AssertReported(errors, Catalogue, "indicateurs", "Finalité sans libellé");
        AssertReported(errors, Catalogue, "lists.ctn", "Code en double");
        AssertReported(errors, Catalogue, "adherents", "type « int » inconnu");
        AssertReported(errors, Catalogue, "alertes-risque", "le rôle « dpo » ne touche jamais");
        AssertReported(errors, Catalogue, "alertes-risque", "retentionDays");
        AssertReported(errors, Catalogue, "signalements-pdp", "pas à « agent »");
        AssertReported(errors, Catalogue, "sinistralite", "Seuil de masquage");
        AssertReported(errors, Catalogue, "actions-entreprises", "Une DREETS ne reçoit que des données agrégées");
        AssertReported(errors, Prevy, PrevyId, "Volet « PDP » en double.");
        AssertReported(errors, "contracts/cpom-satm.yaml", "cpom-satm-2025", "Seuil de masquage");
        AssertReported(errors, Catalogue, "sinistralite", "« indice_gravite » qui la révèle (revealedBy) est inconnue");
        AssertReported(errors, Catalogue, "sinistralite", "« indice_frequence », taux de « nb_at » (rateOf), permet de la recalculer");
        AssertReported(errors, Catalogue, "sinistralite", "« taux_gravite », taux de « journees_it » (rateOf), permet de la recalculer");
        AssertReported(errors, Catalogue, "suivi-entreprises", "« pdp » n'est pas une finalité de l'échange « entreprises-ciblees »");
        AssertReported(errors, Catalogue, "retour-signalement", "une seule, de type row-reference");
        // The purpose indicateurs did not load: the contracts that name it say so too.
        AssertReported(errors, Prevy, PrevyId + " / exchanges[indicateurs]", "inconnu");
    }

    // ---- helpers ----

    private IReadOnlyList<PolicyError> Errors()
    {
        var (policies, errors) = PolicyLoader.TryLoad(_dir);
        Assert.Null(policies);
        Assert.NotEmpty(errors);
        return errors;
    }

    private static void AssertReported(IReadOnlyList<PolicyError> errors, string file, string entry, string fragment) =>
        Assert.True(
            errors.Any(e => e.File == file && e.Entry == entry && e.Message.Contains(fragment, StringComparison.Ordinal)),
            $"Expected {file} [{entry}] : …{fragment}… among:{Environment.NewLine}{string.Join(Environment.NewLine, errors)}");

    /// <summary>Replaces the one occurrence of <paramref name="find"/> in a policy file.</summary>
    private void Replace(string file, string find, string replace) => Edit(file, text => ReplaceOnce(text, find, replace, file));

    /// <summary>Replaces the one occurrence of <paramref name="find"/> in the entry of exchange <paramref name="type"/>.</summary>
    private void ReplaceInExchange(string type, string find, string replace) =>
        EditExchange(type, block => ReplaceOnce(block, find, replace, $"exchange {type}"));

    private void EditExchange(string type, Func<string, string> edit) => Edit(Catalogue, text =>
    {
        var start = text.IndexOf($"  - type: {type}\n", StringComparison.Ordinal);
        Assert.True(start >= 0, $"exchange {type} not found in {Catalogue}");
        var end = text.IndexOf("\n  - type: ", start + 1, StringComparison.Ordinal);
        end = end < 0 ? text.Length : end + 1;
        return string.Concat(text.AsSpan(0, start), edit(text[start..end]), text.AsSpan(end));
    });

    private void Edit(string file, Func<string, string> edit)
    {
        var path = Path.Combine(_dir, file);
        File.WriteAllText(path, edit(File.ReadAllText(path).ReplaceLineEndings("\n")));
    }

    private static string ReplaceOnce(string text, string find, string replace, string where)
    {
        var at = text.IndexOf(find, StringComparison.Ordinal);
        Assert.True(at >= 0, $"« {find} » not found in {where}");
        Assert.True(text.IndexOf(find, at + 1, StringComparison.Ordinal) < 0, $"« {find} » found more than once in {where}");
        return string.Concat(text.AsSpan(0, at), replace, text.AsSpan(at + find.Length));
    }

    private static string Cut(string text, string from, string to)
    {
        var start = text.IndexOf(from, StringComparison.Ordinal);
        var end = text.IndexOf(to, StringComparison.Ordinal);
        Assert.True(start >= 0 && end > start, $"« {from} » … « {to} » not found");
        return string.Concat(text.AsSpan(0, start), text.AsSpan(end));
    }

    private static void CopyFolder(string from, string to)
    {
        foreach (var dir in Directory.EnumerateDirectories(from, "*", SearchOption.AllDirectories))
        {
            Directory.CreateDirectory(Path.Combine(to, Path.GetRelativePath(from, dir)));
        }
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            File.Copy(file, Path.Combine(to, Path.GetRelativePath(from, file)));
        }
    }
}
