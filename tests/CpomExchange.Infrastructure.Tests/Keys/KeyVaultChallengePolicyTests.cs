using CpomExchange.Infrastructure.Keys;

namespace CpomExchange.Infrastructure.Tests.Keys;

public sealed class KeyVaultChallengePolicyTests
{
    [Theory]
    [InlineData("Bearer authorization=\"https://login.windows.net/t1\", resource=\"https://vault.azure.net\"", "https://login.windows.net/t1", "https://vault.azure.net")]
    [InlineData("bearer resource=\"https://vault.azure.net\",authorization=\"https://login.microsoftonline.com/t1\"", "https://login.microsoftonline.com/t1", "https://vault.azure.net")]
    [InlineData("PoP nonce=\"abc\", Bearer authorization=\"a\", resource=\"r\"", "a", "r")]
    [InlineData("Bearer authorization=\"a\", resource=\"r\", PoP resource=\"autre\"", "a", "r")]
    public void BearerParameters_ReadsTheBearerChallengeOnly(string header, string authorization, string resource)
    {
        var parameters = KeyVaultChallengePolicy.BearerParameters(header);

        Assert.Equal(authorization, parameters["authorization"]);
        Assert.Equal(resource, parameters["resource"]);
    }

    [Theory]
    [InlineData("")]
    [InlineData("Basic realm=\"x\"")]
    public void BearerParameters_WithoutBearerChallenge_IsEmpty(string header) =>
        Assert.Empty(KeyVaultChallengePolicy.BearerParameters(header));
}
