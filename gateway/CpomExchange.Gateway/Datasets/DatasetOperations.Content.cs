using CpomExchange.Gateway.Authentication;
using CpomExchange.Gateway.Problems;
using CpomExchange.Infrastructure.Payloads;
using CpomExchange.Infrastructure.Storage;
using CpomExchange.Rules.AccessLog;
using CpomExchange.Rules.Documents;
using CpomExchange.Rules.Errors;
using CpomExchange.Rules.Policies;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace CpomExchange.Gateway.Datasets;

/// <summary>The rows of a received dataset, as the exchange delivers them (header first).</summary>
internal sealed record DatasetRows(DatasetInfo Info, IReadOnlyList<string> Header, IReadOnlyList<string[]> Rows);

/// <summary>The content of a dataset: what only its recipient reads, for the purpose it was sent for.</summary>
internal sealed partial class DatasetOperations
{
    /// <summary>
    /// Streams a dataset's content to its recipient (<c>text/csv</c>, as an attachment), decrypted
    /// while it is sent, for the purpose it was sent for. The download is logged under both
    /// controllers, and the first one dated, before the first byte leaves. Returns the refusal to
    /// answer, or <see cref="Results.Empty"/> once the content is written.
    /// </summary>
    public async Task<IResult> DownloadAsync(HttpContext http, string id, string? purpose, string? caseObject)
    {
        var caller = Caller.From(http.User);
        var (row, refusal) = await OpenForRecipientAsync(http, caller, id, purpose, caseObject);
        if (row is null)
        {
            return refusal!;
        }
        http.Response.StatusCode = StatusCodes.Status200OK;
        // A document goes with the type its content was found to be, as an attachment (never shown inline) under a name built from its id.
        http.Response.ContentType = row.MediaType ?? "text/csv; charset=utf-8";
        http.Response.ContentLength = row.Length;
        http.Response.Headers.ContentDisposition = $"attachment; filename=\"{row.Type}-{row.Id}{(row.MediaType is { } media ? DocumentTypes.Extension(media) : ".csv")}\"";
        http.Response.Headers.XContentTypeOptions = "nosniff";
        http.Response.Headers["Repr-Digest"] = $"sha-256=:{Convert.ToBase64String(Convert.FromHexString(row.Sha256))}:";
        try
        {
            await using var content = await DatasetFiles.OpenContentAsync(store, keys, row, http.RequestAborted);
            await content.CopyToAsync(http.Response.Body, http.RequestAborted);
        }
        catch (PayloadCorruptedException e)
        {
            LogCorrupted(logger, e, row.Id);
            if (!http.Response.HasStarted)
            {
                http.Response.Headers.Remove("Repr-Digest");
                http.Response.Headers.ContentDisposition = default;
                http.Response.ContentLength = null;
                return Problem.Of(500, ErrorCatalog.DatasetCorrupted, "Le contenu stocké de ce jeu de données est altéré ; rien n'a été transmis. Prévenez l'exploitant.");
            }
            // Part of the content has left: cut the connection so that the client sees an incomplete response.
            http.Abort();
        }
        return Results.Empty;
    }

    /// <summary>
    /// Reads a received dataset's rows to show them (a page of the console), under exactly the
    /// download's conditions and log: the recipient, for the purpose it was sent for, logged as a
    /// download under both controllers. At most <paramref name="maxRows"/> rows; the payload's
    /// digest is checked as it is read, and nothing is returned from an altered one.
    /// </summary>
    public async Task<OperationOutcome<DatasetRows>> ReadRowsAsync(HttpContext http, string id, string? purpose, string? caseObject, int maxRows)
    {
        var caller = Caller.From(http.User);
        var (row, refusal) = await OpenForRecipientAsync(http, caller, id, purpose, caseObject);
        if (row is null)
        {
            return refusal!;
        }
        var exchange = policies.Exchanges[row.Type];
        if (exchange.Document is not null)
        {
            // A document has no rows to show: it is downloaded.
            return Problem.Of(415, ErrorCatalog.UnsupportedMediaType, "Ce jeu de données est un document : téléchargez-le.");
        }
        var rows = new List<string[]>();
        long position = 0;
        try
        {
            await StoredRows.ReadAsync(row, store, keys, (header, cells) =>
            {
                var delivered = StoredRows.AsDelivered(exchange, row.Id, header, cells, ++position);
                if (rows.Count < maxRows)
                {
                    rows.Add(delivered);
                }
                return ValueTask.CompletedTask;
            }, http.RequestAborted);
        }
        catch (PayloadCorruptedException e)
        {
            LogCorrupted(logger, e, row.Id);
            return Problem.Of(500, ErrorCatalog.DatasetCorrupted, "Le contenu stocké de ce jeu de données est altéré ; rien n'a été transmis. Prévenez l'exploitant.");
        }
        return new DatasetRows(ToInfo(row), exchange.DeliveredHeader.ToList(), rows);
    }

    /// <summary>
    /// The download's checks (<see cref="AuthorizeRecipientAsync"/>, then a dataset still available:
    /// 410 once withdrawn or destroyed), its log entry and the date of the first download.
    /// </summary>
    private async Task<(DatasetEntity? Row, ProblemHttpResult? Refusal)> OpenForRecipientAsync(HttpContext http, Caller caller, string id, string? purpose, string? caseObject)
    {
        var (row, denied) = await AuthorizeRecipientAsync(http, caller, LogActions.Download, DataAction.Download, id, purpose, caseObject);
        if (row is null)
        {
            return (null, denied);
        }
        if (row.Status != DatasetStatus.Available)
        {
            var gone = Problem.Of(410, ErrorCatalog.DatasetPurged, row.Status == DatasetStatus.Withdrawn
                ? $"Ce jeu de données a été retiré par son expéditeur le {row.ShreddedAtUtc:dd/MM/yyyy} : son contenu est détruit."
                : $"La durée de conservation de ce jeu de données a pris fin : son contenu a été détruit le {row.ShreddedAtUtc:dd/MM/yyyy}.");
            await journal.RecordAsync(http, caller, LogActions.Download, row.Type, id, null, row.FromOrganisation, purpose, caseObject, Code(gone), [row.FromOrganisation]);
            return (null, gone);
        }
        // The download is logged under both controllers before the first byte leaves.
        await journal.RecordAsync(http, caller, LogActions.Download, row.Type, id, row.Rows, row.FromOrganisation, purpose, caseObject, null, [row.FromOrganisation]);
        if (row.FirstDownloadedAtUtc is null)
        {
            // The file is no longer new for its recipient; of two first downloads at once, the first to write wins.
            var now = time.GetUtcNow().UtcDateTime;
            await db.Datasets.Where(d => d.Id == id && d.FirstDownloadedAtUtc == null)
                .ExecuteUpdateAsync(s => s.SetProperty(d => d.FirstDownloadedAtUtc, now), http.RequestAborted);
            row.FirstDownloadedAtUtc = now;
        }
        return (row, null);
    }

    [LoggerMessage(EventId = 3003, Level = LogLevel.Error, Message = "Le contenu chiffré du jeu de données {DatasetId} ne passe pas la vérification d'authenticité : altéré ou substitué.")]
    private static partial void LogCorrupted(ILogger logger, Exception exception, string datasetId);
}
