namespace CpomExchange.Cli.Text;

/// <summary>The French words for the codes the gateway answers with (actions of the log, outcomes, states).</summary>
internal static class Labels
{
    /// <summary>The actions of an access log, code first (what <c>--action</c> and <c>--json</c> use), then what a DPO reads.</summary>
    public static IReadOnlyList<(string Code, string Label)> Actions { get; } =
    [
        ("upload", "dépôt"),
        ("list", "liste"),
        ("read-metadata", "consultation"),
        ("download", "téléchargement"),
        ("acknowledge", "accusé de réception"),
        ("withdraw", "retrait"),
        ("purge", "destruction"),
        ("authenticate", "authentification"),
        ("audit-read", "revue du journal"),
        ("admin-change", "administration"),
        ("indicators-draft", "tableau de suivi"),
        ("targeting-comparison", "comparaison des listes ciblées"),
    ];

    /// <summary>The outcomes of an access, code first.</summary>
    public static IReadOnlyList<(string Code, string Label)> Outcomes { get; } = [("allowed", "autorisé"), ("denied", "refusé")];

    /// <summary>The French word for an action code (the code itself when unknown).</summary>
    public static string Action(string? code) => Actions.FirstOrDefault(a => a.Code == code).Label ?? code ?? "-";

    /// <summary>The French word for an outcome code.</summary>
    public static string Outcome(string? code) => Outcomes.FirstOrDefault(o => o.Code == code).Label ?? code ?? "-";

    /// <summary>The code of an action or outcome given either as its code or as its French word (accents and case ignored).</summary>
    public static string? Code(IReadOnlyList<(string Code, string Label)> table, string? given)
    {
        if (given is null)
        {
            return null;
        }
        var key = Fold(given);
        return table.FirstOrDefault(a => a.Code == given || Fold(a.Label) == key).Code ?? given;
    }

    /// <summary>The French name of a dataset state.</summary>
    public static string Status(string status) => status switch
    {
        "available" => "disponible",
        "withdrawn" => "retiré par l'expéditeur",
        "expired" => "détruit en fin de conservation",
        _ => status,
    };

    /// <summary>The French verb of what a contract opens (<c>/api/v1/me</c>).</summary>
    public static string ExchangeAction(string? action) => action switch
    {
        "send" => "envoyer",
        "list" => "lister",
        "download" => "télécharger",
        _ => action ?? "-",
    };

    private static string Fold(string text)
    {
        var decomposed = text.Trim().ToLowerInvariant().Normalize(System.Text.NormalizationForm.FormD);
        return new string([.. decomposed.Where(c => System.Globalization.CharUnicodeInfo.GetUnicodeCategory(c) != System.Globalization.UnicodeCategory.NonSpacingMark)]);
    }
}
