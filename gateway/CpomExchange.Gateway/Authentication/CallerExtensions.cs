using System.Security.Claims;

namespace CpomExchange.Gateway.Authentication;

/// <summary>The authenticated agent, read from the principal the directory binding built (<see cref="AgentBinding"/>).</summary>
internal sealed record Caller(string AgentId, string DisplayName, string? Organisation, IReadOnlyList<string> Roles, string Fingerprint)
{
    public static Caller From(ClaimsPrincipal user) => new(
        user.FindFirstValue(ClaimTypes.NameIdentifier) ?? throw new InvalidOperationException("Unauthenticated."),
        user.FindFirstValue(ClaimTypes.Name) ?? string.Empty,
        user.FindFirstValue(CpomClaims.Organisation),
        user.FindAll(ClaimTypes.Role).Select(c => c.Value).ToList(),
        user.FindFirstValue(CpomClaims.Fingerprint) ?? string.Empty);
}
