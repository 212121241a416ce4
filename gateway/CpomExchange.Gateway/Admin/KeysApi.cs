using CpomExchange.Gateway.AccessLog;
using CpomExchange.Gateway.Authentication;
using CpomExchange.Gateway.Problems;
using CpomExchange.Infrastructure.Keys;
using CpomExchange.Infrastructure.Storage;
using CpomExchange.Rules.AccessLog;
using CpomExchange.Rules.Errors;
using CpomExchange.Rules.Policies;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CpomExchange.Gateway.Admin;

/// <summary>
/// A rotation of the key-encryption key, as the administration API shows it: <c>pending</c> (asked
/// for), <c>rewrapping</c> (the new version is current; <c>Rewrapped</c> keys done, <c>Remaining</c> to
/// do) or <c>completed</c>; <c>LastError</c> says why the last round stopped short (it resumes by itself).
/// </summary>
public sealed record KeyRotationInfo(
    long Id,
    string State,
    string? KeyId,
    long Rewrapped,
    long? Remaining,
    string RequestedBy,
    DateTime RequestedAt,
    DateTime? StartedAt,
    DateTime? CompletedAt,
    string? LastError);

/// <summary>
/// <c>POST /api/v1/admin/keys/rotate-kek</c> asks for a rotation of the key-encryption key (or
/// returns the one under way) and answers <c>202</c> at once: the key maintenance job does it in the
/// background, resuming after a crash; <c>GET</c> on the same route follows it. Role <c>admin</c>.
/// </summary>
internal static partial class KeysApi
{
    private const string Route = "/keys/rotate-kek";

    public static RouteGroupBuilder MapKeysApi(this RouteGroupBuilder admin)
    {
        admin.MapPost(Route, RotateKekAsync);
        admin.MapGet(Route, RotationAsync);
        return admin;
    }

    private static async Task<Results<Accepted<KeyRotationInfo>, ProblemHttpResult>> RotateKekAsync(HttpContext http, CpomDbContext db, PolicySet policies,
        AccessJournal journal, KeyMaintenanceService maintenance, TimeProvider time, ILogger<KeyRotationInfo> logger)
    {
        var caller = Caller.From(http.User);
        if (AdminApi.Forbidden(caller) is { } forbidden)
        {
            return forbidden;
        }
        var (rotation, created) = await KeyRotation.RequestAsync(db, caller.AgentId, time.GetUtcNow().UtcDateTime, http.RequestAborted);
        if (created)
        {
            // Every organisation's data keys will be re-wrapped: each DPO sees who asked.
            await journal.RecordAsync(http, caller, LogActions.AdminChange, null, null, null, null, null, $"rotation {rotation.Id} demandée", null,
                [.. policies.Organisations.Keys]);
            LogRequested(logger, caller.AgentId, rotation.Id);
        }
        maintenance.Wake();
        return TypedResults.Accepted("/api/v1/admin" + Route, await InfoAsync(db, rotation, http.RequestAborted));
    }

    private static async Task<Results<Ok<KeyRotationInfo>, ProblemHttpResult>> RotationAsync(HttpContext http, CpomDbContext db)
    {
        if (AdminApi.Forbidden(Caller.From(http.User)) is { } forbidden)
        {
            return forbidden;
        }
        var latest = await KeyRotation.LatestAsync(db, http.RequestAborted);
        return latest is null
            ? Problem.Of(404, ErrorCatalog.KeyRotationNotFound, "Aucune rotation de la clé de chiffrement des clés n'a été demandée.")
            : TypedResults.Ok(await InfoAsync(db, latest, http.RequestAborted));
    }

    private static async Task<KeyRotationInfo> InfoAsync(CpomDbContext db, KeyRotationEntity r, CancellationToken cancellationToken) => new(
        r.Id, r.State, r.TargetKeyId, r.Rewrapped,
        r.TargetKeyId is null ? null : await KeyRotation.NotWrappedByAsync(db, r.TargetKeyId, cancellationToken),
        r.RequestedBy, Utc(r.RequestedAtUtc), r.StartedAtUtc is { } started ? Utc(started) : null, r.CompletedAtUtc is { } completed ? Utc(completed) : null,
        r.LastError);

    private static DateTime Utc(DateTime value) => DateTime.SpecifyKind(value, DateTimeKind.Utc);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Information, Message = "L'administrateur {AdminId} a demandé la rotation de clé {Id}.")]
    private static partial void LogRequested(ILogger logger, string adminId, long id);
}
