using CpomExchange.Documents;
using CpomExchange.Gateway.AccessLog;
using CpomExchange.Gateway.Authentication;
using CpomExchange.Gateway.Problems;
using CpomExchange.Infrastructure.PolicyHistory;
using CpomExchange.Infrastructure.Storage;
using CpomExchange.Rules.AccessLog;
using CpomExchange.Rules.Errors;
using CpomExchange.Rules.Policies;
using CpomExchange.Rules.Registre;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace CpomExchange.Gateway.Registre;

/// <summary>The policy history as the API lists it.</summary>
public sealed record PolicyVersionsAnswer(string Current, IReadOnlyList<PolicyVersionInfo> Versions);

/// <summary>The difference between two versions of the policy.</summary>
public sealed record PolicyDiffAnswer(string From, string To, IReadOnlyList<PolicyFileDiff> Files);

/// <summary>
/// The accountability documents (RGPD art. 5(2), 24): the record of processing of an organisation
/// (art. 30), generated from the policy the gateway runs, and the history of the policy versions it ran.
/// A DPO (role <c>dpo</c>) gets those of their own organisation; an administrator (role <c>admin</c>)
/// those of any. Neither touches a payload. Each production is logged under the organisation concerned.
/// </summary>
internal static class AccountabilityApi
{
    public static RouteGroupBuilder MapAccountabilityApi(this RouteGroupBuilder api)
    {
        api.MapGet("/registre", RegistreAsync);
        api.MapGet("/policy/versions", VersionsAsync);
        api.MapGet("/policy/diff", DiffAsync);
        api.MapAuthorisationsApi();
        return api;
    }

    /// <summary>The organisation whose documents <paramref name="caller"/> asks for, or the refusal (<see cref="RegistreService.Scope"/>).</summary>
    private static (string? Organisation, ProblemHttpResult? Problem) Scope(Caller caller, PolicySet policies, string? org)
    {
        var scope = RegistreService.Scope(caller, policies, org);
        if (scope.Succeeded)
        {
            return (scope.Value, null);
        }
        return (null, scope.Refusal.ToProblem());
    }

    private static async Task<IResult> RegistreAsync(HttpContext http, PolicySet policies, RegistreService registre,
        [FromQuery] string? org, [FromQuery] string? format, [FromQuery] DateOnly? day)
    {
        var caller = Caller.From(http.User);
        var (organisation, problem) = Scope(caller, policies, org);
        if (problem is not null)
        {
            return problem;
        }
        if (RegistreFormats.Parse(format ?? "json") is not { } chosen)
        {
            return Problem.Of(400, ErrorCatalog.RegistreBadFormat, "Format du registre : xlsx, ods, md ou json.");
        }
        await registre.DownloadAsync(http, caller, organisation!, chosen, day);
        return Results.Empty;
    }

    private static async Task<Results<Ok<PolicyVersionsAnswer>, ProblemHttpResult>> VersionsAsync(HttpContext http, PolicySet policies, CpomDbContext db,
        AccessJournal journal, [FromQuery] string? org)
    {
        var caller = Caller.From(http.User);
        var (organisation, problem) = Scope(caller, policies, org);
        if (problem is not null)
        {
            return problem;
        }
        var versions = await PolicyHistoryStore.ListAsync(db, http.RequestAborted);
        await journal.RecordAsync(http, caller, LogActions.AuditRead, null, null, versions.Count, null, null, "historique de la politique", null, [organisation!]);
        return TypedResults.Ok(new PolicyVersionsAnswer(policies.Hash, versions));
    }

    private static async Task<Results<Ok<PolicyDiffAnswer>, ProblemHttpResult>> DiffAsync(HttpContext http, PolicySet policies, CpomDbContext db,
        AccessJournal journal, [FromQuery] string? from, [FromQuery] string? to, [FromQuery] string? org)
    {
        var caller = Caller.From(http.User);
        var (organisation, problem) = Scope(caller, policies, org);
        if (problem is not null)
        {
            return problem;
        }
        if (string.IsNullOrEmpty(from) || string.IsNullOrEmpty(to))
        {
            return Problem.Of(400, ErrorCatalog.MissingParameter, "Indiquez les deux versions à comparer (paramètres from et to : une empreinte ou ses 8 premiers caractères au moins).");
        }
        var before = await PolicyHistoryStore.FilesAsync(db, from, http.RequestAborted);
        var after = await PolicyHistoryStore.FilesAsync(db, to, http.RequestAborted);
        if (before is null || after is null)
        {
            return Problem.Of(404, ErrorCatalog.PolicyVersionNotFound,
                $"Version de la politique introuvable ou ambiguë : « {(before is null ? from : to)} » (voir GET /api/v1/policy/versions).");
        }
        await journal.RecordAsync(http, caller, LogActions.AuditRead, null, null, null, null, null, $"différence de politique {before.Value.Hash[..12]}..{after.Value.Hash[..12]}", null,
            [organisation!]);
        return TypedResults.Ok(new PolicyDiffAnswer(before.Value.Hash, after.Value.Hash, PolicyDiff.Between(before.Value.Files, after.Value.Files)));
    }
}
