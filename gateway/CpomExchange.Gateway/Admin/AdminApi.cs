using CpomExchange.Gateway.Authentication;
using CpomExchange.Gateway.Problems;
using Microsoft.AspNetCore.Http.HttpResults;

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
    DateTime CreatedAt)
{
    /// <summary>The certificate's issuer (null for agents registered before the gateway kept it).</summary>
    public string? CertificateIssuer { get; init; }

    /// <summary>The start of the certificate's validity (null for agents registered before the gateway kept it).</summary>
    public DateTime? CertificateNotBefore { get; init; }
}

/// <summary>The list of agents.</summary>
public sealed record AgentList(IReadOnlyList<AgentInfo> Agents);

/// <summary>A registration: the certificate is PEM text.</summary>
public sealed record AgentRegistration(string? Id, string? Name, string? Organisation, IReadOnlyList<string>? Roles, string? Certificate);

/// <summary>A change: any subset of the fields. <c>Certificate</c> replaces the agent's certificate (renewal).</summary>
public sealed record AgentChange(bool? Disabled, string? Name, IReadOnlyList<string>? Roles, string? Certificate);

/// <summary>
/// The directory over HTTP: an <c>admin</c> registers agents, lists them, disables them and replaces
/// their certificates. The handlers translate; <see cref="DirectoryService"/> checks, changes and
/// logs, for the console as well.
/// </summary>
internal static class AdminApi
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

    private static async Task<Results<Created<AgentInfo>, ProblemHttpResult>> AddAsync(AgentRegistration request, HttpContext http, DirectoryService directory)
    {
        var registered = await directory.RegisterAsync(http, Caller.From(http.User),
            new Registration(request.Id, request.Name, request.Organisation, request.Roles, new CertificateInput(request.Certificate)));
        return registered.Succeeded
            ? TypedResults.Created($"/api/v1/admin/agents/{registered.Value.Id}", registered.Value)
            : registered.Refusal.ToProblem();
    }

    private static async Task<Results<Ok<AgentList>, ProblemHttpResult>> ListAsync(HttpContext http, DirectoryService directory, string? organisation = null)
    {
        var agents = await directory.ListAsync(Caller.From(http.User), organisation, http.RequestAborted);
        return agents.Succeeded ? TypedResults.Ok(new AgentList(agents.Value)) : agents.Refusal.ToProblem();
    }

    private static async Task<Results<Ok<AgentInfo>, ProblemHttpResult>> GetAsync(string id, HttpContext http, DirectoryService directory)
    {
        var agent = await directory.GetAsync(Caller.From(http.User), id, http.RequestAborted);
        return agent.Succeeded ? TypedResults.Ok(agent.Value) : agent.Refusal.ToProblem();
    }

    private static async Task<Results<Ok<AgentInfo>, ProblemHttpResult>> ChangeAsync(string id, AgentChange change, HttpContext http, DirectoryService directory)
    {
        var changed = await directory.ChangeAsync(http, Caller.From(http.User), id,
            new DirectoryChange(change.Disabled, change.Name, change.Roles, change.Certificate is null ? null : new CertificateInput(change.Certificate)));
        return changed.Succeeded ? TypedResults.Ok(changed.Value) : changed.Refusal.ToProblem();
    }

    internal static ProblemHttpResult? Forbidden(Caller caller) => DirectoryService.NotAdmin(caller)?.ToProblem();
}
