namespace CpomExchange.Rules.Identifiers;

/// <summary>
/// The NIR (numéro d'inscription au répertoire, "numéro de sécurité sociale"): 13 characters and
/// a 2-digit key equal to 97 − (number mod 97). Corsica's department codes 2A and 2B count as 19
/// and 18 for the key.
/// </summary>
public static class Nir
{
    /// <summary>Upper-cases and removes spaces; returns the candidate to check.</summary>
    public static string Normalise(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return Siret.Normalise(value).ToUpperInvariant();
    }

    /// <summary>True when a normalised NIR is 15 characters with a correct key.</summary>
    public static bool IsValid(string nir)
    {
        ArgumentNullException.ThrowIfNull(nir);
        if (nir.Length != 15)
        {
            return false;
        }
        var body = nir[..13];
        var corsica = body.Substring(5, 2);
        string digits;
        if (corsica == "2A")
        {
            digits = string.Concat(body.AsSpan(0, 5), "19", body.AsSpan(7));
        }
        else if (corsica == "2B")
        {
            digits = string.Concat(body.AsSpan(0, 5), "18", body.AsSpan(7));
        }
        else
        {
            digits = body;
        }
        if (!ulong.TryParse(digits, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var number)
            || !int.TryParse(nir.AsSpan(13, 2), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var key))
        {
            return false;
        }
        return key == 97 - (int)(number % 97);
    }
}
