using CpomExchange.Rules.Identifiers;

namespace CpomExchange.Bench.Crypto;

/// <summary>Distinct valid SIRETs: a SIREN with its Luhn key, a NIC, and the key of the whole.</summary>
internal static class SiretGenerator
{
    public static string[] Generate(int count) => [.. Enumerate(count)];

    /// <summary>The same SIRETs as <see cref="Generate"/>, one at a time (for files larger than memory should hold).</summary>
    public static IEnumerable<string> Enumerate(int count)
    {
        var digits = new char[14];
        var produced = 0;
        // c * 7919 mod 90,000,000 visits distinct 8-digit bodies (7919 is prime to 90,000,000).
        for (long c = 0; produced < count; c++)
        {
            var body = 10_000_000 + (c * 7_919 % 90_000_000);
            if (body == 35_600_000)
            {
                continue; // La Poste, whose SIRETs follow another rule
            }
            body.TryFormat(digits, out _);
            digits[8] = Luhn.CheckDigit(digits.AsSpan(0, 8));
            (1 + (c % 998)).TryFormat(digits.AsSpan(9, 4), out _, "0000");
            digits[13] = Luhn.CheckDigit(digits.AsSpan(0, 13));
            var siret = new string(digits);
            if (!Siret.IsValid(siret))
            {
                throw new InvalidOperationException($"Generated an invalid SIRET: {siret}.");
            }
            produced++;
            yield return siret;
        }
    }
}
