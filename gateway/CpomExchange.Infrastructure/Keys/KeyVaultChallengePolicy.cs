using System.Text.RegularExpressions;
using Azure.Core;
using Azure.Core.Pipeline;

namespace CpomExchange.Infrastructure.Keys;

/// <summary>
/// Key Vault's bearer challenge, as its SDK does it (<c>ChallengeBasedAuthenticationPolicy</c>): the
/// first request goes without a token and without its body; the vault answers 401 with
/// <c>WWW-Authenticate: Bearer authorization="https://login.windows.net/{tenant}",
/// resource="https://vault.azure.net"</c>; the request is resent with its body and a token for
/// <c>{resource}/.default</c>. The scope and tenant are then kept for the next requests, which
/// carry a token from the start.
/// </summary>
internal sealed partial class KeyVaultChallengePolicy(TokenCredential credential, bool verifyChallengeResource)
    : BearerTokenAuthenticationPolicy(credential, Array.Empty<string>())
{
    private const string StashedContent = "cpom.keyvault.content";
    private Challenge? _challenge;

    private sealed record Challenge(string[] Scopes, string? TenantId);

    /// <inheritdoc />
    protected override ValueTask AuthorizeRequestAsync(HttpMessage message)
    {
        if (Volatile.Read(ref _challenge) is { } challenge)
        {
            return AuthenticateAndAuthorizeRequestAsync(message, Context(message, challenge));
        }
        // Until the vault said who it is, send it nothing: neither a token nor the key material.
        if (message.Request.Content is { } content)
        {
            message.SetProperty(StashedContent, content);
            message.Request.Content = null;
        }
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    protected override async ValueTask<bool> AuthorizeRequestOnChallengeAsync(HttpMessage message)
    {
        if (message.Request.Content is null && message.TryGetProperty(StashedContent, out var stashed))
        {
            message.Request.Content = (RequestContent?)stashed;
        }
        var parameters = message.Response.Headers.TryGetValue(HttpHeader.Names.WwwAuthenticate, out var header)
            ? BearerParameters(header)
            : [];
        var scope = parameters.TryGetValue("resource", out var resource) ? resource.TrimEnd('/') + "/.default"
            : parameters.GetValueOrDefault("scope");
        if (string.IsNullOrEmpty(scope))
        {
            return false;
        }
        if (verifyChallengeResource && !IsVaultOf(message.Request.Uri.Host ?? "", scope))
        {
            // A vault that asks for a token for another resource could be anyone: give it none.
            throw new KeyProviderException(
                $"Le coffre de clés {message.Request.Uri.Host} demande un jeton pour une autre ressource ({scope}) : refusé.");
        }
        string? tenantId = null;
        if (parameters.TryGetValue("authorization", out var authority) || parameters.TryGetValue("authorization_uri", out authority))
        {
            tenantId = Uri.TryCreate(authority, UriKind.Absolute, out var authorityUri) && authorityUri.Segments.Length > 1
                ? authorityUri.Segments[1].TrimEnd('/')
                : null;
        }
        var challenge = new Challenge([scope], tenantId);
        Volatile.Write(ref _challenge, challenge);
        await AuthenticateAndAuthorizeRequestAsync(message, Context(message, challenge));
        return true;
    }

    // The provider only sends asynchronously; the base class's synchronous path knows no scope.
    /// <inheritdoc />
    protected override void AuthorizeRequest(HttpMessage message) => throw new NotSupportedException();

    /// <inheritdoc />
    protected override bool AuthorizeRequestOnChallenge(HttpMessage message) => throw new NotSupportedException();

    /// <summary>Whether <paramref name="host"/> is the resource's host or one of its subdomains (myvault.vault.azure.net).</summary>
    private static bool IsVaultOf(string host, string scope) =>
        Uri.TryCreate(scope, UriKind.Absolute, out var resource)
        && (host.Equals(resource.Host, StringComparison.OrdinalIgnoreCase)
            || host.EndsWith("." + resource.Host, StringComparison.OrdinalIgnoreCase));

    private static TokenRequestContext Context(HttpMessage message, Challenge challenge) =>
        new(challenge.Scopes, parentRequestId: message.Request.ClientRequestId, claims: null, tenantId: challenge.TenantId);

    /// <summary>The parameters of the <c>Bearer</c> challenge of a <c>WWW-Authenticate</c> header (RFC 9110 §11.6.1).</summary>
    internal static Dictionary<string, string> BearerParameters(string header)
    {
        var parameters = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        string? scheme = null;
        for (var match = ChallengeParameter().Match(header); match.Success; match = match.NextMatch())
        {
            if (match.Groups["scheme"].Success)
            {
                scheme = match.Groups["scheme"].Value;
            }
            if (string.Equals(scheme, "Bearer", StringComparison.OrdinalIgnoreCase))
            {
                parameters.TryAdd(match.Groups["key"].Value, match.Groups["value"].Value);
            }
        }
        return parameters;
    }

    [GeneratedRegex("""\G(?:\s*,)?\s*(?:(?<scheme>[\w-]+)\s+)?(?<key>[\w-]+)\s*=\s*"(?<value>[^"]*)"\s*""")]
    private static partial Regex ChallengeParameter();
}
