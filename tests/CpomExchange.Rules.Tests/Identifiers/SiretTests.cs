using CpomExchange.Rules.Identifiers;

namespace CpomExchange.Rules.Tests.Identifiers;

public sealed class SiretTests
{
    [Theory]
    [InlineData("10433218419605")]
    [InlineData("01338908538633")]
    [InlineData("79402654223514")]
    [InlineData("35600000000048")] // La Poste's head office: passes Luhn
    [InlineData("35600000009075")] // another La Poste establishment: digit sum multiple of 5
    [InlineData("35600000049458")] // La Poste, digit sum 45
    public void ValidSirets_AreAccepted(string siret) => Assert.Equal(Siret.Problem.None, Siret.Check(siret));

    [Theory]
    [InlineData("", Siret.Problem.Empty)]
    [InlineData("1043321841960A", Siret.Problem.NotDigits)]
    [InlineData("1043321841960", Siret.Problem.WrongLength)]
    [InlineData("104332184196050", Siret.Problem.WrongLength)]
    [InlineData("10433218519605", Siret.Problem.BadSirenChecksum)]
    [InlineData("10433218419606", Siret.Problem.BadChecksum)]
    [InlineData("35600000009076", Siret.Problem.BadChecksum)] // La Poste: digit sum 37
    [InlineData("35600000000049", Siret.Problem.BadChecksum)] // La Poste: neither rule
    public void InvalidSirets_AreRefused_WithTheirReason(string siret, Siret.Problem expected) => Assert.Equal(expected, Siret.Check(siret));

    [Theory]
    [InlineData("356 000 000 00048", "35600000000048")]
    [InlineData("104\u00A0332\u00A0184 19605", "10433218419605")]
    [InlineData("10433218419605", "10433218419605")]
    public void Spaces_AreRemoved(string pasted, string normalised)
    {
        Assert.Equal(normalised, Siret.Normalise(pasted));
        Assert.True(Siret.IsValid(pasted));
    }

    [Fact]
    public void ALaPosteSiret_ThatFollowsLuhnOnlyByAccident_StillNeedsOneRule()
    {
        // 356000000 itself is a valid SIREN by Luhn; the exception applies to the SIRET only.
        Assert.True(Siret.IsValidSiren("356000000"));
        Assert.True(Siret.IsValid("35600000000048"));
    }

    [Theory]
    [InlineData("999000045", true)]
    [InlineData("999000046", false)]
    [InlineData("99900004", false)]
    [InlineData("99900004A", false)]
    public void Sirens_AreChecked(string siren, bool valid) => Assert.Equal(valid, Siret.IsValidSiren(siren));

    [Theory]
    [InlineData(Siret.Problem.Empty, "SIRET manquant.")]
    [InlineData(Siret.Problem.NotDigits, "Un SIRET ne contient que des chiffres.")]
    [InlineData(Siret.Problem.WrongLength, "Un SIRET compte 14 chiffres.")]
    [InlineData(Siret.Problem.BadSirenChecksum, "La clé de contrôle du SIREN (9 premiers chiffres) est fausse.")]
    [InlineData(Siret.Problem.BadChecksum, "La clé de contrôle du SIRET est fausse.")]
    public void EveryProblem_IsDescribedInFrench(Siret.Problem problem, string description) => Assert.Equal(description, Siret.Describe(problem));

    [Fact]
    public void EveryProblem_HasItsOwnDescription() =>
        Assert.Equal(Enum.GetValues<Siret.Problem>().Length, Enum.GetValues<Siret.Problem>().Select(Siret.Describe).Distinct().Count());

    [Theory]
    [InlineData("1043321841960", '5')]
    [InlineData("7940265422351", '4')]
    [InlineData("73282932", '0')]
    public void CheckDigit_CompletesAValidLuhnNumber(string body, char expected)
    {
        Assert.Equal(expected, Luhn.CheckDigit(body));
        Assert.True(Luhn.IsValid(body + expected));
    }

    [Fact]
    public void CheckDigit_RefusesNonDigits() => Assert.Throws<ArgumentException>(() => Luhn.CheckDigit("12a4"));
}
