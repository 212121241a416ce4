using System.Globalization;
using CpomExchange.Rules.Identifiers;

namespace CpomExchange.Tests.Shared;

/// <summary>Distinct valid SIRETs for generated files: the first valid SIREN from a start, NIC 0001 and its key.</summary>
public static class TestSirets
{
    public static IEnumerable<string> From(long firstSiren = 100_000_000)
    {
        for (var siren = firstSiren; ; siren++)
        {
            var prefix = siren.ToString(CultureInfo.InvariantCulture);
            if (!Luhn.IsValid(prefix))
            {
                continue;
            }
            for (var d = 0; d < 10; d++)
            {
                var siret = prefix + "0001" + d;
                if (Luhn.IsValid(siret))
                {
                    yield return siret;
                    break;
                }
            }
        }
    }

    /// <summary>
    /// The <paramref name="i"/>-th of a family of valid SIRETs, directly (no search): SIREN
    /// <paramref name="firstSiren8"/> + 7,919 × i with its key, NIC 1 + i mod 998 with its key. Distinct
    /// while the SIREN keeps eight digits (i below 8,800 from the default start); a file that needs a duplicate
    /// repeats an index.
    /// </summary>
    public static string Numbered(int i, int firstSiren8 = 30_000_000)
    {
        var digits = new char[14];
        (firstSiren8 + (i * 7_919)).TryFormat(digits, out _, provider: CultureInfo.InvariantCulture);
        digits[8] = Luhn.CheckDigit(digits.AsSpan(0, 8));
        (1 + (i % 998)).TryFormat(digits.AsSpan(9, 4), out _, "0000", CultureInfo.InvariantCulture);
        digits[13] = Luhn.CheckDigit(digits.AsSpan(0, 13));
        return new string(digits);
    }
}
