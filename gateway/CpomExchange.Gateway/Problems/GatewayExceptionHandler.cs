using CpomExchange.Infrastructure.Keys;
using CpomExchange.Infrastructure.Payloads;
using CpomExchange.Rules.Errors;
using Microsoft.AspNetCore.Diagnostics;

namespace CpomExchange.Gateway.Problems;

/// <summary>
/// Outages become <c>503 application/problem+json</c> with a stable code and <c>Retry-After</c>:
/// the key provider unreachable (<c>keys.unavailable</c>), the database or the disk failing
/// (<c>storage.unavailable</c>). Anything else is a <c>500 server.internal</c> without details.
/// Nothing is half-written: each operation cleans up after itself before the exception arrives here.
/// </summary>
internal sealed partial class GatewayExceptionHandler(ILogger<GatewayExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (httpContext.Response.HasStarted)
        {
            return false;
        }
        var (status, code, detail) = Classify(exception);
        if (status == 503)
        {
            LogOutage(logger, exception, code);
            httpContext.Response.Headers.RetryAfter = "30";
        }
        else if (status >= 500)
        {
            LogUnexpected(logger, exception, code);
        }
        await Problem.Of(status, code, detail).ExecuteAsync(httpContext);
        return true;
    }

    internal static (int Status, string Code, string Detail) Classify(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case BadHttpRequestException bad:
                    return bad.StatusCode == StatusCodes.Status413PayloadTooLarge
                        ? (413, ErrorCatalog.RequestTooLarge, "La requête dépasse la taille maximale acceptée.")
                        : (bad.StatusCode is >= 400 and < 500 ? bad.StatusCode : 400, ErrorCatalog.InvalidRequest, "Requête HTTP invalide ou interrompue.");
                case SubjectIndexCorruptedException:
                    // Fail closed: no minimisation, split or lookup decided from a missing, altered or swapped index.
                    return (500, ErrorCatalog.SubjectIndexCorrupted,
                        "L'index d'un jeu de données utilisé par cette opération est absent, altéré ou d'un autre jeu de données : rien n'a été enregistré ni transmis. Prévenez l'exploitant.");
                case PayloadCorruptedException:
                    return (500, ErrorCatalog.DatasetCorrupted, "Le contenu stocké d'un jeu de données est altéré : rien n'a été transmis. Prévenez l'exploitant.");
                case KeyProviderException:
                    return (503, ErrorCatalog.KeysUnavailable, "Le fournisseur de clés ne répond pas : rien n'a été enregistré ni transmis. Réessayez dans quelques instants.");
                case Microsoft.EntityFrameworkCore.DbUpdateException:
                case System.Data.Common.DbException:
                case Azure.RequestFailedException:
                case IOException when e is not FileNotFoundException:
                    return (503, ErrorCatalog.StorageUnavailable, "Le stockage de la passerelle est indisponible : rien n'a été enregistré. Réessayez dans quelques instants.");
                default:
                    break;
            }
        }
        return (500, ErrorCatalog.Internal, "Erreur interne de la passerelle. L'exploitant peut la retrouver par l'identifiant de la requête.");
    }

    [LoggerMessage(EventId = 6001, Level = LogLevel.Error, Message = "Dépendance indisponible : réponse 503 {Code}.")]
    private static partial void LogOutage(ILogger logger, Exception exception, string code);

    [LoggerMessage(EventId = 6002, Level = LogLevel.Error, Message = "Erreur interne : réponse 500 {Code}.")]
    private static partial void LogUnexpected(ILogger logger, Exception exception, string code);
}
