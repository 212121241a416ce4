using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;
using CpomExchange.Gateway.AccessLog;
using CpomExchange.Gateway.Authentication;
using CpomExchange.Gateway.Problems;
using CpomExchange.Infrastructure.Pki;
using CpomExchange.Infrastructure.Storage;
using CpomExchange.Rules.AccessLog;
using CpomExchange.Rules.Errors;
using CpomExchange.Rules.Policies;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace CpomExchange.Gateway.Admin;

/// <summary>An agent of the directory, as the administration API shows it.</summary>
public sealed record AgentInfo(
    string Id,
    string Name,
    string? Organisation,
    IReadOnlyList<string> Roles,
    string CertificateSha256,
    string CertificateSubject,
    DateTime CertificateNotAfter,
    bool Disabled,
    DateTime CreatedAt);

/// <summary>The list of agents.</summary>
public sealed record AgentList(IReadOnlyList<AgentInfo> Agents);

/// <summary>A registration: the certificate is PEM text.</summary>
public sealed record AgentRegistration(string? Id, string? Name, string? Organisation, IReadOnlyList<string>? Roles, string? Certificate);

/// <summary>A change: any subset of the fields. <c>Certificate</c> replaces the agent's certificate (renewal).</summary>
public sealed record AgentChange(bool? Disabled, string? Name, IReadOnlyList<string>? Roles, string? Certificate);

/// <summary>
/// The directory in production: an <c>admin</c> registers agents, lists them, disables them and
/// replaces their certificates. Registration checks the certificate chains to the trust anchors and
/// that its organizationIdentifier, when present, names the agent's organisation. Every change is logged.
/// </summary>
internal static partial class AdminApi
{
    public static RouteGroupBuilder MapAdminApi(this RouteGroupBuilder api)
    {
        var admin = api.MapGroup("/admin");
        admin.MapPost("/agents", AddAsync);
        admin.MapGet("/agents", ListAsync);
        admin.MapGet("/agents/{id}", GetAsync);
        admin.MapPatch("/agents/{id}", ChangeAsync);
        admin.MapKeysApi();
        return api;
    }

    private static async Task<Results<Created<AgentInfo>, ProblemHttpResult>> AddAsync(
        AgentRegistration request, HttpContext http, CpomDbContext db, PolicySet policies, ClientCertificateValidator validator, AccessJournal journal, ILogger<AgentInfo> logger)
    {
        var caller = Caller.From(http.User);
        if (Forbidden(caller) is { } forbidden)
        {
            return forbidden;
        }
        if (request.Id is null || !AgentId().IsMatch(request.Id))
        {
            return Problem.Of(400, ErrorCatalog.AdminInvalidRequest, "Identifiant (id) requis : minuscules, chiffres et tirets, 2 à 63 caractères.");
        }
        if (string.IsNullOrWhiteSpace(request.Name) || request.Name.Length > 200)
        {
            return Problem.Of(400, ErrorCatalog.AdminInvalidRequest, "Nom (name) requis, 200 caractères au plus.");
        }
        if (CheckRoles(request.Roles, request.Organisation, policies) is { } badRoles)
        {
            return badRoles;
        }
        using var certificate = ParseCertificate(request.Certificate, out var parseProblem);
        if (certificate is null)
        {
            return parseProblem!;
        }
        if (CheckCertificate(certificate, request.Organisation, policies, validator) is { } refused)
        {
            return refused;
        }
        var fingerprint = CertificateFacts.Sha256Fingerprint(certificate);
        if (await db.Agents.AnyAsync(a => a.Id == request.Id, http.RequestAborted))
        {
            return Problem.Of(409, ErrorCatalog.AdminAgentExists, $"Un agent « {request.Id} » existe déjà.");
        }
        if (await db.Agents.AnyAsync(a => a.CertificateSha256 == fingerprint, http.RequestAborted))
        {
            return Problem.Of(409, ErrorCatalog.AdminCertificateInUse, "Ce certificat est déjà attribué à un autre agent.");
        }
        var agent = new AgentEntity
        {
            Id = request.Id,
            DisplayName = request.Name.Trim(),
            OrganisationId = request.Organisation,
            Roles = string.Join(',', request.Roles!.Distinct(StringComparer.Ordinal)),
            CertificateSha256 = fingerprint,
            CertificateSubject = certificate.Subject,
            CertificateNotAfterUtc = certificate.NotAfter.ToUniversalTime(),
            CreatedAtUtc = DateTime.UtcNow,
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
        return TypedResults.Created($"/api/v1/admin/agents/{agent.Id}", ToInfo(agent));
    }

    private static async Task<Results<Ok<AgentList>, ProblemHttpResult>> ListAsync(HttpContext http, CpomDbContext db, string? organisation = null)
    {
        if (Forbidden(Caller.From(http.User)) is { } forbidden)
        {
            return forbidden;
        }
        var query = db.Agents.AsNoTracking();
        if (organisation is not null)
        {
            query = query.Where(a => a.OrganisationId == organisation);
        }
        var agents = await query.OrderBy(a => a.OrganisationId).ThenBy(a => a.Id).ToListAsync(http.RequestAborted);
        return TypedResults.Ok(new AgentList(agents.Select(ToInfo).ToList()));
    }

    private static async Task<Results<Ok<AgentInfo>, ProblemHttpResult>> GetAsync(string id, HttpContext http, CpomDbContext db)
    {
        if (Forbidden(Caller.From(http.User)) is { } forbidden)
        {
            return forbidden;
        }
        var agent = await db.Agents.AsNoTracking().SingleOrDefaultAsync(a => a.Id == id, http.RequestAborted);
        return agent is null ? NotFound(id) : TypedResults.Ok(ToInfo(agent));
    }

    private static async Task<Results<Ok<AgentInfo>, ProblemHttpResult>> ChangeAsync(
        string id, AgentChange change, HttpContext http, CpomDbContext db, PolicySet policies, ClientCertificateValidator validator, AccessJournal journal, ILogger<AgentInfo> logger)
    {
        var caller = Caller.From(http.User);
        if (Forbidden(caller) is { } forbidden)
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
            return Problem.Of(409, ErrorCatalog.AdminSelfLockout, "Un administrateur ne désactive pas son propre compte, ne s'ôte pas le rôle admin et ne remplace pas son propre certificat : demandez-le à un autre administrateur.");
        }
        var changes = new List<string>();
        if (change.Name is not null)
        {
            if (string.IsNullOrWhiteSpace(change.Name) || change.Name.Length > 200)
            {
                return Problem.Of(400, ErrorCatalog.AdminInvalidRequest, "Nom (name) : 1 à 200 caractères.");
            }
            agent.DisplayName = change.Name.Trim();
            changes.Add("name");
        }
        if (change.Roles is not null)
        {
            if (CheckRoles(change.Roles, agent.OrganisationId, policies) is { } badRoles)
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
            if (CheckCertificate(certificate, agent.OrganisationId, policies, validator) is { } refused)
            {
                return refused;
            }
            var fingerprint = CertificateFacts.Sha256Fingerprint(certificate);
            if (await db.Agents.AnyAsync(a => a.CertificateSha256 == fingerprint, http.RequestAborted))
            {
                return Problem.Of(409, ErrorCatalog.AdminCertificateInUse, "Ce certificat est déjà attribué à un agent.");
            }
            agent.CertificateSha256 = fingerprint;
            agent.CertificateSubject = certificate.Subject;
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
        return TypedResults.Ok(ToInfo(agent));
    }

    internal static ProblemHttpResult? Forbidden(Caller caller) =>
        caller.Roles.Contains(Roles.Admin)
            ? null
            : Problem.Of(403, ErrorCatalog.RoleNotAllowed, "L'administration de l'annuaire des agents est réservée au rôle admin.");

    private static ProblemHttpResult? CheckRoles(IReadOnlyList<string>? roles, string? organisation, PolicySet policies)
    {
        if (roles is null || roles.Count == 0)
        {
            return Problem.Of(400, ErrorCatalog.AdminInvalidRequest, $"Rôles (roles) requis, parmi : {string.Join(", ", Roles.All)}.");
        }
        var unknown = roles.FirstOrDefault(r => !Roles.All.Contains(r));
        if (unknown is not null)
        {
            return Problem.Of(400, ErrorCatalog.AdminInvalidRequest, $"Rôle « {unknown} » inconnu ; rôles : {string.Join(", ", Roles.All)}.");
        }
        if (organisation is null)
        {
            return roles.All(r => r == Roles.Admin)
                ? null
                : Problem.Of(400, ErrorCatalog.AdminInvalidRequest, "Une organisation (organisation) est requise, sauf pour un compte d'exploitation au seul rôle admin.");
        }
        if (!policies.Organisations.TryGetValue(organisation, out var org))
        {
            return Problem.Of(400, ErrorCatalog.UnknownOrganisation, $"Organisation « {organisation} » inconnue de la politique.");
        }
        var misfit = roles.FirstOrDefault(r => !Roles.FitsKind(r, org.Kind));
        return misfit is null
            ? null
            : Problem.Of(400, ErrorCatalog.AdminInvalidRequest, $"Le rôle « {misfit} » n'existe pas dans un(e) {AccessPolicy.Label(org.Kind)} (pdp : SPSTI ; service-social : caisse).");
    }

    private static X509Certificate2? ParseCertificate(string? pem, out ProblemHttpResult? problem)
    {
        problem = null;
        if (string.IsNullOrWhiteSpace(pem))
        {
            problem = Problem.Of(400, ErrorCatalog.AdminInvalidRequest, "Certificat (certificate) requis, au format PEM.");
            return null;
        }
        try
        {
            return X509Certificate2.CreateFromPem(pem);
        }
        catch (CryptographicException)
        {
            problem = Problem.Of(400, ErrorCatalog.AdminBadCertificate, "Le certificat n'est pas un certificat X.509 au format PEM lisible.");
            return null;
        }
    }

    private static ProblemHttpResult? CheckCertificate(X509Certificate2 certificate, string? organisation, PolicySet policies, ClientCertificateValidator validator)
    {
        if (validator.Validate(certificate) is { } reason)
        {
            return Problem.Of(400, ErrorCatalog.AdminCertificateRefused, reason + " La passerelle le refuserait à la connexion.");
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
            : Problem.Of(400, ErrorCatalog.OrganisationMismatch, $"L'identifiant d'organisation du certificat ({identifier}) ne correspond pas à l'organisation « {organisation} ».");
    }

    private static string Truncate(string text) => text.Length > 80 ? text[..80] : text;

    private static ProblemHttpResult NotFound(string id) => Problem.Of(404, ErrorCatalog.AdminAgentNotFound, $"Aucun agent « {id} ».");

    private static AgentInfo ToInfo(AgentEntity a) => new(a.Id, a.DisplayName, a.OrganisationId, a.RoleList, a.CertificateSha256, a.CertificateSubject,
        DateTime.SpecifyKind(a.CertificateNotAfterUtc, DateTimeKind.Utc), a.Disabled, DateTime.SpecifyKind(a.CreatedAtUtc, DateTimeKind.Utc));

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{1,62}$", RegexOptions.CultureInvariant)]
    private static partial Regex AgentId();

    [LoggerMessage(EventId = 4001, Level = LogLevel.Information, Message = "Annuaire modifié par l'administrateur {AdminId} : agent {AgentId} ({Organisation}, rôles {Roles}), modification {Change}.")]
    private static partial void LogChange(ILogger logger, string adminId, string change, string agentId, string? organisation, string roles);
}
