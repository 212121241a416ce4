using System.Globalization;
using CpomExchange.Rules.Policies;

namespace CpomExchange.Rules.Indicators;

/// <summary>
/// The indicators of the annual follow-up table (list <c>indicateurs-suivi</c> of
/// <c>policies/exchanges.yaml</c>), and which actions each one counts.
/// </summary>
public static class AnnualIndicators
{
    /// <summary>"Nombre d'établissements formés": "le nombre total d'établissements formés à la thématique sur l'ensemble des actions de formation déployées" (seed 004, légende).</summary>
    public const string Trained = "ETABLISSEMENTS_FORMES";

    /// <summary>"Nombre d'établissements accompagnés": "ayant bénéficié d'au moins une visite, mesure ou conseil personnalisé sur la thématique" (seed 004, légende).</summary>
    public const string Accompanied = "ETABLISSEMENTS_ACCOMPAGNES";

    /// <summary>"Nombre d'établissements ciblés par une action de communication": "destinataires d'une action de communication sur la thématique" (seed 004, légende).</summary>
    public const string Communication = "ETABLISSEMENTS_COMMUNICATION";

    /// <summary>Signalements sent by the SPSTI's cellule PDP to the caisse's service social (002 volet 1b, "Nombre de signalements émis entre le SATM et le Service social").</summary>
    public const string SignalementsSent = "SIGNALEMENTS_EMIS";

    /// <summary>Signalements received by the cellule PDP from the service social (the other way of 002 volet 1b).</summary>
    public const string SignalementsReceived = "SIGNALEMENTS_RECUS";

    /// <summary>The three establishment indicators, in the seed's order.</summary>
    public static IReadOnlyList<string> Establishments { get; } = [Trained, Accompanied, Communication];

    /// <summary>The theme of the signalement rows: a referral to the service social is the PDP volet's.</summary>
    public const string SignalementTheme = "PDP";

    /// <summary>
    /// The indicator an action (<c>type_action</c> of <c>actions-entreprises</c>) counts for, or null.
    /// <c>FORMATION</c>: trained. <c>VISITE</c>, <c>MESURE</c> and <c>ACCOMPAGNEMENT</c> (the
    /// "conseil personnalisé"): accompanied, as the legend lists them. <c>COMMUNICATION</c>:
    /// communication. <c>SENSIBILISATION</c>: communication too — an awareness session informs the
    /// establishment's staff collectively (004 fiche 1: "sensibilisation collective ... lors
    /// d'événements d'information et de sensibilisation"); it is neither a training on the theme nor
    /// a personalised visit, measure or advice, which are what make an establishment "accompagné".
    /// </summary>
    public static string? Of(string typeAction) => typeAction switch
    {
        "FORMATION" => Trained,
        "VISITE" or "MESURE" or "ACCOMPAGNEMENT" => Accompanied,
        "COMMUNICATION" or "SENSIBILISATION" => Communication,
        _ => null,
    };

    /// <summary>
    /// The UTC instants between which a dataset sent during <paramref name="year"/> in
    /// <paramref name="zone"/> (<c>Cpom:TimeZone</c>) was stored: a signalement sent on 31 December
    /// at 23:30 in Paris is the year's, one sent at 00:30 on 1 January the next year's.
    /// </summary>
    public static (DateTime StartUtc, DateTime EndUtc) UtcBounds(int year, TimeZoneInfo zone)
    {
        ArgumentNullException.ThrowIfNull(zone);
        DateTime Utc(int y) => TimeZoneInfo.ConvertTimeToUtc(new DateTime(y, 1, 1, 0, 0, 0, DateTimeKind.Unspecified), zone);
        return (Utc(year), Utc(year + 1));
    }
}

/// <summary>
/// One year of a contract's annual table, computed from the actions the SPSTI reported
/// (<c>actions-entreprises</c>): per theme of the contract (volet) and indicator, the distinct
/// establishments (keyed pseudonyms of their SIRET) with at least one action of that kind dated in
/// the year, and among them those the caisse targeted for this SPSTI ("dont ets suivis par la
/// Caisse régionale dans le cadre de la C.O.G.", seed 004). Actions are added row by row: memory
/// grows with the establishments, never with the files.
/// </summary>
public sealed class AnnualTable
{
    private readonly Dictionary<(string Theme, string Indicator), HashSet<UInt128>> _establishments = [];
    private readonly HashSet<string> _themes;
    private readonly UInt128[] _followed;

    /// <param name="year">The year of the table.</param>
    /// <param name="themes">The contract's volets: the table's themes ("pour la thématique retenue").</param>
    /// <param name="followed">The establishments the caisse targeted for this SPSTI, sorted.</param>
    public AnnualTable(int year, IEnumerable<string> themes, UInt128[] followed)
    {
        Year = year;
        _themes = themes.ToHashSet(StringComparer.Ordinal);
        _followed = followed;
    }

    /// <summary>The year of the table.</summary>
    public int Year { get; }

    /// <summary>Actions of the year counted.</summary>
    public long ActionsCounted { get; private set; }

    /// <summary>Actions of the year on a theme that is not one of the contract's volets: not in the table.</summary>
    public long ActionsOutsideVolets { get; private set; }

    /// <summary>
    /// Adds one action. <paramref name="date"/> is the action's day as the SPSTI recorded it: a
    /// calendar date, so 31/12 is in its year whatever the time zone; actions of other years are ignored.
    /// </summary>
    public void AddAction(UInt128 establishment, string typeAction, string theme, DateOnly date)
    {
        if (date.Year != Year || AnnualIndicators.Of(typeAction) is not { } indicator)
        {
            return;
        }
        if (!_themes.Contains(theme))
        {
            ActionsOutsideVolets++;
            return;
        }
        ActionsCounted++;
        if (!_establishments.TryGetValue((theme, indicator), out var set))
        {
            _establishments[(theme, indicator)] = set = [];
        }
        set.Add(establishment);
    }

    /// <summary>Adds one action as stored: <paramref name="date"/> written <c>dd/MM/yyyy</c>.</summary>
    public void AddAction(UInt128 establishment, string typeAction, string theme, string date) =>
        AddAction(establishment, typeAction, theme, DateOnly.ParseExact(date, "dd/MM/yyyy", CultureInfo.InvariantCulture));

    /// <summary>The distinct establishments of <paramref name="theme"/> for <paramref name="indicator"/>, and how many the caisse targeted.</summary>
    public (long Count, long Followed) Count(string theme, string indicator) =>
        _establishments.TryGetValue((theme, indicator), out var set) ? (set.Count, set.Count(e => Array.BinarySearch(_followed, e) >= 0)) : (0, 0);

    /// <summary>
    /// The table's rows, by column name (<c>annee</c>, <c>date_signature</c>, <c>date_fin</c>,
    /// <c>theme</c>, <c>indicateur</c>, <c>nombre</c>, <c>dont_suivis_caisse</c>, <c>commentaire</c>):
    /// per volet, the establishment indicators when <paramref name="establishments"/>, then, for
    /// the PDP theme, the signalements when given. Comments are the SPSTI's to write: left empty.
    /// </summary>
    public IEnumerable<IReadOnlyDictionary<string, string>> Rows(Contract contract, bool establishments, (long Sent, long Received)? signalements)
    {
        ArgumentNullException.ThrowIfNull(contract);
        var themes = contract.Volets.Select(v => v.Code).ToList();
        if (signalements is not null && !themes.Contains(AnnualIndicators.SignalementTheme))
        {
            themes.Add(AnnualIndicators.SignalementTheme);
        }
        foreach (var theme in themes)
        {
            if (establishments && contract.Volets.Any(v => v.Code == theme))
            {
                foreach (var indicator in AnnualIndicators.Establishments)
                {
                    var (count, followed) = Count(theme, indicator);
                    yield return Row(contract, theme, indicator, count, followed);
                }
            }
            if (signalements is { } s && theme == AnnualIndicators.SignalementTheme)
            {
                yield return Row(contract, theme, AnnualIndicators.SignalementsSent, s.Sent, null);
                yield return Row(contract, theme, AnnualIndicators.SignalementsReceived, s.Received, null);
            }
        }
    }

    /// <summary>
    /// The rows of the contract's own indicators (<see cref="Contract.Indicators"/>), after the DGT
    /// table's, in the contract file's order: a computed one with its value from
    /// <paramref name="computed"/> (by code), a typed one with <c>nombre</c> empty, for the SPSTI to
    /// fill. A computed indicator counted from health data (RGPD art. 9) only when
    /// <paramref name="signalements"/>; the others only when <paramref name="establishments"/> (whoever
    /// may send the table).
    /// </summary>
    public IEnumerable<IReadOnlyDictionary<string, string>> ContractRows(Contract contract, IReadOnlyDictionary<string, long> computed, bool establishments, bool signalements)
    {
        ArgumentNullException.ThrowIfNull(contract);
        ArgumentNullException.ThrowIfNull(computed);
        foreach (var indicator in contract.Indicators)
        {
            var formula = indicator.Formula is { } name ? IndicatorFormulas.All[name] : null;
            if (!(formula is { HealthData: true } ? signalements : establishments))
            {
                continue;
            }
            var row = Row(contract, indicator.Volet, indicator.Code, 0, null);
            row["nombre"] = formula is null ? string.Empty
                : computed.TryGetValue(indicator.Code, out var value) ? value.ToString(CultureInfo.InvariantCulture)
                : throw new InvalidOperationException($"Indicator {indicator.Code} was not computed.");
            yield return row;
        }
    }

    private Dictionary<string, string> Row(Contract contract, string theme, string indicator, long count, long? followed) => new(StringComparer.Ordinal)
    {
        ["annee"] = Year.ToString(CultureInfo.InvariantCulture),
        // The seeds' contracts come into force on their signature (001 art. 12, 004 art. 8).
        ["date_signature"] = contract.Start.ToString("dd/MM/yyyy", CultureInfo.InvariantCulture),
        ["date_fin"] = contract.End.ToString("dd/MM/yyyy", CultureInfo.InvariantCulture),
        ["theme"] = theme,
        ["indicateur"] = indicator,
        ["nombre"] = count.ToString(CultureInfo.InvariantCulture),
        ["dont_suivis_caisse"] = followed?.ToString(CultureInfo.InvariantCulture) ?? string.Empty,
        ["commentaire"] = string.Empty,
    };
}
