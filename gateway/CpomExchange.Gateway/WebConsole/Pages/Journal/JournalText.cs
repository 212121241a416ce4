using System.Globalization;
using CpomExchange.Rules.AccessLog;

namespace CpomExchange.Gateway.WebConsole.Pages.Journal;

/// <summary>How the DPO's pages name what the log holds, in French.</summary>
internal static class JournalText
{
    /// <summary>The actions a log entry may record, with their French names, in the filter's order.</summary>
    public static IReadOnlyList<(string Value, string Label)> Actions { get; } =
    [
        (LogActions.Upload, "dépôt d'un fichier"),
        (LogActions.List, "consultation de la liste"),
        (LogActions.ReadMetadata, "consultation d'un jeu de données"),
        (LogActions.Download, "téléchargement"),
        (LogActions.Acknowledge, "accusé de réception"),
        (LogActions.Withdraw, "retrait d'un jeu de données"),
        (LogActions.ConsentWithdrawal, "retrait d'une personne (consentement)"),
        (LogActions.Purge, "effacement (fin de conservation)"),
        (LogActions.Authenticate, "authentification"),
        (LogActions.AuditRead, "revue du journal (DPO)"),
        (LogActions.AdminChange, "modification de l'annuaire"),
        (LogActions.IndicatorsDraft, "brouillon d'indicateurs"),
        (LogActions.TargetingComparison, "comparaison des listes d'entreprises ciblées"),
    ];

    /// <summary>The French name of an action (the code itself when unknown).</summary>
    public static string Action(string action) => Actions.FirstOrDefault(a => a.Value == action).Label ?? action;

    /// <summary>The French name of an outcome.</summary>
    public static string Outcome(string outcome) => outcome == AccessLogEntry.Allowed ? "autorisé" : "refusé";

    /// <summary>A moment in the gateway's legal time zone, as <c>22/01/2025 14:03:07</c>.</summary>
    public static string Time(DateTimeOffset time, TimeZoneInfo zone) =>
        TimeZoneInfo.ConvertTime(time, zone).ToString("dd/MM/yyyy HH:mm:ss", CultureInfo.InvariantCulture);

    /// <summary>Bytes as lowercase hexadecimal.</summary>
    public static string Hex(byte[] bytes) => Convert.ToHexStringLower(bytes);
}
