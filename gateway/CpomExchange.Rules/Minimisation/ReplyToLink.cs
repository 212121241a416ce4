using CpomExchange.Rules.Errors;
using CpomExchange.Rules.Policies;

namespace CpomExchange.Rules.Minimisation;

/// <summary>
/// The rule <c>reply-to</c> on the dataset an upload answers (<c>replyTo</c>): a dataset of the
/// linked exchange that the recipient addressed to the sender, still available, and sent for the
/// link's purpose (RGPD art. 5(1)(b)): a list sent to receive targeted companies is not answered with
/// accident statistics. The refusal for another purpose is logged under the list's owner too.
/// </summary>
public static class ReplyToLink
{
    /// <summary>Null when <paramref name="answered"/> (the dataset named by <paramref name="replyTo"/>, null when there is none) may be answered, else why not.</summary>
    public static Refusal? Check(PolicySet policies, ExchangeDefinition exchange, MinimisationRule rule, string replyTo, DatasetFacts? answered,
        string sender, string recipient)
    {
        ArgumentNullException.ThrowIfNull(policies);
        ArgumentNullException.ThrowIfNull(exchange);
        ArgumentNullException.ThrowIfNull(rule);
        if (answered is null || answered.Type != rule.Exchange || answered.From != recipient || answered.To != sender)
        {
            return new Refusal(ErrorCatalog.ReplyToInvalid, $"« {replyTo} » n'est pas un jeu de données « {rule.Exchange} » que {recipient} vous a adressé.");
        }
        if (!answered.Available)
        {
            return new Refusal(ErrorCatalog.ReplyToInvalid, $"Le jeu de données « {replyTo} » a été détruit : il n'appelle plus de réponse.");
        }
        if (answered.Purpose != rule.Purpose)
        {
            var label = policies.Exchanges.TryGetValue(rule.Exchange, out var linked) ? linked.Label : rule.Exchange;
            return new Refusal(ErrorCatalog.LinkPurpose,
                $"La liste « {label} » « {replyTo} » a été transmise par {answered.From} pour la finalité « {answered.Purpose} » : "
                + $"un fichier « {exchange.Type} » ne répond qu'à une liste transmise pour « {rule.Purpose} » (RGPD art. 5(1)(b)).")
            {
                Concerned = [answered.From],
            };
        }
        return null;
    }
}
