using System.Security.Claims;

namespace CpomExchange.Gateway.Authentication;

/// <summary>The authenticated agent, read from the principal the certificate handler built.</summary>
internal sealed record Caller(string AgentId, string DisplayName, string? Organisation, IReadOnlyList<string> Roles, string Fingerprint)
{
    public static Caller From(ClaimsPrincipal user) => new(
        user.FindFirstValue(ClaimTypes.NameIdentifier) ?? throw new InvalidOperationException("Unauthenticated."),
        user.FindFirstValue(ClaimTypes.Name) ?? string.Empty,
        user.FindFirstValue(CertificateAuthenticationHandler.OrganisationClaim),
        user.FindAll(ClaimTypes.Role).Select(c => c.Value).ToList(),
        user.FindFirstValue(CertificateAuthenticationHandler.FingerprintClaim) ?? string.Empty);
}
