using CpomExchange.Gateway.Authentication;
using CpomExchange.Gateway.Problems;
using CpomExchange.Rules.Policies;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CpomExchange.Gateway.Registre;

/// <summary>A third-party authorisation to record: the fields of <c>authorisations.yaml</c>, dates as AAAA-MM-JJ.</summary>
public sealed record AuthorisationRequest(string? Reference, string? Date, string? Until, string? Contract, string? From, string? To,
    IReadOnlyList<string>? Exchanges, string? Purpose, string? Note);

/// <summary>The third-party authorisations in force on the gateway.</summary>
public sealed record AuthorisationList(string Policy, IReadOnlyList<AuthorisationAnswer> Authorisations);

/// <summary>
/// <c>POST /api/v1/admin/authorisations</c>: an administrator records a disclosure to a third party once the
/// letters are exchanged (seed 001 art. 8); <c>GET</c> lists those in force. The handlers translate;
/// <see cref="AuthorisationService"/> checks, records and logs.
/// </summary>
internal static class AuthorisationsApi
{
    public static RouteGroupBuilder MapAuthorisationsApi(this RouteGroupBuilder api)
    {
        api.MapPost("/admin/authorisations", AddAsync);
        api.MapGet("/admin/authorisations", List);
        return api;
    }

    private static async Task<Results<Created<AuthorisationAnswer>, ProblemHttpResult>> AddAsync(AuthorisationRequest request, HttpContext http, AuthorisationService service)
    {
        var added = await service.AddAsync(http, Caller.From(http.User), new AuthorisationProposal(request.Reference, request.Date, request.Until, request.Contract,
            request.From, request.To, request.Exchanges, request.Purpose, request.Note));
        return added.Succeeded
            ? TypedResults.Created($"/api/v1/admin/authorisations?reference={Uri.EscapeDataString(added.Value.Reference)}", added.Value)
            : added.Refusal.ToProblem();
    }

    private static Results<Ok<AuthorisationList>, ProblemHttpResult> List(HttpContext http, AuthorisationService service, PolicySet policies)
    {
        var list = service.List(Caller.From(http.User));
        return list.Succeeded
            ? TypedResults.Ok(new AuthorisationList(policies.Hash, list.Value.Select(a =>
                new AuthorisationAnswer(a.Reference, a.Date, a.Until, a.Contract, a.Discloser, a.ThirdParty, a.Exchanges, a.Purpose, a.Note, a.AddedBy, policies.Hash,
                    policies.DisclosureControllers(a.Discloser, a.ThirdParty, null).Append(a.ThirdParty).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList()))
                .ToList()))
            : list.Refusal.ToProblem();
    }
}
