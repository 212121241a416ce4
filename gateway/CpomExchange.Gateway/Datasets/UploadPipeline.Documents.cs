using System.Security.Cryptography;
using CpomExchange.Gateway.Authentication;
using CpomExchange.Infrastructure.Payloads;
using CpomExchange.Infrastructure.Storage;
using CpomExchange.Infrastructure.Telemetry;
using CpomExchange.Rules.Documents;
using CpomExchange.Rules.Errors;
using CpomExchange.Rules.Policies;
using Microsoft.EntityFrameworkCore;

namespace CpomExchange.Gateway.Datasets;

/// <summary>
/// The upload's other two paths: a document (a PDF or OpenDocument text, <see cref="DocumentInspector"/>),
/// and a replacement (<c>replaces=</c>) of an earlier dataset.
/// </summary>
internal sealed partial class UploadPipeline
{
    /// <summary>
    /// A document: read whole up to its size limit (the exchange's, capped by <c>Cpom:Limits:MaxDocumentBytes</c>),
    /// its type decided by its content and checked, then encrypted and stored like every payload, with
    /// no rows and an empty subject index (a document is counted nowhere as personal data), its row
    /// and the log entries of both controllers committed together. Refused, nothing is kept.
    /// </summary>
    private async Task<UploadOutcome> RunDocumentAsync(HttpContext http, Caller caller, UploadParameters parameters, UploadDecision decision, Stream body,
        CancellationToken cancellationToken)
    {
        var format = decision.Exchange.Document!;
        var limit = Math.Min(format.MaxBytes, options.Value.Limits.MaxDocumentBytes);
        byte[] content;
        try
        {
            var read = await ReadAtMostAsync(body, limit, cancellationToken);
            if (read is null)
            {
                return await RefuseAsync(http, caller, parameters, new Refusal(ErrorCatalog.DocumentTooLarge,
                    $"Le document dépasse la taille maximale acceptée ({limit / (1024 * 1024)} Mio). Rien n'a été enregistré."), parameters.To);
            }
            content = read;
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return await RefuseAsync(http, caller, parameters, new Refusal(ErrorCatalog.DocumentTooLarge,
                $"Le document dépasse la taille maximale acceptée ({limit / (1024 * 1024)} Mio). Rien n'a été enregistré."), parameters.To);
        }
        var check = DocumentInspector.Inspect(content, parameters.ContentType, format);
        if (check.Refusal is { } refused)
        {
            LogDocumentRefused(logger, caller.AgentId, refused.Code);
            return await RefuseAsync(http, caller, parameters, refused, parameters.To);
        }
        var recipient = decision.Recipients[0];
        var id = OutgoingDataset.NewId();
        var committed = new List<string>();
        try
        {
            var entity = new DatasetEntity
            {
                Id = id,
                Type = decision.Exchange.Type,
                FromOrganisation = caller.Organisation!,
                ToOrganisation = recipient.Organisation,
                Purpose = decision.Purpose,
                Object = parameters.Object,
                ContractId = recipient.Contract.Id,
                CreatedBy = caller.AgentId,
                Rows = 0,
                Sha256 = string.Empty,
                SourceSha256 = Convert.ToHexStringLower(SHA256.HashData(content)),
                PayloadName = string.Empty,
                CreatedAtUtc = time.GetUtcNow().UtcDateTime,
                Title = parameters.Title!.Trim(),
                MediaType = check.MediaType,
                Replaces = parameters.Replaces,
            };
            await using (var files = await DatasetFiles.BeginAsync(store, keys, id, DatasetFiles.PayloadNameOf(id), cancellationToken))
            {
                await files.Content.WriteAsync(content, cancellationToken);
                committed.AddRange(await files.CompleteAsync(entity, [], cancellationToken));
            }
            if (await CommitAsync(http, caller, parameters, [entity]) is { } lost)
            {
                return await RefuseAsync(http, caller, parameters, lost, parameters.To);
            }
            committed.Clear();
            LogStored(logger, entity.Id, caller.AgentId, entity.Type, 0);
            var exchange = GatewayMetrics.Exchange(decision.Exchange.Type, policies.Exchanges.ContainsKey);
            GatewayMetrics.DatasetsAccepted.Add(1, exchange);
            GatewayMetrics.BytesAccepted.Add(content.Length, exchange);
            return new UploadOutcome { Stored = [entity] };
        }
        finally
        {
            foreach (var name in committed)
            {
                // Not committed: what was moved in place goes.
                await store.DeleteAsync(name, CancellationToken.None);
            }
        }
    }

    /// <summary>The body, read to its end if it holds at most <paramref name="limit"/> bytes; null beyond (the rest is not read).</summary>
    private static async Task<byte[]?> ReadAtMostAsync(Stream body, long limit, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > limit)
            {
                return null;
            }
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }

    /// <summary>The replacement's checks before the file is read (<see cref="ReplacementCheck"/>); they run again under lock at commit.</summary>
    private async Task<Refusal?> CheckReplacedAsync(Caller caller, UploadDecision decision, string replaces, CancellationToken cancellationToken)
    {
        var previous = await db.Datasets.AsNoTracking().SingleOrDefaultAsync(d => d.Id == replaces, cancellationToken);
        return ReplacementCheck(previous, caller.Organisation, decision.Exchange.Type, decision.Recipients[0].Organisation,
            single: !decision.Split && decision.Recipients.Count == 1);
    }

    /// <summary>
    /// Whether <paramref name="previous"/> may be replaced by a dataset of <paramref name="type"/> for
    /// <paramref name="recipient"/> sent by <paramref name="sender"/>: it exists and the sender sent it
    /// (else not found: another organisation's datasets are not confirmed to exist), it is of the same
    /// exchange and for the same recipient (a split file has no single recipient: not replaceable), and
    /// it is still available — a withdrawn, replaced or expired dataset is destroyed: there is nothing
    /// left to correct, and a second replacement of the same dataset loses.
    /// </summary>
    internal static Refusal? ReplacementCheck(DatasetEntity? previous, string? sender, string type, string recipient, bool single)
    {
        if (previous is null || previous.FromOrganisation != sender)
        {
            return new Refusal(ErrorCatalog.ReplaceNotFound, "Le jeu de données à remplacer (replaces) est introuvable parmi ceux que votre organisation a envoyés.");
        }
        if (previous.Type != type || previous.ToOrganisation != recipient || !single)
        {
            return new Refusal(ErrorCatalog.ReplaceMismatch,
                $"Le jeu de données {previous.Id} est un « {previous.Type} » adressé à {previous.ToOrganisation} : un remplacement est du même échange et pour le même destinataire.");
        }
        if (previous.Status != DatasetStatus.Available)
        {
            return new Refusal(ErrorCatalog.ReplaceGone,
                $"Le jeu de données {previous.Id} a déjà été retiré, remplacé ou détruit le {previous.ShreddedAtUtc:dd/MM/yyyy} : il ne peut plus être remplacé. Rien n'a été enregistré.");
        }
        return null;
    }

    [LoggerMessage(EventId = 3007, Level = LogLevel.Information, Message = "Document de l'agent {AgentId} refusé ({Code}) ; rien n'a été conservé.")]
    private static partial void LogDocumentRefused(ILogger logger, string agentId, string code);
}
