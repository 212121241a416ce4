namespace CpomExchange.Rules.Identifiers;

/// <summary>
/// SIREN (9 digits) and SIRET (14 digits) validation, as INSEE defines them: the Luhn checksum
/// holds on the SIREN and on the whole SIRET, except for La Poste (SIREN 356000000), whose
/// establishments other than the head office instead have a digit sum that is a multiple of 5.
/// </summary>
public static class Siret
{
    /// <summary>La Poste's SIREN, the one exception to the Luhn rule on SIRETs.</summary>
    public const string LaPosteSiren = "356000000";

    /// <summary>Why a candidate SIRET was refused.</summary>
    public enum Problem
    {
        None,
        Empty,
        NotDigits,
        WrongLength,
        BadSirenChecksum,
        BadChecksum,
    }

    /// <summary>
    /// Removes the spaces (including no-break spaces) people paste inside SIRETs
    /// (<c>356 000 000 00048</c>). Anything else is kept, so that letters are reported.
    /// </summary>
    public static string Normalise(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        Span<char> buffer = value.Length <= 64 ? stackalloc char[value.Length] : new char[value.Length];
        var n = 0;
        foreach (var c in value)
        {
            if (c is ' ' or '\u00A0' or '\u202F' or '\t')
            {
                continue;
            }
            buffer[n++] = c;
        }
        return n == value.Length ? value : new string(buffer[..n]);
    }

    /// <summary>Checks a normalised SIRET (see <see cref="Normalise"/>).</summary>
    public static Problem Check(string siret)
    {
        ArgumentNullException.ThrowIfNull(siret);
        if (siret.Length == 0)
        {
            return Problem.Empty;
        }
        if (!AllDigits(siret))
        {
            return Problem.NotDigits;
        }
        if (siret.Length != 14)
        {
            return Problem.WrongLength;
        }
        var siren = siret.AsSpan(0, 9);
        if (siren.SequenceEqual(LaPosteSiren))
        {
            // La Poste: the head office (NIC 00048) follows Luhn; every other establishment
            // follows "sum of digits is a multiple of 5" instead.
            return Luhn.IsValid(siret) || DigitSum(siret) % 5 == 0 ? Problem.None : Problem.BadChecksum;
        }
        // Both Luhn sums in one pass over the 14 digits (all digits: checked above): the SIREN's
        // over digits 0-8, the SIRET's over all 14, each doubling every second digit from its right.
        var (sirenSum, siretSum) = LuhnSums(siret);
        if (sirenSum % 10 != 0)
        {
            return Problem.BadSirenChecksum;
        }
        return siretSum % 10 == 0 ? Problem.None : Problem.BadChecksum;
    }

    /// <summary>True when <paramref name="value"/>, once normalised, is a valid SIRET.</summary>
    public static bool IsValid(string value) => Check(Normalise(value)) == Problem.None;

    /// <summary>True when <paramref name="siren"/> is 9 digits with a valid Luhn checksum.</summary>
    public static bool IsValidSiren(string siren)
    {
        ArgumentNullException.ThrowIfNull(siren);
        return siren.Length == 9 && AllDigits(siren) && Luhn.IsValid(siren);
    }

    /// <summary>A French explanation of <paramref name="problem"/>, for people.</summary>
    public static string Describe(Problem problem) => problem switch
    {
        Problem.Empty => "SIRET manquant.",
        Problem.NotDigits => "Un SIRET ne contient que des chiffres.",
        Problem.WrongLength => "Un SIRET compte 14 chiffres.",
        Problem.BadSirenChecksum => "La clé de contrôle du SIREN (9 premiers chiffres) est fausse.",
        Problem.BadChecksum => "La clé de contrôle du SIRET est fausse.",
        _ => "SIRET valide.",
    };

    private static bool AllDigits(ReadOnlySpan<char> s)
    {
        foreach (var c in s)
        {
            if (c is < '0' or > '9')
            {
                return false;
            }
        }
        return true;
    }

    // 2d with its digits summed (2d - 9 over 9): the Luhn value of a doubled digit d.
    private static ReadOnlySpan<byte> Doubled => [0, 2, 4, 6, 8, 1, 3, 5, 7, 9];

    /// <summary>The Luhn sums of a 14-digit SIRET's SIREN (digits 0 to 8) and of the whole SIRET, in one pass.</summary>
    internal static (int Siren, int Siret) LuhnSums(ReadOnlySpan<char> siret)
    {
        // Within the SIREN (9 digits), digits 1, 3, 5, 7 are doubled (second from the right: 7);
        // within the SIRET (14 digits), digits 0, 2, 4, ..., 12 are.
        int siren = 0, whole = 0;
        for (var i = 0; i < 14; i++)
        {
            var d = siret[i] - '0';
            var doubled = Doubled[d];
            if (i < 9)
            {
                siren += (i & 1) == 1 ? doubled : d;
            }
            whole += (i & 1) == 0 ? doubled : d;
        }
        return (siren, whole);
    }

    private static int DigitSum(ReadOnlySpan<char> s)
    {
        var sum = 0;
        foreach (var c in s)
        {
            sum += c - '0';
        }
        return sum;
    }
}

/// <summary>The Luhn (mod 10) checksum over decimal digits.</summary>
public static class Luhn
{
    /// <summary>True when the digits of <paramref name="digits"/> pass the Luhn check.</summary>
    public static bool IsValid(ReadOnlySpan<char> digits)
    {
        var sum = Sum(digits, doubleLast: false);
        return digits.Length > 0 && sum >= 0 && sum % 10 == 0;
    }

    /// <summary>The digit that, appended to <paramref name="body"/> (digits only), makes it pass the Luhn check.</summary>
    public static char CheckDigit(ReadOnlySpan<char> body)
    {
        var sum = Sum(body, doubleLast: true);
        if (sum < 0)
        {
            throw new ArgumentException("Digits only.", nameof(body));
        }
        return (char)('0' + ((10 - (sum % 10)) % 10));
    }

    // The Luhn sum, every second digit doubled from the right (the last one too when doubleLast); -1 on a non-digit.
    private static int Sum(ReadOnlySpan<char> digits, bool doubleLast)
    {
        var sum = 0;
        var doubleIt = doubleLast;
        for (var i = digits.Length - 1; i >= 0; i--)
        {
            var d = digits[i] - '0';
            if (d is < 0 or > 9)
            {
                return -1;
            }
            if (doubleIt)
            {
                d *= 2;
                if (d > 9)
                {
                    d -= 9;
                }
            }
            sum += d;
            doubleIt = !doubleIt;
        }
        return sum;
    }
}
