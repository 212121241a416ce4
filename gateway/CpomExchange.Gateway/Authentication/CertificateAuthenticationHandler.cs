using System.Security.Claims;
using System.Text.Encodings.Web;
using CpomExchange.Gateway.AccessLog;
using CpomExchange.Gateway.Problems;
using CpomExchange.Infrastructure.Agents;
using CpomExchange.Infrastructure.Pki;
using CpomExchange.Infrastructure.Storage;
using CpomExchange.Rules.Errors;
using CpomExchange.Rules.Policies;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace CpomExchange.Gateway.Authentication;

/// <summary>
/// Maps the client certificate presented at the TLS handshake to a registered agent. A certificate
/// that chains but is not in the directory is refused; so are disabled agents and certificates whose
/// organizationIdentifier names another organisation than the agent's. No header is ever trusted.
/// </summary>
internal sealed partial class CertificateAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    ClientCertificateValidator validator,
    CpomDbContext db,
    PolicySet policies,
    AccessJournal journal)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "CpomCertificate";
    public const string OrganisationClaim = "cpom:org";
    public const string FingerprintClaim = "cpom:cert-sha256";
    private const string FailureCodeKey = "cpom:auth-failure";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!Request.IsHttps)
        {
            return AuthenticateResult.NoResult();
        }
        var certificate = await Context.Connection.GetClientCertificateAsync(Context.RequestAborted);
        if (certificate is null)
        {
            return Fail(ErrorCatalog.CertificateRequired, "Présentez un certificat client.");
        }
        var fingerprint = CertificateFacts.Sha256Fingerprint(certificate);
        var problem = validator.Validate(certificate);
        if (problem is not null)
        {
            return await RefuseAsync(ErrorCatalog.CertificateInvalid, problem, certificate, fingerprint, null);
        }
        var agent = await AgentDirectory.FindByFingerprintAsync(db, fingerprint, Context.RequestAborted);
        if (agent is null)
        {
            LogUnknownCertificate(Logger, fingerprint);
            return await RefuseAsync(ErrorCatalog.UnknownCertificate, "Ce certificat n'est enregistré pour aucun agent de la passerelle.", certificate, fingerprint, null);
        }
        if (agent.Disabled)
        {
            return await RefuseAsync(ErrorCatalog.AgentDisabled, $"Le compte « {agent.Id} » est désactivé.", certificate, fingerprint, agent);
        }
        var orgIdentifier = CertificateFacts.OrganizationIdentifier(certificate);
        if (orgIdentifier is not null)
        {
            var siren = CertificateFacts.SirenOf(orgIdentifier);
            var organisation = agent.OrganisationId is null ? null : policies.Organisations.GetValueOrDefault(agent.OrganisationId);
            if (siren is null || organisation is null || organisation.Siren != siren)
            {
                return await RefuseAsync(ErrorCatalog.OrganisationMismatch,
                    $"L'identifiant d'organisation du certificat ({orgIdentifier}) ne correspond pas à l'organisation de l'agent « {agent.Id} ».", certificate, fingerprint, agent);
            }
        }
        var claims = new List<Claim>
        {
            new(ClaimTypes.NameIdentifier, agent.Id),
            new(ClaimTypes.Name, agent.DisplayName),
            new(FingerprintClaim, fingerprint),
        };
        if (agent.OrganisationId is not null)
        {
            claims.Add(new Claim(OrganisationClaim, agent.OrganisationId));
        }
        claims.AddRange(agent.RoleList.Select(r => new Claim(ClaimTypes.Role, r)));
        var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName, ClaimTypes.Name, ClaimTypes.Role));
        return AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var (code, detail) = Context.Items[FailureCodeKey] as (string, string)? ?? (ErrorCatalog.CertificateRequired, "Présentez un certificat client enregistré.");
        return Problem.WriteAsync(Context, StatusCodes.Status401Unauthorized, code, detail);
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        Problem.WriteAsync(Context, StatusCodes.Status403Forbidden, ErrorCatalog.RoleNotAllowed, "Opération non autorisée pour ce compte.");

    private AuthenticateResult Fail(string code, string detail)
    {
        Context.Items[FailureCodeKey] = (code, detail);
        return AuthenticateResult.Fail(code);
    }

    /// <summary>
    /// A refusal after the handshake is logged under the organisation concerned: the agent's, or the
    /// one the certificate's organizationIdentifier names (an unknown certificate of a known body).
    /// </summary>
    private async Task<AuthenticateResult> RefuseAsync(string code, string detail, System.Security.Cryptography.X509Certificates.X509Certificate2 certificate,
        string fingerprint, Infrastructure.Storage.AgentEntity? agent)
    {
        var organisation = agent?.OrganisationId;
        if (organisation is null && CertificateFacts.OrganizationIdentifier(certificate) is { } identifier && CertificateFacts.SirenOf(identifier) is { } siren)
        {
            organisation = policies.Organisations.Values.FirstOrDefault(o => o.Siren == siren)?.Id;
        }
        var caller = new Caller(agent?.Id ?? "(non enregistré)", agent?.DisplayName ?? certificate.GetNameInfo(System.Security.Cryptography.X509Certificates.X509NameType.SimpleName, false),
            null, [], fingerprint);
        await journal.RecordAsync(Context, caller, Rules.AccessLog.LogActions.Authenticate, null, null, null, null, null, null, code,
            organisation is null ? [] : [organisation]);
        return Fail(code, detail);
    }

    [LoggerMessage(EventId = 1001, Level = LogLevel.Warning, Message = "Certificat valide refusé : il n'est enregistré pour aucun agent (SHA-256 {Fingerprint}).")]
    private static partial void LogUnknownCertificate(ILogger logger, string fingerprint);
}
