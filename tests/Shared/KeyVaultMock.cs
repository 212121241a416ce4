using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using Azure.Core;
using Azure.Core.Pipeline;
using CpomExchange.Infrastructure.Keys;
using Microsoft.AspNetCore.Builder;
using WireMock;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;
using WireMock.Settings;
using WireMock.Types;
using WireMock.Util;
using Request = WireMock.RequestBuilders.Request;
using Response = WireMock.ResponseBuilders.Response;

namespace CpomExchange.Tests.Shared;

/// <summary>
/// An Azure Key Vault speaking the keys REST API 7.5 over HTTPS (WireMock.Net, a certificate made
/// for the run), with real keys: an RSA 2048 key-encryption key "kek" with versions, an EC P-256
/// signing key "signature". It challenges requests without a token (401 and the vault's
/// <c>WWW-Authenticate</c>), refuses a wrong token (403) and an expired one (401). Tests add
/// their faults as mappings of higher priority on <see cref="Server"/>.
/// </summary>
public sealed class KeyVaultMock : IDisposable
{
    public const string ValidToken = "jeton-valide";
    public const string ExpiredToken = "jeton-expire";
    public const string KekName = "kek";
    public const string SigningName = "signature";
    public const string Resource = "https://vault.azure.net";
    public const string TenantId = "4f8c2a9e-0d1b-4c7e-9a35-6b2d8e1f7c40";

    private static readonly Lazy<X509Certificate2> Certificate = new(CreateCertificate);
    private readonly Lock _lock = new();
    private readonly Dictionary<string, List<(string Version, AsymmetricAlgorithm Key)>> _keys = new(StringComparer.Ordinal);
    private int _dropped;

    public KeyVaultMock()
    {
        AddVersion(KekName, RSA.Create(2048));
        AddVersion(SigningName, ECDsa.Create(ECCurve.NamedCurves.nistP256));
        Server = WireMockServer.Start(new WireMockServerSettings
        {
            UseSSL = true,
            CertificateSettings = new WireMockCertificateSettings { X509Certificate = Certificate.Value },
            PreWireMockMiddlewareInit = app => ((IApplicationBuilder)app).Use(async (context, next) =>
            {
                // A connection reset, which WireMock has no fault for: abort before answering.
                if (DropConnections && context.Request.Headers.ContainsKey("Authorization"))
                {
                    Interlocked.Increment(ref _dropped);
                    context.Abort();
                    return;
                }
                await next();
            }),
        });
        Server.Given(Request.Create().WithPath("/keys/*"))
            .AtPriority(100)
            .RespondWith(Response.Create().WithCallback(Respond));
        Url = Server.Url!.TrimEnd('/');
        Transport = new HttpClientTransport(TrustingHandler());
        WarmUp();
    }

    /// <summary>A handler that trusts exactly the certificate made for this run, nothing else.</summary>
    private static SocketsHttpHandler TrustingHandler() => new()
    {
        SslOptions = { RemoteCertificateValidationCallback = (_, certificate, _, _) =>
            certificate is not null
            && certificate.GetCertHashString(HashAlgorithmName.SHA256) == Certificate.Value.GetCertHashString(HashAlgorithmName.SHA256) },
    };

    /// <summary>
    /// The vault's first answer, given before any test asks, with no time limit: the first request a
    /// WireMock.Net server of the process receives makes it look for its optional plug-ins (building
    /// the request, it loads every DLL of the test folder and reads all their types), which takes
    /// seconds on a loaded machine. Without this, that one-time cost fell inside the first call of the
    /// gateway under test, whose limit is 2 s for the fault tests, and failed its start. The request
    /// is then forgotten, so that <see cref="Requests"/> holds only what the tests sent.
    /// </summary>
    private void WarmUp()
    {
        using var client = new HttpClient(TrustingHandler()) { Timeout = TimeSpan.FromMinutes(2) };
        using var request = new HttpRequestMessage(HttpMethod.Get, $"{Url}/keys/{KekName}?api-version=7.5");
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", ValidToken);
        using var response = client.Send(request);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new InvalidOperationException($"The Key Vault mock answered its warm-up with {(int)response.StatusCode}.");
        }
        Server.ResetLogEntries();
    }

    public WireMockServer Server { get; }

    /// <summary>The vault's base address, e.g. <c>https://localhost:41234</c>.</summary>
    public string Url { get; }

    public HttpClientTransport Transport { get; }

    /// <summary>When set, every request carrying a token has its connection aborted.</summary>
    public bool DropConnections { get; set; }

    public int DroppedConnections => Volatile.Read(ref _dropped);

    /// <summary>Options for this vault, with short back-off delays; the resource check is off (the host is localhost).</summary>
    public AzureKeyVaultOptions Options(Action<AzureKeyVaultOptions>? configure = null)
    {
        var options = new AzureKeyVaultOptions
        {
            VaultUri = new Uri(Url),
            KeyEncryptionKeyName = KekName,
            SigningKeyName = SigningName,
            MaxRetries = 2,
            RetryDelay = TimeSpan.FromMilliseconds(20),
            MaxRetryDelay = TimeSpan.FromMilliseconds(200),
            VerifyChallengeResource = false,
        };
        configure?.Invoke(options);
        return options;
    }

    public AzureKeyVaultKeyProvider CreateProvider(FakeCredential? credential = null, Action<AzureKeyVaultOptions>? configure = null) =>
        new(Options(configure), credential ?? new FakeCredential(ValidToken), Transport);

    /// <summary>The current (latest) version of a key.</summary>
    public string LatestVersion(string name)
    {
        lock (_lock)
        {
            return _keys[name][^1].Version;
        }
    }

    public string KeyId(string name, string version) => $"{Url}/keys/{name}/{version}";

    /// <summary>Rotates the key-encryption key: a new RSA key becomes the latest version.</summary>
    public string RotateKeyEncryptionKey() => AddVersion(KekName, RSA.Create(2048));

    /// <summary>What the vault received, in order.</summary>
    public IReadOnlyList<Seen> Requests =>
        [.. Server.LogEntries
            .Where(e => e.RequestMessage is not null && e.ResponseMessage is not null)
            .OrderBy(e => e.RequestMessage!.DateTime)
            .Select(e => new Seen(
                e.RequestMessage!.Method,
                e.RequestMessage.Path,
                Header(e.RequestMessage, "Authorization"),
                e.RequestMessage.Body ?? "",
                Convert.ToInt32(e.ResponseMessage!.StatusCode, CultureInfo.InvariantCulture)))];

    /// <summary>One request and the status it got.</summary>
    public sealed record Seen(string Method, string Path, string? Authorization, string Body, int Status);

    private string AddVersion(string name, AsymmetricAlgorithm key)
    {
        // The platform makes a key's material at its first use (an RSA 2048 key: a fraction of a
        // second, more on a loaded machine), which would be inside a bounded call of a test: made now,
        // as a vault's key exists before anyone uses it.
        _ = key.ExportSubjectPublicKeyInfo();
        var version = Guid.NewGuid().ToString("N");
        lock (_lock)
        {
            if (!_keys.TryGetValue(name, out var versions))
            {
                _keys[name] = versions = [];
            }
            versions.Add((version, key));
        }
        return version;
    }

    /// <summary>Answers as the vault does; for tests' own mappings (e.g. the vault back up after an outage).</summary>
    public IResponseMessage Respond(IRequestMessage request)
    {
        var authorization = Header(request, "Authorization");
        if (authorization is null || authorization == "Bearer " + ExpiredToken)
        {
            var challenge = Json(401, Error("Unauthorized", "AKV10000: Request is missing a Bearer or PoP token."));
            challenge.AddHeader("WWW-Authenticate", $"Bearer authorization=\"https://login.windows.net/{TenantId}\", resource=\"{Resource}\"");
            return challenge;
        }
        if (authorization != "Bearer " + ValidToken)
        {
            return Json(403, Error("Forbidden", "Caller is not authorized to perform action on resource."));
        }
        if (request.GetParameter("api-version", true) is not ["7.5"])
        {
            return Json(400, Error("BadParameter", "The specified version is not supported."));
        }
        // /keys/{name}[/{version}][/{operation}]
        var segments = request.Path.Trim('/').Split('/');
        var (name, version, operation) = (request.Method, segments) switch
        {
            ("GET", [_, var n]) => (n, null, null),
            ("GET", [_, var n, var v]) => (n, v, null),
            ("POST", [_, var n, var op]) => (n, null, op),
            ("POST", [_, var n, var v, var op]) => (n, v, op),
            _ => (segments[^1], null, "?"),
        };
        if (operation == "rotate" && name == KekName)
        {
            RotateKeyEncryptionKey();
        }
        (string Version, AsymmetricAlgorithm Key) key;
        lock (_lock)
        {
            var found = _keys.TryGetValue(name, out var versions)
                ? version is null ? versions[^1] : versions.FirstOrDefault(k => k.Version == version)
                : default;
            if (found.Key is null)
            {
                return Json(404, Error("KeyNotFound", $"A key with (name/id) {name}/{version} was not found in this key vault."));
            }
            key = found;
        }
        var kid = KeyId(name, key.Version);
        if (operation is null or "rotate")
        {
            return Json(200, new { key = Jwk(kid, key.Key), attributes = new { enabled = true } });
        }
        using var body = JsonDocument.Parse(request.Body ?? "{}");
        var alg = body.RootElement.GetProperty("alg").GetString();
        var value = Base64Url(body.RootElement.GetProperty("value").GetString()!);
        try
        {
            byte[] result = (operation, key.Key, alg) switch
            {
                ("wrapkey", RSA rsa, "RSA-OAEP-256") => rsa.Encrypt(value, RSAEncryptionPadding.OaepSHA256),
                ("unwrapkey", RSA rsa, "RSA-OAEP-256") => rsa.Decrypt(value, RSAEncryptionPadding.OaepSHA256),
                ("sign", ECDsa ecdsa, "ES256") when value.Length == 32 => ecdsa.SignHash(value, DSASignatureFormat.IeeeP1363FixedFieldConcatenation),
                _ => throw new CryptographicException("operation not supported"),
            };
            return Json(200, new { kid, value = System.Buffers.Text.Base64Url.EncodeToString(result) });
        }
        catch (CryptographicException e)
        {
            return Json(400, Error("BadParameter", e.Message));
        }
    }

    private static object Jwk(string kid, AsymmetricAlgorithm key)
    {
        if (key is RSA rsa)
        {
            var p = rsa.ExportParameters(false);
            return new { kid, kty = "RSA", key_ops = new[] { "wrapKey", "unwrapKey" }, n = B64(p.Modulus!), e = B64(p.Exponent!) };
        }
        var q = ((ECDsa)key).ExportParameters(false).Q;
        return new { kid, kty = "EC", key_ops = new[] { "sign", "verify" }, crv = "P-256", x = B64(q.X!), y = B64(q.Y!) };
    }

    private static object Error(string code, string message) => new { error = new { code, message } };

    private static ResponseMessage Json(int status, object body)
    {
        var response = new ResponseMessage
        {
            StatusCode = status,
            BodyData = new BodyData
            {
                BodyAsString = JsonSerializer.Serialize(body),
                DetectedBodyType = BodyType.String,
                Encoding = Encoding.UTF8,
            },
        };
        response.AddHeader("Content-Type", "application/json; charset=utf-8");
        return response;
    }

    private static string? Header(IRequestMessage request, string name) =>
        request.Headers?.FirstOrDefault(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase)).Value?.FirstOrDefault();

    private static string B64(byte[] bytes) => System.Buffers.Text.Base64Url.EncodeToString(bytes);

    private static byte[] Base64Url(string text) => System.Buffers.Text.Base64Url.DecodeFromChars(text);

    private static X509Certificate2 CreateCertificate()
    {
        // RSA: WireMock logs its settings with Newtonsoft.Json, which reads X509Certificate2.PrivateKey,
        // a property that throws for an EC key.
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pfx), password: null);
    }

    public void Dispose()
    {
        Server.Stop();
        Server.Dispose();
        Transport.Dispose();
        lock (_lock)
        {
            foreach (var (_, key) in _keys.Values.SelectMany(v => v))
            {
                key.Dispose();
            }
        }
    }
}

/// <summary>A credential that hands out a fixed token and remembers what it was asked for.</summary>
public sealed class FakeCredential(string token) : TokenCredential
{
    private readonly List<TokenRequestContext> _requests = [];

    public IReadOnlyList<TokenRequestContext> Requests
    {
        get
        {
            lock (_requests)
            {
                return [.. _requests];
            }
        }
    }

    public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken)
    {
        lock (_requests)
        {
            _requests.Add(requestContext);
        }
        return new AccessToken(token, DateTimeOffset.UtcNow.AddHours(1));
    }

    public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
        ValueTask.FromResult(GetToken(requestContext, cancellationToken));
}
