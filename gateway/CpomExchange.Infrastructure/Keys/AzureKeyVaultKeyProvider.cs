using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Identity;

namespace CpomExchange.Infrastructure.Keys;

/// <summary>
/// The key provider of production: the key-encryption key (RSA, RSA-OAEP-256) and the signing key
/// (EC P-256, ES256) stay in Azure Key Vault, reached through its keys REST API (version 7.5) over
/// an Azure.Core pipeline: bearer challenge authentication, retries with exponential back-off
/// honouring <c>Retry-After</c>, and a time limit per operation. Every failure is a
/// <see cref="KeyProviderException"/>; no key material is ever put in a message.
/// </summary>
public sealed partial class AzureKeyVaultKeyProvider : IKeyProvider
{
    private const string ApiVersion = "7.5";
    private static readonly CultureInfo French = CultureInfo.GetCultureInfo("fr-FR");
    private readonly AzureKeyVaultOptions _options;
    private readonly Uri _vault;
    private readonly HttpPipeline _pipeline;

    /// <summary>
    /// A provider for the vault and keys of <paramref name="options"/>, authenticated by
    /// <paramref name="credential"/> (see <see cref="CreateCredential"/>). <paramref name="transport"/>
    /// replaces the shared HTTP client, e.g. to trust a test server's certificate.
    /// </summary>
    public AzureKeyVaultKeyProvider(AzureKeyVaultOptions options, TokenCredential credential, HttpPipelineTransport? transport = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(credential);
        if (options.VaultUri is not { IsAbsoluteUri: true } vault || vault.Scheme != Uri.UriSchemeHttps)
        {
            throw new ArgumentException("L'adresse du coffre de clés doit être une URL absolue en https.", nameof(options));
        }
        if (!KeyName().IsMatch(options.KeyEncryptionKeyName) || !KeyName().IsMatch(options.SigningKeyName))
        {
            throw new ArgumentException("Les noms des clés du coffre ne contiennent que des lettres, des chiffres et des tirets.", nameof(options));
        }
        if (options.OperationTimeout <= TimeSpan.Zero || options.MaxRetries < 0 || options.RetryDelay < TimeSpan.Zero || options.MaxRetryDelay < options.RetryDelay)
        {
            throw new ArgumentException("Délai d'opération, nombre de tentatives ou délais d'attente du coffre de clés invalides.", nameof(options));
        }
        _options = options;
        _vault = new Uri(vault.AbsoluteUri.TrimEnd('/') + "/");
        var clientOptions = new KeyVaultClientOptions();
        clientOptions.Retry.Mode = RetryMode.Exponential;
        clientOptions.Retry.MaxRetries = options.MaxRetries;
        clientOptions.Retry.Delay = options.RetryDelay;
        clientOptions.Retry.MaxDelay = options.MaxRetryDelay;
        clientOptions.Retry.NetworkTimeout = options.OperationTimeout;
        if (transport is not null)
        {
            clientOptions.Transport = transport;
        }
        _pipeline = HttpPipelineBuilder.Build(clientOptions, new KeyVaultChallengePolicy(credential, options.VerifyChallengeResource));
    }

    /// <summary>
    /// The gateway's credential in production: the certificate of an application registration
    /// (<paramref name="certificatePath"/>, PEM or PFX, with <paramref name="tenantId"/> and
    /// <paramref name="clientId"/>) when given, else <see cref="DefaultAzureCredential"/> (managed
    /// identity, environment, ...), restricted to <paramref name="tenantId"/> and
    /// <paramref name="clientId"/> when given.
    /// </summary>
    public static TokenCredential CreateCredential(string? tenantId, string? clientId, string? certificatePath)
    {
        if (!string.IsNullOrEmpty(certificatePath))
        {
            if (string.IsNullOrEmpty(tenantId) || string.IsNullOrEmpty(clientId))
            {
                throw new ArgumentException("Un certificat d'application Entra ID demande aussi le tenant et l'identifiant d'application.", nameof(certificatePath));
            }
            return new ClientCertificateCredential(tenantId, clientId, certificatePath);
        }
        var options = new DefaultAzureCredentialOptions();
        if (!string.IsNullOrEmpty(tenantId))
        {
            options.TenantId = tenantId;
        }
        if (!string.IsNullOrEmpty(clientId))
        {
            options.ManagedIdentityClientId = clientId;
            options.WorkloadIdentityClientId = clientId;
        }
        return new DefaultAzureCredential(options);
    }

    /// <inheritdoc />
    public async Task<WrappedKey> WrapAsync(ReadOnlyMemory<byte> dataKey, CancellationToken cancellationToken = default)
    {
        // Without a version the vault wraps with the latest one and says which in "kid": that
        // versioned id is what unwrapping must use, even after the key has been rotated.
        var name = _options.KeyEncryptionKeyName;
        return await SendAsync(RequestMethod.Post, $"keys/{name}/wrapkey", Body("RSA-OAEP-256", dataKey.Span), name,
            json => new WrappedKey(VersionedKeyId(Text(json, "kid")), Bytes(json, "value")), cancellationToken);
    }

    /// <inheritdoc />
    public async Task<string> CurrentKeyEncryptionKeyIdAsync(CancellationToken cancellationToken = default)
    {
        var name = _options.KeyEncryptionKeyName;
        return await SendAsync(RequestMethod.Get, $"keys/{name}", body: null, name,
            json => VersionedKeyId(Text(json.TryGetProperty("key", out var jwk) ? jwk : throw Malformed("key"), "kid")), cancellationToken);
    }

    /// <inheritdoc />
    public async Task<string> RotateKeyEncryptionKeyAsync(CancellationToken cancellationToken = default)
    {
        // Key Vault's rotate operation creates a new version of the key and returns it.
        var name = _options.KeyEncryptionKeyName;
        return await SendAsync(RequestMethod.Post, $"keys/{name}/rotate", Array.Empty<byte>(), name,
            json => VersionedKeyId(Text(json.TryGetProperty("key", out var jwk) ? jwk : throw Malformed("key"), "kid")), cancellationToken);
    }

    /// <inheritdoc />
    public async Task<byte[]> UnwrapAsync(WrappedKey wrapped, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(wrapped);
        var (name, version) = ParseKeyId(wrapped.KeyId)
            ?? throw new KeyProviderException($"Clé « {wrapped.KeyId} » inconnue du coffre de clés {_vault.Host}.");
        return await SendAsync(RequestMethod.Post, $"keys/{name}/{version}/unwrapkey", Body("RSA-OAEP-256", wrapped.Value), name,
            json => Bytes(json, "value"), cancellationToken);
    }

    /// <inheritdoc />
    public async Task<(string KeyId, byte[] Signature)> SignDigestAsync(byte[] digest, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(digest);
        if (digest.Length != SHA256.HashSizeInBytes)
        {
            throw new ArgumentException("ES256 signe une empreinte SHA-256 de 32 octets.", nameof(digest));
        }
        var name = _options.SigningKeyName;
        return await SendAsync(RequestMethod.Post, $"keys/{name}/sign", Body("ES256", digest), name, json =>
        {
            var signature = Bytes(json, "value");
            return signature.Length == 64
                ? (VersionedKeyId(Text(json, "kid")), signature)
                : throw Malformed("value");
        }, cancellationToken);
    }

    /// <inheritdoc />
    public async Task<SigningKey> GetSigningKeyAsync(CancellationToken cancellationToken = default)
    {
        var name = _options.SigningKeyName;
        return await SendAsync(RequestMethod.Get, $"keys/{name}", body: null, name, json =>
        {
            var key = json.TryGetProperty("key", out var jwk) ? jwk : throw Malformed("key");
            if (Text(key, "kty") is not ("EC" or "EC-HSM") || Text(key, "crv") != "P-256")
            {
                throw new KeyProviderException($"La clé de signature « {name} » n'est pas une clé EC P-256.");
            }
            try
            {
                using var ecdsa = ECDsa.Create(new ECParameters
                {
                    Curve = ECCurve.NamedCurves.nistP256,
                    Q = new ECPoint { X = Bytes(key, "x"), Y = Bytes(key, "y") },
                });
                return new SigningKey(VersionedKeyId(Text(key, "kid")), ecdsa.ExportSubjectPublicKeyInfo());
            }
            catch (CryptographicException e)
            {
                throw new KeyProviderException($"La clé publique de signature « {name} » renvoyée par le coffre est invalide.", e);
            }
        }, cancellationToken);
    }

    private async Task<T> SendAsync<T>(RequestMethod method, string path, byte[]? body, string keyName, Func<JsonElement, T> read, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.OperationTimeout);
        try
        {
            using var message = _pipeline.CreateMessage();
            message.Request.Method = method;
            message.Request.Uri.Reset(new Uri(_vault, path));
            message.Request.Uri.AppendQuery("api-version", ApiVersion);
            message.Request.Headers.Add(HttpHeader.Common.JsonAccept);
            if (body is not null)
            {
                message.Request.Headers.Add(HttpHeader.Common.JsonContentType);
                message.Request.Content = RequestContent.Create(body);
            }
            await _pipeline.SendAsync(message, timeout.Token);
            if (message.Response.IsError)
            {
                throw new RequestFailedException(message.Response);
            }
            using var json = JsonDocument.Parse(message.Response.Content.ToMemory());
            return json.RootElement.ValueKind == JsonValueKind.Object ? read(json.RootElement) : throw Malformed("{}");
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (KeyProviderException)
        {
            throw;
        }
        catch (Exception e) when (timeout.IsCancellationRequested)
        {
            throw new KeyProviderException(
                $"Coffre de clés injoignable : pas de réponse en {_options.OperationTimeout.TotalSeconds.ToString("0.###", French)} s.", e);
        }
        catch (RequestFailedException e) when (e.Status != 0)
        {
            // e.Message quotes the response: only its status and error code are repeated here.
            throw e.Status switch
            {
                401 => new KeyProviderException("Le coffre de clés a refusé le jeton d'accès de la passerelle (HTTP 401).", e),
                403 => new KeyProviderException($"Le coffre de clés refuse à la passerelle l'accès à la clé « {keyName} » (HTTP 403 {e.ErrorCode}).", e),
                404 => new KeyProviderException($"Clé « {keyName} » introuvable dans le coffre de clés (HTTP 404 {e.ErrorCode}).", e),
                408 or 429 or >= 500 => new KeyProviderException(
                    $"Coffre de clés indisponible (HTTP {e.Status}) après {_options.MaxRetries + 1} tentatives.", e),
                _ => new KeyProviderException($"Le coffre de clés a refusé l'opération sur la clé « {keyName} » (HTTP {e.Status} {e.ErrorCode}).", e),
            };
        }
        catch (JsonException e)
        {
            throw new KeyProviderException("Réponse du coffre de clés illisible (JSON invalide).", e);
        }
        catch (AuthenticationFailedException e)
        {
            throw new KeyProviderException("Jeton d'accès au coffre de clés impossible à obtenir : " + e.Message, e);
        }
        catch (Exception e)
        {
            // Network failures, after the retries: an AggregateException of every attempt's error.
            var last = e is AggregateException { InnerExceptions.Count: > 0 } all ? all.InnerExceptions[^1] : e;
            throw new KeyProviderException("Coffre de clés injoignable : " + last.GetBaseException().Message, e);
        }
        finally
        {
            if (body is not null)
            {
                CryptographicOperations.ZeroMemory(body);
            }
        }
    }

    /// <summary><c>{"alg":"...","value":"base64url"}</c>, written without an intermediate string of the key material.</summary>
    private static byte[] Body(string algorithm, ReadOnlySpan<byte> value)
    {
        ReadOnlySpan<byte> open = "{\"alg\":\""u8, middle = "\",\"value\":\""u8, close = "\"}"u8;
        var alg = System.Text.Encoding.ASCII.GetBytes(algorithm);
        var body = new byte[open.Length + alg.Length + middle.Length + Base64Url.GetEncodedLength(value.Length) + close.Length];
        var span = body.AsSpan();
        open.CopyTo(span);
        span = span[open.Length..];
        alg.CopyTo(span);
        span = span[alg.Length..];
        middle.CopyTo(span);
        span = span[middle.Length..];
        span = span[Base64Url.EncodeToUtf8(value, span)..];
        close.CopyTo(span);
        return body;
    }

    /// <summary>
    /// The name and version of a versioned key id of this vault (<c>{vault}/keys/{name}/{version}</c>),
    /// else null. Read as written, not normalised (no <c>..</c>): a key id comes from a stored
    /// payload header, and a token is sent to where it points.
    /// </summary>
    private (string Name, string Version)? ParseKeyId(string keyId)
    {
        var prefix = _vault.AbsoluteUri + "keys/";
        return keyId.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)
               && keyId[prefix.Length..].Split('/') is [var name, var version]
               && KeyName().IsMatch(name) && KeyName().IsMatch(version)
            ? (name, version)
            : null;
    }

    private string VersionedKeyId(string keyId) =>
        ParseKeyId(keyId) is not null ? keyId : throw new KeyProviderException($"Le coffre de clés a renvoyé un identifiant de clé sans version ou d'un autre coffre : « {keyId} ».");

    private static string Text(JsonElement json, string name) =>
        json.ValueKind == JsonValueKind.Object && json.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()!
            : throw Malformed(name);

    private static byte[] Bytes(JsonElement json, string name)
    {
        try
        {
            return Base64Url.DecodeFromChars(Text(json, name));
        }
        catch (FormatException e)
        {
            throw new KeyProviderException($"Réponse du coffre de clés invalide : « {name} » n'est pas du base64url.", e);
        }
    }

    private static KeyProviderException Malformed(string name) => new($"Réponse du coffre de clés invalide : « {name} » absent ou mal formé.");

    [GeneratedRegex("^[0-9A-Za-z-]{1,127}$")]
    private static partial Regex KeyName();

    private sealed class KeyVaultClientOptions : ClientOptions;
}
