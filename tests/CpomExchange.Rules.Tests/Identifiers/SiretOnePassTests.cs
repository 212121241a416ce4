using CpomExchange.Rules.Csv;
using CpomExchange.Rules.Identifiers;
using CpomExchange.Tests.Shared;

namespace CpomExchange.Rules.Tests.Identifiers;

/// <summary>
/// The one-pass SIRET check (both Luhn sums at once, <see cref="Siret.LuhnSums"/>) and the
/// vectorised forbidden-character scan of the cell checks against the code they replaced: the
/// same verdict for valid SIRETs, each kind of wrong one and random digit strings; the same index
/// for random cells of ASCII, controls, invisible and bidirectional characters.
/// </summary>
public sealed class SiretOnePassTests
{
    // The former Siret.Check after its digit and length checks: two Luhn sums.
    private static Siret.Problem FormerCheck(string siret)
    {
        var problem = Siret.Check(siret);
        if (problem is Siret.Problem.Empty or Siret.Problem.NotDigits or Siret.Problem.WrongLength || siret.StartsWith(Siret.LaPosteSiren, StringComparison.Ordinal))
        {
            return problem;
        }
        if (!Luhn.IsValid(siret.AsSpan(0, 9)))
        {
            return Siret.Problem.BadSirenChecksum;
        }
        return Luhn.IsValid(siret) ? Siret.Problem.None : Siret.Problem.BadChecksum;
    }

    [Fact]
    public void Check_gives_the_two_Luhn_checks_verdict_for_random_and_generated_sirets()
    {
        var random = new Random(14);
        var verdicts = new Dictionary<Siret.Problem, int>();
        var candidates = TestSirets.From().Take(20_000).Concat(Enumerable.Range(0, 200_000).Select(_ =>
            string.Concat(Enumerable.Range(0, 14).Select(_ => (char)('0' + random.Next(10))))));
        foreach (var siret in candidates)
        {
            var expected = FormerCheck(siret);
            Assert.True(expected == Siret.Check(siret), $"{siret}: {Siret.Check(siret)} instead of {expected}");
            verdicts[expected] = verdicts.GetValueOrDefault(expected) + 1;
        }
        // Each verdict of the Luhn checks was met, many times.
        Assert.True(verdicts[Siret.Problem.None] > 20_000, $"{verdicts[Siret.Problem.None]} valid");
        Assert.True(verdicts[Siret.Problem.BadSirenChecksum] > 100_000, $"{verdicts[Siret.Problem.BadSirenChecksum]} bad SIREN");
        Assert.True(verdicts[Siret.Problem.BadChecksum] > 10_000, $"{verdicts[Siret.Problem.BadChecksum]} bad SIRET");
    }

    [Fact]
    public void LuhnSums_are_the_Luhn_sums_of_the_siren_and_the_siret()
    {
        var random = new Random(9);
        for (var n = 0; n < 50_000; n++)
        {
            var siret = string.Concat(Enumerable.Range(0, 14).Select(_ => (char)('0' + random.Next(10))));
            var (siren, whole) = Siret.LuhnSums(siret);
            Assert.Equal(Luhn.IsValid(siret.AsSpan(0, 9)), siren % 10 == 0);
            Assert.Equal(Luhn.IsValid(siret), whole % 10 == 0);
        }
    }

    private static readonly char[] Alphabet =
    [
        'a', 'Z', '0', ' ', '~', ';', '"', 'é', 'ß', '€', '\u00A0', '\u202F', '\t', '\r', '\n', '\0', '\u001F', '\u007F', '\u0080', '\u009F', '\u00A0',
        '\uFEFF', '\uFFFD', '\u061C', '\u200B', '\u200F', '\u2010', '\u2027', '\u2028', '\u202E', '\u2060', '\u2069', '\u206A', '\uD83D', '\uDE00',
    ];

    [Fact]
    public void The_vectorised_scan_finds_the_index_the_character_rule_finds()
    {
        var random = new Random(127);
        var found = 0;
        for (var n = 0; n < 100_000; n++)
        {
            var length = random.Next(0, 80);
            var cell = new string(Enumerable.Range(0, length)
                .Select(_ => random.Next(6) == 0 ? Alphabet[random.Next(Alphabet.Length)] : (char)random.Next(0x20, 0x7F)).ToArray());
            var expected = CsvIngestor.FindForbiddenCharacterByRule(cell);
            Assert.True(expected == CsvIngestor.FindForbiddenCharacter(cell), $"\"{cell}\": {CsvIngestor.FindForbiddenCharacter(cell)} instead of {expected}");
            found += expected >= 0 ? 1 : 0;
        }
        Assert.True(found is > 10_000 and < 90_000, $"{found} of 100,000 cells with a forbidden character");
    }
}
