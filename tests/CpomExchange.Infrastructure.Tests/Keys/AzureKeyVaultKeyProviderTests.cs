using System.Diagnostics;
using System.Security.Cryptography;
using Azure;
using Azure.Identity;
using CpomExchange.Infrastructure.Keys;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using Request = WireMock.RequestBuilders.Request;
using Response = WireMock.ResponseBuilders.Response;

using CpomExchange.Tests.Shared;

namespace CpomExchange.Infrastructure.Tests.Keys;

public sealed class AzureKeyVaultKeyProviderTests : IDisposable
{
    private readonly KeyVaultMock _vault = new();

    public void Dispose() => _vault.Dispose();

    /// <summary>Requests that carry a token, e.g. to count the attempts behind a fault.</summary>
    private static IRequestBuilder Authenticated(string path) =>
        Request.Create().WithPath(path).WithHeader("Authorization", "Bearer *");

    [Fact]
    public async Task Wrap_ThenUnwrap_ReturnsTheDataKey()
    {
        var provider = _vault.CreateProvider();
        var dataKey = RandomNumberGenerator.GetBytes(32);

        var wrapped = await provider.WrapAsync(dataKey);

        Assert.Equal(256, wrapped.Value.Length); // RSA 2048
        Assert.False(wrapped.Value.AsSpan().SequenceEqual(dataKey));
        Assert.Equal(dataKey, await provider.UnwrapAsync(wrapped));
    }

    [Fact]
    public async Task RotateKek_CreatesANewVersion_ThatBecomesCurrent_AndOldWrapsStillUnwrap()
    {
        var provider = _vault.CreateProvider();
        var dataKey = RandomNumberGenerator.GetBytes(32);
        var before = await provider.WrapAsync(dataKey);
        Assert.Equal(before.KeyId, await provider.CurrentKeyEncryptionKeyIdAsync());
        var rotated = await provider.RotateKeyEncryptionKeyAsync();
        Assert.NotEqual(before.KeyId, rotated);
        Assert.Equal(rotated, await provider.CurrentKeyEncryptionKeyIdAsync());
        Assert.Equal(rotated, (await provider.WrapAsync(dataKey)).KeyId);
        Assert.Equal(dataKey, await provider.UnwrapAsync(before));
    }

    [Fact]
    public async Task Wrap_StoresTheVersionedKeyId()
    {
        var provider = _vault.CreateProvider();

        var wrapped = await provider.WrapAsync(RandomNumberGenerator.GetBytes(32));

        Assert.Equal(_vault.KeyId(KeyVaultMock.KekName, _vault.LatestVersion(KeyVaultMock.KekName)), wrapped.KeyId);
    }

    [Fact]
    public async Task Unwrap_AfterRotation_UsesTheVersionTheKeyWasWrappedWith()
    {
        var provider = _vault.CreateProvider();
        var dataKey = RandomNumberGenerator.GetBytes(32);
        var before = _vault.LatestVersion(KeyVaultMock.KekName);
        var wrapped = await provider.WrapAsync(dataKey);

        var after = _vault.RotateKeyEncryptionKey();
        var unwrapped = await provider.UnwrapAsync(wrapped);
        var rewrapped = await provider.WrapAsync(dataKey);

        Assert.Equal(dataKey, unwrapped);
        Assert.Contains(_vault.Requests, r => r.Method == "POST" && r.Path == $"/keys/kek/{before}/unwrapkey" && r.Status == 200);
        Assert.Equal(_vault.KeyId(KeyVaultMock.KekName, after), rewrapped.KeyId);
        Assert.Equal(dataKey, await provider.UnwrapAsync(rewrapped));
    }

    [Fact]
    public async Task SignDigest_VerifiesWithThePublicKeyOfGetSigningKey()
    {
        var provider = _vault.CreateProvider();
        var digest = SHA256.HashData("checkpoint 42"u8);

        var (keyId, signature) = await provider.SignDigestAsync(digest);
        var signingKey = await provider.GetSigningKeyAsync();

        var version = _vault.LatestVersion(KeyVaultMock.SigningName);
        Assert.Equal(_vault.KeyId(KeyVaultMock.SigningName, version), keyId);
        Assert.Equal(keyId, signingKey.KeyId);
        Assert.Equal(64, signature.Length);
        using var publicKey = ECDsa.Create();
        publicKey.ImportSubjectPublicKeyInfo(signingKey.PublicKeySpki, out _);
        Assert.True(publicKey.VerifyHash(digest, signature, DSASignatureFormat.IeeeP1363FixedFieldConcatenation));
        digest[0] ^= 1;
        Assert.False(publicKey.VerifyHash(digest, signature, DSASignatureFormat.IeeeP1363FixedFieldConcatenation));
    }

    [Fact]
    public async Task FirstRequest_GoesWithoutTokenNorBody_ThenWithATokenForTheChallengedResource()
    {
        var credential = new FakeCredential(KeyVaultMock.ValidToken);
        var provider = _vault.CreateProvider(credential);

        await provider.WrapAsync(RandomNumberGenerator.GetBytes(32));
        await provider.SignDigestAsync(SHA256.HashData("x"u8));

        var requests = _vault.Requests;
        Assert.Collection(requests,
            first => Assert.Equal((null, "", 401), (first.Authorization, first.Body, first.Status)),
            resent =>
            {
                Assert.Equal(("/keys/kek/wrapkey", "Bearer " + KeyVaultMock.ValidToken, 200), (resent.Path, resent.Authorization, resent.Status));
                Assert.Contains("\"alg\":\"RSA-OAEP-256\"", resent.Body, StringComparison.Ordinal);
            },
            // The scope is known now: the next operation carries its token from the start.
            next => Assert.Equal(("/keys/signature/sign", "Bearer " + KeyVaultMock.ValidToken, 200), (next.Path, next.Authorization, next.Status)));
        var context = Assert.Single(credential.Requests.DistinctBy(c => (string.Join(' ', c.Scopes), c.TenantId)));
        Assert.Equal(["https://vault.azure.net/.default"], context.Scopes);
        Assert.Equal(KeyVaultMock.TenantId, context.TenantId);
    }

    [Fact]
    public async Task Challenge_ForAnotherResourceThanTheVaultHost_IsRefused()
    {
        // The mock is localhost, its challenge names vault.azure.net: with the check on, no token is asked for.
        var credential = new FakeCredential(KeyVaultMock.ValidToken);
        var provider = _vault.CreateProvider(credential, o => o.VerifyChallengeResource = true);

        var error = await Assert.ThrowsAsync<KeyProviderException>(() => provider.WrapAsync(RandomNumberGenerator.GetBytes(32)));

        Assert.Contains("autre ressource", error.Message, StringComparison.Ordinal);
        Assert.Empty(credential.Requests);
        // The one request made is the unauthenticated one that draws the challenge.
        var request = Assert.Single(_vault.Requests);
        Assert.Null(request.Authorization);
        Assert.Equal(401, request.Status);
    }

    [Fact]
    public async Task WrongToken_IsRefused()
    {
        var provider = _vault.CreateProvider(new FakeCredential("jeton-d-un-autre"));

        var error = await Assert.ThrowsAsync<KeyProviderException>(() => provider.GetSigningKeyAsync());

        Assert.Contains("HTTP 403", error.Message, StringComparison.Ordinal);
        Assert.Equal(403, Assert.IsType<RequestFailedException>(error.InnerException).Status);
    }

    [Fact]
    public async Task Challenge_AgainAfterAToken_IsRefused()
    {
        var provider = _vault.CreateProvider(new FakeCredential(KeyVaultMock.ExpiredToken));

        var error = await Assert.ThrowsAsync<KeyProviderException>(() => provider.SignDigestAsync(SHA256.HashData("x"u8)));

        Assert.Contains("HTTP 401", error.Message, StringComparison.Ordinal);
        Assert.Equal(1, _vault.Requests.Count(r => r.Authorization == "Bearer " + KeyVaultMock.ExpiredToken));
    }

    [Fact]
    public async Task TooManyRequests_WaitsForRetryAfter_ThenSucceeds()
    {
        _vault.Server.Given(Authenticated("/keys/kek/wrapkey"))
            .InScenario("quota").WillSetStateTo("levé")
            .AtPriority(1)
            .RespondWith(Response.Create().WithStatusCode(429).WithHeader("Retry-After", "1")
                .WithBodyAsJson(new { error = new { code = "Throttled", message = "Request was not processed because too many requests were received." } }));
        var provider = _vault.CreateProvider();
        var dataKey = RandomNumberGenerator.GetBytes(32);

        var clock = Stopwatch.StartNew();
        var wrapped = await provider.WrapAsync(dataKey);
        clock.Stop();

        Assert.Equal([429, 200], _vault.Requests.Where(r => r.Authorization is not null).Select(r => r.Status));
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(0.9), $"waited only {clock.Elapsed}");
        Assert.Equal(dataKey, await provider.UnwrapAsync(wrapped));
    }

    [Fact]
    public async Task ServerErrors_FailAfterMaxRetries()
    {
        _vault.Server.Given(Authenticated("/keys/kek/wrapkey"))
            .AtPriority(1)
            .RespondWith(Response.Create().WithStatusCode(500));
        var provider = _vault.CreateProvider(configure: o => o.MaxRetries = 2);
        var dataKey = RandomNumberGenerator.GetBytes(32);

        var error = await Assert.ThrowsAsync<KeyProviderException>(() => provider.WrapAsync(dataKey));

        Assert.StartsWith("Coffre de clés indisponible (HTTP 500) après 3 tentatives", error.Message, StringComparison.Ordinal);
        Assert.Equal(3, _vault.Requests.Count(r => r.Authorization is not null && r.Status == 500));
        Assert.DoesNotContain(System.Buffers.Text.Base64Url.EncodeToString(dataKey), error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SlowVault_FailsAfterTheOperationTimeout()
    {
        _vault.Server.Given(Authenticated("/keys/signature"))
            .AtPriority(1)
            .RespondWith(Response.Create().WithStatusCode(200).WithDelay(TimeSpan.FromSeconds(1.5)));
        var provider = _vault.CreateProvider(configure: o => o.OperationTimeout = TimeSpan.FromMilliseconds(400));

        var error = await Assert.ThrowsAsync<KeyProviderException>(() => provider.GetSigningKeyAsync());

        Assert.Equal("Coffre de clés injoignable : pas de réponse en 0,4 s.", error.Message);
    }

    [Fact]
    public async Task CallerCancellation_IsNotAFailureOfTheVault()
    {
        var provider = _vault.CreateProvider();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => provider.GetSigningKeyAsync(new CancellationToken(canceled: true)));
    }

    [Theory]
    [InlineData("{\"kid\": \"https://", "Réponse du coffre de clés illisible")]
    [InlineData("[]", "Réponse du coffre de clés invalide")]
    [InlineData("{}", "Réponse du coffre de clés invalide : « kid »")]
    [InlineData("{\"kid\": 7, \"value\": \"AAAA\"}", "Réponse du coffre de clés invalide : « kid »")]
    [InlineData("{\"kid\": \"{vault}/keys/kek/0123\", \"value\": \"pas du base64url!\"}", "Réponse du coffre de clés invalide : « value »")]
    [InlineData("{\"kid\": \"{vault}/keys/kek\", \"value\": \"AAAA\"}", "Le coffre de clés a renvoyé un identifiant de clé sans version")]
    [InlineData("{\"kid\": \"https://ailleurs.vault.azure.net/keys/kek/0123\", \"value\": \"AAAA\"}", "Le coffre de clés a renvoyé un identifiant de clé sans version ou d'un autre coffre")]
    public async Task MalformedResponse_Fails(string body, string expected)
    {
        _vault.Server.Given(Authenticated("/keys/kek/wrapkey"))
            .AtPriority(1)
            .RespondWith(Response.Create().WithStatusCode(200).WithHeader("Content-Type", "application/json")
                .WithBody(body.Replace("{vault}", _vault.Url, StringComparison.Ordinal)));
        var provider = _vault.CreateProvider();

        var error = await Assert.ThrowsAsync<KeyProviderException>(() => provider.WrapAsync(RandomNumberGenerator.GetBytes(32)));

        Assert.StartsWith(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MalformedResponseChunk_Fails()
    {
        _vault.Server.Given(Authenticated("/keys/signature/sign"))
            .AtPriority(1)
            .RespondWith(Response.Create().WithStatusCode(200).WithBody("{\"kid\":\"x\",\"value\":\"AAAA\"}")
                .WithFault(FaultType.MALFORMED_RESPONSE_CHUNK));
        var provider = _vault.CreateProvider();

        // WireMock answers 200 and cuts the body short: what arrives is not JSON.
        var error = await Assert.ThrowsAsync<KeyProviderException>(() => provider.SignDigestAsync(SHA256.HashData("x"u8)));

        Assert.StartsWith("Réponse du coffre de clés illisible", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConnectionReset_IsRetried_ThenFails()
    {
        _vault.DropConnections = true;
        var provider = _vault.CreateProvider(configure: o => o.MaxRetries = 2);

        var error = await Assert.ThrowsAsync<KeyProviderException>(() => provider.WrapAsync(RandomNumberGenerator.GetBytes(32)));

        Assert.StartsWith("Coffre de clés injoignable : ", error.Message, StringComparison.Ordinal);
        Assert.Equal(3, _vault.DroppedConnections);
    }

    [Fact]
    public async Task KeyNotFound_Fails()
    {
        var provider = _vault.CreateProvider(configure: o => o.SigningKeyName = "absente");

        var error = await Assert.ThrowsAsync<KeyProviderException>(() => provider.GetSigningKeyAsync());

        Assert.Equal("Clé « absente » introuvable dans le coffre de clés (HTTP 404 KeyNotFound).", error.Message);
        Assert.Equal("KeyNotFound", Assert.IsType<RequestFailedException>(error.InnerException).ErrorCode);
    }

    [Theory]
    [InlineData("local:kek-v1")]
    [InlineData("https://ailleurs.vault.azure.net/keys/kek/0123")]
    [InlineData("{vault}/keys/kek")]
    [InlineData("{vault}/keys/kek/0123/../../secrets/x")]
    public async Task Unwrap_OfAKeyIdNotVersionedInThisVault_IsRefusedWithoutAsking(string keyId)
    {
        var provider = _vault.CreateProvider();

        var error = await Assert.ThrowsAsync<KeyProviderException>(() =>
            provider.UnwrapAsync(new WrappedKey(keyId.Replace("{vault}", _vault.Url, StringComparison.Ordinal), new byte[256])));

        Assert.StartsWith("Clé « ", error.Message, StringComparison.Ordinal);
        Assert.Empty(_vault.Requests);
    }

    [Fact]
    public async Task VaultDownThenUp_TheSameProviderRecovers()
    {
        // Down for the three attempts of the first operation, then up again for good.
        _vault.Server.Given(Authenticated("/keys/*"))
            .InScenario("panne").WillSetStateTo("rétabli", 3)
            .AtPriority(1)
            .RespondWith(Response.Create().WithStatusCode(503));
        _vault.Server.Given(Request.Create().WithPath("/keys/*"))
            .InScenario("panne").WhenStateIs("rétabli").WillSetStateTo("rétabli") // a mapping without a next state ends the scenario
            .AtPriority(1)
            .RespondWith(Response.Create().WithCallback(_vault.Respond));
        var provider = _vault.CreateProvider(configure: o => o.MaxRetries = 2);
        var dataKey = RandomNumberGenerator.GetBytes(32);

        var error = await Assert.ThrowsAsync<KeyProviderException>(() => provider.WrapAsync(dataKey));
        var wrapped = await provider.WrapAsync(dataKey);

        Assert.Contains("HTTP 503", error.Message, StringComparison.Ordinal);
        Assert.Equal(dataKey, await provider.UnwrapAsync(wrapped));
    }

    [Theory]
    [InlineData("http://localhost:8200/", "kek", "10")]
    [InlineData("https://cpom.vault.azure.net/", "kek/1", "10")]
    [InlineData("https://cpom.vault.azure.net/", "", "10")]
    [InlineData("https://cpom.vault.azure.net/", "kek", "0")]
    public void Options_Invalid_AreRefused(string vault, string kekName, string timeoutSeconds)
    {
        var options = new AzureKeyVaultOptions
        {
            VaultUri = new Uri(vault),
            KeyEncryptionKeyName = kekName,
            SigningKeyName = "signature",
            OperationTimeout = TimeSpan.FromSeconds(int.Parse(timeoutSeconds, System.Globalization.CultureInfo.InvariantCulture)),
        };

        Assert.Throws<ArgumentException>(() => new AzureKeyVaultKeyProvider(options, new FakeCredential("x")));
    }

    [Fact]
    public void CreateCredential_IsTheApplicationCertificate_WhenGiven_ElseTheDefaultChain()
    {
        Assert.IsType<ClientCertificateCredential>(AzureKeyVaultKeyProvider.CreateCredential("tenant", "client", "/etc/cpom/entra.pem"));
        Assert.IsType<DefaultAzureCredential>(AzureKeyVaultKeyProvider.CreateCredential(null, null, null));
        Assert.Throws<ArgumentException>(() => AzureKeyVaultKeyProvider.CreateCredential(null, null, "/etc/cpom/entra.pem"));
    }
}
