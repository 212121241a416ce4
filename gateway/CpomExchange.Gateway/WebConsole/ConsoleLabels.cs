using CpomExchange.Gateway.Datasets;
using CpomExchange.Rules.AccessLog;
using CpomExchange.Rules.Policies;

namespace CpomExchange.Gateway.WebConsole;

/// <summary>The French names the console shows for the policy's identifiers (exchanges, organisations, purposes, log actions).</summary>
internal sealed class ConsoleLabels(PolicySet policies)
{
    /// <summary>The exchange's label, or its type when the policy no longer knows it.</summary>
    public string Exchange(string type) => policies.Exchanges.TryGetValue(type, out var exchange) ? exchange.Label : type;

    /// <summary>The organisation's name, or its id.</summary>
    public string Organisation(string? id) => id is null ? "—" : policies.Organisations.TryGetValue(id, out var organisation) ? organisation.Name : id;

    /// <summary>The purpose's label, or its code.</summary>
    public string Purpose(string? code) => code is null ? "—" : policies.Purposes.TryGetValue(code, out var purpose) ? purpose.Label : code;

    /// <summary>The state of a received file, in the contracts' vocabulary.</summary>
    public static string State(DatasetInfo dataset) => DatasetStates.Label(DatasetStates.Of(dataset));

    /// <summary>The French name of a logged operation.</summary>
    public static string Action(string action) => action switch
    {
        LogActions.Upload => "dépôt",
        LogActions.List => "liste",
        LogActions.ReadMetadata => "consultation des métadonnées",
        LogActions.Download => "téléchargement",
        LogActions.Acknowledge => "accusé de réception",
        LogActions.Withdraw => "retrait",
        LogActions.ConsentWithdrawal => "retrait d'une personne (consentement retiré)",
        LogActions.Purge => "destruction en fin de conservation",
        LogActions.TargetingComparison => "comparaison des listes d'entreprises ciblées",
        _ => action,
    };

    /// <summary>The French name of an outcome.</summary>
    public static string Outcome(string outcome) => outcome == AccessLogEntry.Allowed ? "autorisé" : "refusé";
}
