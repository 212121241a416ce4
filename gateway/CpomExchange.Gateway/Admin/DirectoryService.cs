using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.RegularExpressions;
using CpomExchange.Gateway.AccessLog;
using CpomExchange.Gateway.Authentication;
using CpomExchange.Gateway.Problems;
using CpomExchange.Infrastructure.Pki;
using CpomExchange.Infrastructure.Storage;
using CpomExchange.Rules.AccessLog;
using CpomExchange.Rules.Errors;
using CpomExchange.Rules.Policies;
using Microsoft.EntityFrameworkCore;

namespace CpomExchange.Gateway.Admin;

/// <summary>A certificate as given: PEM text (the API), or the bytes of a file, PEM or DER (the console's upload).</summary>
internal sealed record CertificateInput(string? Pem, byte[]? File = null);

/// <summary>A registration, whichever face it comes from.</summary>
internal sealed record Registration(string? Id, string? Name, string? Organisation, IReadOnlyList<string>? Roles, CertificateInput Certificate);

/// <summary>A change: any subset of the fields; <c>Certificate</c> replaces the agent's certificate (renewal).</summary>
internal sealed record DirectoryChange(bool? Disabled, string? Name, IReadOnlyList<string>? Roles, CertificateInput? Certificate);

/// <summary>
/// The directory in production, as every face administers it: an <c>admin</c> registers agents,
/// lists them, disables and enables them, changes their roles and replaces their certificates.
/// Registration checks that the certificate chains to the trust anchors (the gateway would refuse
/// it at the connection otherwise) and that its organizationIdentifier, when present, names the
/// agent's organisation. Every change is logged in the organisation's access log, in the
/// transaction that makes it.
/// </summary>
internal sealed partial class DirectoryService(
    CpomDbContext db, PolicySet policies, ClientCertificateValidator validator, AccessJournal journal, TimeProvider time, ILogger<DirectoryService> logger)
{
    /// <summary>The refusal of a caller who is not an administrator, or null.</summary>
    public static Refusal? NotAdmin(Caller caller)
    {
        ArgumentNullException.ThrowIfNull(caller);
        return caller.Roles.Contains(Roles.Admin)
            ? null
            : new Refusal(ErrorCatalog.RoleNotAllowed, "L'administration de l'annuaire des agents est réservée au rôle admin.");
    }

    /// <summary>Registers an agent.</summary>
    public async Task<Outcome<AgentInfo>> RegisterAsync(HttpContext http, Caller caller, Registration request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (NotAdmin(caller) is { } forbidden)
        {
            return forbidden;
        }
        if (request.Id is null || !AgentId().IsMatch(request.Id))
        {
            return new Refusal(ErrorCatalog.AdminInvalidRequest, "Identifiant (id) requis : minuscules, chiffres et tirets, 2 à 63 caractères.");
        }
        if (string.IsNullOrWhiteSpace(request.Name) || request.Name.Length > 200)
        {
            return new Refusal(ErrorCatalog.AdminInvalidRequest, "Nom (name) requis, 200 caractères au plus.");
        }
        if (CheckRoles(request.Roles, request.Organisation) is { } badRoles)
        {
            return badRoles;
        }
        using var certificate = ParseCertificate(request.Certificate, out var parseProblem);
        if (certificate is null)
        {
            return parseProblem!;
        }
        if (CheckCertificate(certificate, request.Organisation) is { } refused)
        {
            return refused;
        }
        var fingerprint = CertificateFacts.Sha256Fingerprint(certificate);
        if (await db.Agents.AnyAsync(a => a.Id == request.Id, http.RequestAborted))
        {
            return new Refusal(ErrorCatalog.AdminAgentExists, $"Un agent « {request.Id} » existe déjà.");
        }
        if (await db.Agents.AnyAsync(a => a.CertificateSha256 == fingerprint, http.RequestAborted))
        {
            return new Refusal(ErrorCatalog.AdminCertificateInUse, "Ce certificat est déjà attribué à un autre agent.");
        }
        var agent = new AgentEntity
        {
            Id = request.Id,
            DisplayName = request.Name.Trim(),
            OrganisationId = request.Organisation,
            Roles = string.Join(',', request.Roles!.Distinct(StringComparer.Ordinal)),
            CertificateSha256 = fingerprint,
            CertificateSubject = certificate.Subject,
            CertificateIssuer = certificate.Issuer,
            CertificateNotBeforeUtc = certificate.NotBefore.ToUniversalTime(),
            CertificateNotAfterUtc = certificate.NotAfter.ToUniversalTime(),
            CreatedAtUtc = time.GetUtcNow().UtcDateTime,
        };
        await using (var transaction = await CpomDatabase.BeginWriteAsync(db, http.RequestAborted))
        {
            db.Agents.Add(agent);
            await db.SaveChangesAsync(http.RequestAborted);
            // The organisation's DPO sees who was given access to its data, and by whom.
            await journal.RecordAsync(http, caller, LogActions.AdminChange, null, null, null, null, null, Truncate($"enregistrement de {agent.Id} ({agent.Roles})"), null,
                agent.OrganisationId is null ? [] : [agent.OrganisationId]);
            await transaction.CommitAsync(http.RequestAborted);
        }
        LogChange(logger, caller.AgentId, "registered", agent.Id, agent.OrganisationId, agent.Roles);
        return ToInfo(agent);
    }

    /// <summary>The agents, of one organisation or all, by organisation then id.</summary>
    public async Task<Outcome<IReadOnlyList<AgentInfo>>> ListAsync(Caller caller, string? organisation, CancellationToken cancellationToken)
    {
        if (NotAdmin(caller) is { } forbidden)
        {
            return forbidden;
        }
        var query = db.Agents.AsNoTracking();
        if (organisation is not null)
        {
            query = query.Where(a => a.OrganisationId == organisation);
        }
        var agents = await query.OrderBy(a => a.OrganisationId).ThenBy(a => a.Id).ToListAsync(cancellationToken);
        return Outcome<IReadOnlyList<AgentInfo>>.Ok(agents.Select(ToInfo).ToList());
    }

    /// <summary>One agent.</summary>
    public async Task<Outcome<AgentInfo>> GetAsync(Caller caller, string id, CancellationToken cancellationToken)
    {
        if (NotAdmin(caller) is { } forbidden)
        {
            return forbidden;
        }
        var agent = await db.Agents.AsNoTracking().SingleOrDefaultAsync(a => a.Id == id, cancellationToken);
        return agent is null ? NotFound(id) : ToInfo(agent);
    }

    /// <summary>Changes an agent: name, roles, certificate, disabled or enabled; an administrator never locks themselves out.</summary>
    public async Task<Outcome<AgentInfo>> ChangeAsync(HttpContext http, Caller caller, string id, DirectoryChange change)
    {
        ArgumentNullException.ThrowIfNull(change);
        if (NotAdmin(caller) is { } forbidden)
        {
            return forbidden;
        }
        var agent = await db.Agents.SingleOrDefaultAsync(a => a.Id == id, http.RequestAborted);
        if (agent is null)
        {
            return NotFound(id);
        }
        if (agent.Id == caller.AgentId && (change.Disabled == true || (change.Roles is not null && !change.Roles.Contains(Roles.Admin)) || change.Certificate is not null))
        {
            return new Refusal(ErrorCatalog.AdminSelfLockout, "Un administrateur ne désactive pas son propre compte, ne s'ôte pas le rôle admin et ne remplace pas son propre certificat : demandez-le à un autre administrateur.");
        }
        var changes = new List<string>();
        if (change.Name is not null)
        {
            if (string.IsNullOrWhiteSpace(change.Name) || change.Name.Length > 200)
            {
                return new Refusal(ErrorCatalog.AdminInvalidRequest, "Nom (name) : 1 à 200 caractères.");
            }
            agent.DisplayName = change.Name.Trim();
            changes.Add("name");
        }
        if (change.Roles is not null)
        {
            if (CheckRoles(change.Roles, agent.OrganisationId) is { } badRoles)
            {
                return badRoles;
            }
            agent.Roles = string.Join(',', change.Roles.Distinct(StringComparer.Ordinal));
            changes.Add("roles");
        }
        if (change.Certificate is not null)
        {
            using var certificate = ParseCertificate(change.Certificate, out var parseProblem);
            if (certificate is null)
            {
                return parseProblem!;
            }
            if (CheckCertificate(certificate, agent.OrganisationId) is { } refused)
            {
                return refused;
            }
            var fingerprint = CertificateFacts.Sha256Fingerprint(certificate);
            if (await db.Agents.AnyAsync(a => a.CertificateSha256 == fingerprint, http.RequestAborted))
            {
                return new Refusal(ErrorCatalog.AdminCertificateInUse, "Ce certificat est déjà attribué à un agent.");
            }
            agent.CertificateSha256 = fingerprint;
            agent.CertificateSubject = certificate.Subject;
            agent.CertificateIssuer = certificate.Issuer;
            agent.CertificateNotBeforeUtc = certificate.NotBefore.ToUniversalTime();
            agent.CertificateNotAfterUtc = certificate.NotAfter.ToUniversalTime();
            changes.Add("certificate");
        }
        if (change.Disabled is { } disabled)
        {
            agent.Disabled = disabled;
            changes.Add(disabled ? "disabled" : "enabled");
        }
        await using (var transaction = await CpomDatabase.BeginWriteAsync(db, http.RequestAborted))
        {
            await db.SaveChangesAsync(http.RequestAborted);
            var what = $"{string.Join('+', changes)} {agent.Id}";
            await journal.RecordAsync(http, caller, LogActions.AdminChange, null, null, null, null, null, Truncate(what), null,
                agent.OrganisationId is null ? [] : [agent.OrganisationId]);
            await transaction.CommitAsync(http.RequestAborted);
        }
        LogChange(logger, caller.AgentId, string.Join('+', changes), agent.Id, agent.OrganisationId, agent.Roles);
        return ToInfo(agent);
    }

    private Refusal? CheckRoles(IReadOnlyList<string>? roles, string? organisation)
    {
        if (roles is null || roles.Count == 0)
        {
            return new Refusal(ErrorCatalog.AdminInvalidRequest, $"Rôles (roles) requis, parmi : {string.Join(", ", Roles.All)}.");
        }
        var unknown = roles.FirstOrDefault(r => !Roles.All.Contains(r));
        if (unknown is not null)
        {
            return new Refusal(ErrorCatalog.AdminInvalidRequest, $"Rôle « {unknown} » inconnu ; rôles : {string.Join(", ", Roles.All)}.");
        }
        if (organisation is null)
        {
            return roles.All(r => r == Roles.Admin)
                ? null
                : new Refusal(ErrorCatalog.AdminInvalidRequest, "Une organisation (organisation) est requise, sauf pour un compte d'exploitation au seul rôle admin.");
        }
        if (!policies.Organisations.TryGetValue(organisation, out var org))
        {
            return new Refusal(ErrorCatalog.UnknownOrganisation, $"Organisation « {organisation} » inconnue de la politique.");
        }
        var misfit = roles.FirstOrDefault(r => !Roles.FitsKind(r, org.Kind));
        return misfit is null
            ? null
            : new Refusal(ErrorCatalog.AdminInvalidRequest, $"Le rôle « {misfit} » n'existe pas dans un(e) {AccessPolicy.Label(org.Kind)} (pdp : SPSTI ; service-social : caisse).");
    }

    /// <summary>
    /// The certificate given: PEM text, or a file in PEM or DER. Never a PKCS#12 file: a private key
    /// has no business in the directory, and the loader used for files reads certificates only.
    /// </summary>
    private static X509Certificate2? ParseCertificate(CertificateInput input, out Refusal? problem)
    {
        problem = null;
        if (input.File is { Length: > 0 } file)
        {
            try
            {
                var text = Encoding.UTF8.GetString(file).TrimStart('\uFEFF', ' ', '\t', '\r', '\n');
                return text.StartsWith("-----BEGIN", StringComparison.Ordinal)
                    ? X509Certificate2.CreateFromPem(text)
                    : X509CertificateLoader.LoadCertificate(file);
            }
            catch (CryptographicException)
            {
                problem = new Refusal(ErrorCatalog.AdminBadCertificate, "Le fichier n'est pas un certificat X.509 lisible, au format PEM ou DER.");
                return null;
            }
        }
        if (string.IsNullOrWhiteSpace(input.Pem))
        {
            problem = new Refusal(ErrorCatalog.AdminInvalidRequest, "Certificat (certificate) requis, au format PEM.");
            return null;
        }
        try
        {
            return X509Certificate2.CreateFromPem(input.Pem);
        }
        catch (CryptographicException)
        {
            problem = new Refusal(ErrorCatalog.AdminBadCertificate, "Le certificat n'est pas un certificat X.509 au format PEM lisible.");
            return null;
        }
    }

    private Refusal? CheckCertificate(X509Certificate2 certificate, string? organisation)
    {
        if (validator.Validate(certificate) is { } reason)
        {
            return new Refusal(ErrorCatalog.AdminCertificateRefused, reason + " La passerelle le refuserait à la connexion.");
        }
        var identifier = CertificateFacts.OrganizationIdentifier(certificate);
        if (identifier is null)
        {
            return null;
        }
        var siren = CertificateFacts.SirenOf(identifier);
        var org = organisation is null ? null : policies.Organisations.GetValueOrDefault(organisation);
        return siren is not null && org is not null && org.Siren == siren
            ? null
            : new Refusal(ErrorCatalog.OrganisationMismatch, $"L'identifiant d'organisation du certificat ({identifier}) ne correspond pas à l'organisation « {organisation} ».") { Status = StatusCodes.Status400BadRequest };
    }

    private static string Truncate(string text) => text.Length > 80 ? text[..80] : text;

    private static Refusal NotFound(string id) => new(ErrorCatalog.AdminAgentNotFound, $"Aucun agent « {id} ».");

    private static AgentInfo ToInfo(AgentEntity a) => new(a.Id, a.DisplayName, a.OrganisationId, a.RoleList, a.CertificateSha256, a.CertificateSubject,
        DateTime.SpecifyKind(a.CertificateNotAfterUtc, DateTimeKind.Utc), a.Disabled, DateTime.SpecifyKind(a.CreatedAtUtc, DateTimeKind.Utc))
    {
        CertificateIssuer = a.CertificateIssuer,
        CertificateNotBefore = a.CertificateNotBeforeUtc is { } notBefore ? DateTime.SpecifyKind(notBefore, DateTimeKind.Utc) : null,
    };

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{1,62}$", RegexOptions.CultureInvariant)]
    private static partial Regex AgentId();

    [LoggerMessage(EventId = 4001, Level = LogLevel.Information, Message = "Annuaire modifié par l'administrateur {AdminId} : agent {AgentId} ({Organisation}, rôles {Roles}), modification {Change}.")]
    private static partial void LogChange(ILogger logger, string adminId, string change, string agentId, string? organisation, string roles);
}
