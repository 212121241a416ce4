using System.Security.Claims;
using System.Security.Cryptography.X509Certificates;
using CpomExchange.Infrastructure.Pki;
using CpomExchange.Infrastructure.Storage;
using CpomExchange.Rules.Errors;
using CpomExchange.Rules.Policies;
using Microsoft.AspNetCore.Authentication;

namespace CpomExchange.Gateway.Authentication;

/// <summary>
/// The registered fingerprint → agent → organisation binding, at every request. The certificate
/// handler's cache keeps what depends on the certificate alone (its chain, for minutes); who the
/// certificate belongs to depends on the directory, which an administrator changes at any moment
/// on any instance: so the directory's version is read here, after the handler, on every request, and
/// the agent again whenever the version changed since it was read (<see cref="BoundAgents"/>): a
/// disabled agent, a replaced certificate or changed roles take effect at the next request. The configured
/// revocation lists are consulted here too, so that a list installed since the chain was cached
/// applies at once. A refusal leaves an unauthenticated caller and the reason in the request; the
/// challenge answers it (<see cref="CertificateAuthentication"/>).
/// </summary>
internal sealed partial class AgentBinding(IHttpContextAccessor accessor, CpomDbContext db, BoundAgents agents, PolicySet policies, CrlStore crls, ILogger<AgentBinding> logger)
    : IClaimsTransformation
{
    private const string BoundKey = "cpom:bound-principal";
    private const string RefusalKey = "cpom:auth-refusal";

    /// <summary>The refusal of this request's certificate, if the binding refused it.</summary>
    public static AuthenticationRefusal? RefusalOf(HttpContext http) => http.Items[RefusalKey] as AuthenticationRefusal;

    public async Task<ClaimsPrincipal> TransformAsync(ClaimsPrincipal principal)
    {
        var http = accessor.HttpContext;
        if (http is null || principal.FindFirstValue(CpomClaims.Fingerprint) is not { } fingerprint || http.Connection.ClientCertificate is not { } certificate)
        {
            return principal;
        }
        if (http.Items[BoundKey] is ClaimsPrincipal bound)
        {
            return bound; // authentication may run more than once per request
        }
        bound = await BindAsync(http, certificate, fingerprint);
        http.Items[BoundKey] = bound;
        return bound;
    }

    private async Task<ClaimsPrincipal> BindAsync(HttpContext http, X509Certificate2 certificate, string fingerprint)
    {
        if (crls.Check(certificate) is { } revoked)
        {
            return Refuse(http, ErrorCatalog.CertificateInvalid, revoked, certificate, fingerprint, null);
        }
        var agent = await agents.FindAsync(db, fingerprint, http.RequestAborted);
        if (agent is null)
        {
            LogUnknownCertificate(logger, fingerprint);
            return Refuse(http, ErrorCatalog.UnknownCertificate, "Ce certificat n'est enregistré pour aucun agent de la passerelle.", certificate, fingerprint, null);
        }
        if (agent.Disabled)
        {
            return Refuse(http, ErrorCatalog.AgentDisabled, $"Le compte « {agent.Id} » est désactivé.", certificate, fingerprint, agent);
        }
        if (CertificateFacts.OrganizationIdentifier(certificate) is { } orgIdentifier)
        {
            var siren = CertificateFacts.SirenOf(orgIdentifier);
            var organisation = agent.OrganisationId is null ? null : policies.Organisations.GetValueOrDefault(agent.OrganisationId);
            if (siren is null || organisation is null || organisation.Siren != siren)
            {
                return Refuse(http, ErrorCatalog.OrganisationMismatch,
                    $"L'identifiant d'organisation du certificat ({orgIdentifier}) ne correspond pas à l'organisation de l'agent « {agent.Id} ».", certificate, fingerprint, agent);
            }
        }
        var claims = new List<Claim>
        {
            new(ClaimTypes.NameIdentifier, agent.Id),
            new(ClaimTypes.Name, agent.DisplayName),
            new(CpomClaims.Fingerprint, fingerprint),
        };
        if (agent.OrganisationId is not null)
        {
            claims.Add(new Claim(CpomClaims.Organisation, agent.OrganisationId));
        }
        claims.AddRange(agent.Roles.Select(r => new Claim(ClaimTypes.Role, r)));
        return new ClaimsPrincipal(new ClaimsIdentity(claims, CertificateAuthentication.Scheme, ClaimTypes.Name, ClaimTypes.Role));
    }

    /// <summary>
    /// A refusal is logged under the organisation concerned: the agent's, or the one the
    /// certificate's organizationIdentifier names (an unknown certificate of a known body).
    /// </summary>
    private ClaimsPrincipal Refuse(HttpContext http, string code, string detail, X509Certificate2 certificate, string fingerprint, BoundAgent? agent)
    {
        http.Items[RefusalKey] = Describe(code, detail, certificate, fingerprint, agent?.Id, agent?.DisplayName, agent?.OrganisationId, policies);
        return new ClaimsPrincipal(new ClaimsIdentity());
    }

    /// <summary>The refusal of <paramref name="certificate"/>, with the organisations whose logs record it.</summary>
    public static AuthenticationRefusal Describe(string code, string detail, X509Certificate2 certificate, string fingerprint, string? agentId, string? agentName,
        string? agentOrganisation, PolicySet policies)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        ArgumentNullException.ThrowIfNull(policies);
        var organisation = agentOrganisation;
        if (organisation is null && CertificateFacts.OrganizationIdentifier(certificate) is { } identifier && CertificateFacts.SirenOf(identifier) is { } siren)
        {
            organisation = policies.Organisations.Values.FirstOrDefault(o => o.Siren == siren)?.Id;
        }
        return new AuthenticationRefusal(code, detail, fingerprint, agentId ?? "(non enregistré)",
            agentName ?? certificate.GetNameInfo(X509NameType.SimpleName, false),
            organisation is not null && policies.Organisations.ContainsKey(organisation) ? [organisation] : []);
    }

    [LoggerMessage(EventId = 1001, Level = LogLevel.Warning, Message = "Certificat valide refusé : il n'est enregistré pour aucun agent (SHA-256 {Fingerprint}).")]
    private static partial void LogUnknownCertificate(ILogger logger, string fingerprint);
}
