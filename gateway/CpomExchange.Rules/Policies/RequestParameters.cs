using System.Text.RegularExpressions;
using CpomExchange.Rules.Csv;
using CpomExchange.Rules.Errors;

namespace CpomExchange.Rules.Policies;

/// <summary>
/// The parameters of a dataset request that reach the access log — <c>purpose</c>, <c>object</c>,
/// <c>type</c>, <c>to</c>, <c>replyTo</c> — checked before anything is logged (issue 14.5): no
/// control, invisible or bidirectional character (what a counterpart sends lands in this
/// organisation's log, read by its DPO), no longer than the log keeps, a purpose of the catalogue,
/// a dataset id for <c>replyTo</c>. The refusal itself is logged, its values made visible and cut
/// by the log writer.
/// </summary>
public static partial class RequestParameters
{
    /// <summary>The longest free-text object (case reference) accepted.</summary>
    public const int MaxObjectLength = 80;

    /// <summary>The longest code (purpose, exchange type) and dataset id: the log's columns.</summary>
    public const int MaxCodeLength = 64;

    /// <summary>The longest organisation id: the log's column.</summary>
    public const int MaxOrganisationLength = 100;

    /// <summary>
    /// Null when the parameters may be used and logged, else the refusal. The purpose is required
    /// for what reads or writes data (<paramref name="purposeRequired"/>), optional elsewhere, and
    /// always one of the catalogue when given.
    /// </summary>
    public static Refusal? Check(PolicySet policies, string? purpose, bool purposeRequired, string? caseObject,
        string? type = null, string? to = null, string? replyTo = null)
    {
        ArgumentNullException.ThrowIfNull(policies);
        foreach (var (name, value) in new[] { ("purpose", purpose), ("object", caseObject), ("type", type), ("to", to), ("replyTo", replyTo) })
        {
            if (value is not null && CsvIngestor.FindForbiddenCharacter(value) is >= 0 and var at)
            {
                return new Refusal(ErrorCatalog.BadCharacter,
                    $"Le paramètre {name} contient un caractère de contrôle, invisible ou de sens d'écriture (U+{(int)value[at]:X4}).");
            }
        }
        if (caseObject is { Length: > MaxObjectLength })
        {
            return new Refusal(ErrorCatalog.ObjectTooLong, $"L'objet (référence de dossier) compte {caseObject.Length} caractères : {MaxObjectLength} au plus.");
        }
        foreach (var (name, value, max) in new[] { ("purpose", purpose, MaxCodeLength), ("type", type, MaxCodeLength), ("replyTo", replyTo, MaxCodeLength), ("to", to, MaxOrganisationLength) })
        {
            if (value is { Length: var length } && length > max)
            {
                return new Refusal(ErrorCatalog.ParameterTooLong, $"Le paramètre {name} compte {length} caractères : {max} au plus.");
            }
        }
        if (purpose is null ? purposeRequired : string.IsNullOrWhiteSpace(purpose))
        {
            return new Refusal(ErrorCatalog.MissingPurpose, purpose is null
                ? "Indiquez la finalité de l'accès (paramètre purpose), par exemple purpose=sinistralite."
                : "La finalité (purpose) est vide.");
        }
        if (purpose is not null && !policies.Purposes.ContainsKey(purpose))
        {
            return new Refusal(ErrorCatalog.UnknownPurpose,
                $"Finalité « {purpose} » inconnue. Finalités du catalogue : {string.Join(", ", policies.Purposes.Keys.Order(StringComparer.Ordinal))}.");
        }
        if (replyTo is not null && !DatasetIdPattern().IsMatch(replyTo))
        {
            return new Refusal(ErrorCatalog.ReplyToInvalid, $"« {replyTo} » n'est pas un identifiant de jeu de données (ds_ suivi de 32 caractères hexadécimaux).");
        }
        return null;
    }

    [GeneratedRegex("^ds_[0-9a-f]{32}$", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 100)]
    private static partial Regex DatasetIdPattern();

    /// <summary>True when <paramref name="value"/> has the form of a dataset identifier (<c>ds_</c> and 32 hex digits).</summary>
    public static bool IsDatasetId(string? value) => value is not null && DatasetIdPattern().IsMatch(value);
}
