using CpomExchange.Rules.Identifiers;

namespace CpomExchange.Rules.Tests.Identifiers;

public sealed class NirTests
{
    [Theory]
    [InlineData("293116562420460")] // the sample signalement
    [InlineData("1 85 05 78 006 084 91")]
    [InlineData("255082A00100187")] // Corsica 2A: key computed with 19
    [InlineData("255082B00100117")] // Corsica 2B: key computed with 18
    public void ValidNirs_AreAccepted(string nir) => Assert.True(Nir.IsValid(Nir.Normalise(nir)));

    [Theory]
    [InlineData("293116562420461")] // wrong key
    [InlineData("29311656242046")] // 14 characters
    [InlineData("255082C00100187")] // no department 2C
    [InlineData("255082A00100117")] // 2B's key with 2A
    [InlineData("2931165624204AB")]
    public void InvalidNirs_AreRefused(string nir) => Assert.False(Nir.IsValid(Nir.Normalise(nir)));
}
