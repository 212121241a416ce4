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
}
