using System.Globalization;
using System.Text.RegularExpressions;
using CpomExchange.Rules.Errors;
using CpomExchange.Rules.Identifiers;

namespace CpomExchange.Rules.Csv;

/// <summary>
/// The check of one cell against its column: required, length, forbidden characters, the column's
/// type (SIRET, NIR, number, date, code...), its pattern and its uniqueness. Returns the value as
/// stored (normalised: a SIRET without spaces, a date as JJ/MM/AAAA, a decimal with a comma) and
/// reports what is wrong; a personal identifier is never echoed in a report.
/// </summary>
internal static partial class CsvCells
{
    /// <summary>Validates one cell, adds its errors to <paramref name="result"/>, and returns its normalised value; <paramref name="valid"/> says whether it passed.</summary>
    public static string Check(ColumnSpec spec, string raw, long line, CsvIngestResult result, UniqueValues seen, out bool valid)
    {
        var ok = true;
        void Fail(string code, string reason, string? value = null, bool policyMessage = true)
        {
            ok = false;
            result.Add(new CsvRowError(line, spec.Name, value ?? ShortenValue(spec, raw), code, policyMessage ? spec.Message ?? reason : reason));
        }

        if (raw.Length == 0)
        {
            if (spec.Required)
            {
                result.Add(new CsvRowError(line, spec.Name, string.Empty, ErrorCatalog.Required, $"La colonne « {spec.Name} » doit être renseignée."));
            }
            valid = !spec.Required;
            return raw;
        }
        valid = false;
        if (raw.Length > spec.MaxLength)
        {
            result.Add(new CsvRowError(line, spec.Name, ShortenValue(spec, raw), ErrorCatalog.TooLong, $"Valeur de {raw.Length} caractères : {spec.MaxLength} au plus."));
            return raw;
        }
        var bad = CsvIngestor.FindForbiddenCharacter(raw);
        if (bad >= 0)
        {
            result.Add(new CsvRowError(line, spec.Name, spec.Pseudonymised ? null : CsvIngestor.Shorten(CsvIngestor.Visible(raw)), ErrorCatalog.BadCharacter,
                $"Caractère interdit U+{(int)raw[bad]:X4} (caractère de contrôle, invisible ou de sens d'écriture)."));
            return raw;
        }
        var value = CheckKind(spec, raw, Fail);
        if (ok && spec.Pattern is not null && !MatchesPattern(value, spec.Pattern))
        {
            Fail(ErrorCatalog.BadFormat, "Valeur au format inattendu.");
        }
        if (ok && spec.Unique)
        {
            var firstLine = seen.FirstLine(spec, value, line);
            if (firstLine is not null)
            {
                Fail(spec.Kind == ColumnKind.Siret ? ErrorCatalog.DuplicateSiret : ErrorCatalog.DuplicateValue,
                    spec.Kind == ColumnKind.Siret ? $"Ce SIRET figure déjà à la ligne {firstLine}." : $"Cette valeur figure déjà à la ligne {firstLine}.",
                    policyMessage: false);
            }
        }
        valid = ok;
        return value;
    }

    /// <summary>The check of the column's type: returns the normalised value, calls <paramref name="fail"/> when the value is not of the type.</summary>
    private static string CheckKind(ColumnSpec spec, string raw, Action<string, string, string?, bool> fail)
    {
        void Fail(string code, string reason) => fail(code, reason, null, true);
        switch (spec.Kind)
        {
            case ColumnKind.Siret:
            {
                var value = Siret.Normalise(raw);
                var problem = Siret.Check(value);
                if (problem != Siret.Problem.None)
                {
                    Fail(ErrorCatalog.BadSiret, Siret.Describe(problem));
                }
                return value;
            }
            case ColumnKind.Nir:
            {
                var value = Nir.Normalise(raw);
                if (!Nir.IsValid(value))
                {
                    Fail(ErrorCatalog.BadNir, "NIR attendu : 13 caractères et une clé de 2 chiffres (2A ou 2B pour la Corse), clé vérifiée.");
                }
                return value;
            }
            case ColumnKind.Integer:
                if (raw.Length > 9 || !raw.All(char.IsAsciiDigit))
                {
                    Fail(ErrorCatalog.BadInteger, "Nombre entier positif attendu, sans espace ni séparateur de milliers.");
                }
                return raw;
            case ColumnKind.Decimal:
                if (!DecimalPattern().IsMatch(raw))
                {
                    Fail(ErrorCatalog.BadDecimal, "Nombre attendu, avec une virgule décimale (28,8), sans espace ni séparateur de milliers.");
                    return raw;
                }
                return raw.Replace('.', ',');
            case ColumnKind.Date:
                if (DateOnly.TryParseExact(raw, ["dd/MM/yyyy", "yyyy-MM-dd"], CultureInfo.InvariantCulture, DateTimeStyles.None, out var date)
                    && date.Year is >= 1900 and <= 2100)
                {
                    return date.ToString("dd/MM/yyyy", CultureInfo.InvariantCulture);
                }
                Fail(ErrorCatalog.BadDate, "Date attendue au format JJ/MM/AAAA (par exemple 31/12/2025).");
                return raw;
            case ColumnKind.Year:
                if (raw.Length != 4 || !int.TryParse(raw, NumberStyles.None, CultureInfo.InvariantCulture, out var year) || year is < 2000 or > 2100)
                {
                    Fail(ErrorCatalog.BadYear, "Année attendue sur 4 chiffres (par exemple 2025).");
                }
                return raw;
            case ColumnKind.Enum:
            {
                var match = spec.Values?.FirstOrDefault(v => string.Equals(v, raw, StringComparison.OrdinalIgnoreCase));
                if (match is null)
                {
                    Fail(ErrorCatalog.BadCode, $"Valeur non reconnue ; valeurs admises : {string.Join(", ", spec.Values ?? [])}.");
                    return raw;
                }
                return match;
            }
            case ColumnKind.NafCode:
            {
                var value = raw.ToUpperInvariant();
                if (!NafPattern().IsMatch(value))
                {
                    Fail(ErrorCatalog.BadNaf, "Code NAF rév. 2 attendu, sous la forme 86.21Z.");
                }
                return value;
            }
            case ColumnKind.PostalCode:
                if (raw.Length != 5 || !raw.All(char.IsAsciiDigit))
                {
                    Fail(ErrorCatalog.BadPostalCode, "Code postal à 5 chiffres attendu.");
                }
                return raw;
            case ColumnKind.Email:
                if (!EmailPattern().IsMatch(raw))
                {
                    Fail(ErrorCatalog.BadEmail, "Adresse électronique attendue (nom@domaine.fr).");
                }
                return raw;
            case ColumnKind.Phone:
                if (!PhonePattern().IsMatch(raw) || raw.Count(char.IsAsciiDigit) is < 6 or > 15)
                {
                    Fail(ErrorCatalog.BadPhone, "Numéro de téléphone attendu (chiffres, espaces, points, tirets, + en tête).");
                }
                return raw;
            case ColumnKind.Reference:
                if (!ReferencePattern().IsMatch(raw))
                {
                    Fail(ErrorCatalog.BadReference, "Identifiant de jeu de données attendu (ds_ suivi de 32 caractères hexadécimaux).");
                }
                return raw;
            case ColumnKind.RowReference:
                if (!RowReferences.TryParse(raw, out _, out _))
                {
                    Fail(ErrorCatalog.BadReference, "Référence d'une ligne attendue, telle que la passerelle l'a donnée : ds_ suivi de 32 caractères hexadécimaux, deux-points, numéro de ligne (ds_…:3).");
                }
                return raw;
            default:
                return raw;
        }
    }

    /// <summary>A pattern that takes too long on a hostile value counts as not matching: the cell is refused, the upload goes on.</summary>
    private static bool MatchesPattern(string value, string pattern)
    {
        try
        {
            return Regex.IsMatch(value, pattern, RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(100));
        }
        catch (RegexMatchTimeoutException)
        {
            return false;
        }
    }

    /// <summary>Personal identifiers are not echoed back in reports (they may be logged or forwarded).</summary>
    private static string? ShortenValue(ColumnSpec spec, string raw) => spec.Pseudonymised ? null : CsvIngestor.Shorten(raw);

    [GeneratedRegex("^[0-9]{2}\\.[0-9]{2}[A-Z]$", RegexOptions.CultureInvariant)]
    private static partial Regex NafPattern();

    [GeneratedRegex("^[0-9]{1,12}([.,][0-9]{1,6})?$", RegexOptions.CultureInvariant)]
    private static partial Regex DecimalPattern();

    [GeneratedRegex("^[^@\\s;,<>\"]+@[^@\\s;,<>\"]+\\.[^@\\s;,<>\"]+$", RegexOptions.CultureInvariant)]
    private static partial Regex EmailPattern();

    [GeneratedRegex("^\\+?[0-9][0-9 .\\-()]{4,24}$", RegexOptions.CultureInvariant)]
    private static partial Regex PhonePattern();

    [GeneratedRegex("^ds_[0-9a-f]{32}$", RegexOptions.CultureInvariant)]
    private static partial Regex ReferencePattern();
}
