namespace CpomExchange.Rules.Policies;

internal static partial class ExchangeCatalogLoader
{
    /// <summary>
    /// Checks each link to earlier datasets (minimisation rules) once every exchange is read: the linked
    /// exchange exists, and the purpose the link requires is one of both exchanges' purposes (purpose
    /// limitation, RGPD art. 5(1)(b): a list sent to receive targeted companies is not answered with
    /// accident statistics). A retour names one person: the signalement numbers its rows.
    /// </summary>
    private static void CheckLinks(List<ExchangeEntry> all, List<(string Entry, ExchangeEntry User, MinimisationRule Rule)> pendingRules, List<PolicyError> errors)
    {
        foreach (var (entry, user, rule) in pendingRules)
        {
            var linked = all.FirstOrDefault(e => e.Type == rule.Exchange);
            if (linked is null)
            {
                errors.Add(new PolicyError(File, entry, $"La règle « {rule.Rule} » se rapporte à l'échange « {rule.Exchange} », inconnu."));
                continue;
            }
            // Purpose limitation (RGPD art. 5(1)(b)): a link uses datasets sent for one purpose, that of the exchange using them.
            if (!(linked.Purposes ?? []).Contains(rule.Purpose))
            {
                errors.Add(new PolicyError(File, entry, $"La règle « {rule.Rule} » : « {rule.Purpose} » n'est pas une finalité de l'échange « {rule.Exchange} » ({string.Join(", ", linked.Purposes ?? [])})."));
            }
            else if (!(user.Purposes ?? []).Contains(rule.Purpose))
            {
                errors.Add(new PolicyError(File, entry, $"La règle « {rule.Rule} » : « {rule.Purpose} » n'est pas une finalité de cet échange ; un lien ne sert qu'à la finalité pour laquelle les données liées ont été transmises."));
            }
            if (rule.Rule is MinimisationRules.AnswersSignalement or MinimisationRules.AnswersAlerte)
            {
                if (linked.RowReference is null)
                {
                    errors.Add(new PolicyError(File, entry, $"La règle « {rule.Rule} » : l'échange « {rule.Exchange} » ne numérote pas ses lignes (rowReference) ; une réponse ne peut désigner une personne."));
                }
                if ((user.Columns ?? []).Count(c => c.Type == "row-reference") != 1)
                {
                    errors.Add(new PolicyError(File, entry, $"La règle « {rule.Rule} » : l'échange doit avoir une colonne, et une seule, de type row-reference."));
                }
            }
            if (rule.Rule == MinimisationRules.AnswersAlerte
                && ((user.Columns ?? []).Count(c => c.Type == "siret") != 1 || (linked.Columns ?? []).Count(c => c.Type == "siret") != 1))
            {
                // The answer names the line's company: both files have exactly one SIRET column to compare.
                errors.Add(new PolicyError(File, entry, $"La règle « {rule.Rule} » : l'échange et l'échange « {rule.Exchange} » doivent avoir chacun une colonne, et une seule, de type siret."));
            }
        }
    }
}
