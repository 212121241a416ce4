using CpomExchange.Gateway.AccessLog;
using CpomExchange.Gateway.Authentication;
using CpomExchange.Gateway.Hosting;
using CpomExchange.Gateway.Limits;
using CpomExchange.Gateway.Problems;
using CpomExchange.Infrastructure;
using CpomExchange.Infrastructure.Keys;
using CpomExchange.Infrastructure.Payloads;
using CpomExchange.Infrastructure.Storage;
using CpomExchange.Rules.AccessLog;
using CpomExchange.Rules.Csv;
using CpomExchange.Rules.Errors;
using CpomExchange.Rules.Policies;
using CpomExchange.Rules.Pseudonymisation;
using CsvHelper;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace CpomExchange.Gateway.Datasets;

/// <summary>How a region-wide file was split between the SPSTI of the sending caisse.</summary>
public sealed record SplitUploadResponse(
    IReadOnlyList<DatasetInfo> Datasets,
    IReadOnlyList<SplitShare> Distribution,
    long Rows,
    long Unmatched,
    IReadOnlyList<string> WithoutAdherentsList);

/// <summary>One SPSTI's share of a split file.</summary>
public sealed record SplitShare(string To, long Rows, string? DatasetId);

internal static partial class DatasetsApi
{
    /// <summary>
    /// <c>POST /api/v1/datasets</c>: the file is read row by row, validated, minimised as the
    /// exchange's rules say, masked, encrypted, and stored for its recipient(s); the dataset rows and
    /// the access-log entries of both controllers commit together. Any bad row rejects the whole file.
    /// </summary>
    private static async Task<IResult> UploadAsync(
        HttpContext http,
        [FromQuery] string? type,
        [FromQuery] string? to,
        [FromQuery] string? purpose,
        [FromQuery(Name = "object")] string? caseObject,
        [FromQuery] string? replyTo,
        AccessDecisions decisions,
        AccessJournal journal,
        PolicySet policies,
        CpomDbContext db,
        IKeyProvider keys,
        Pseudonymiser pseudonymiser,
        IPayloadStore store,
        Spool spool,
        IOptions<GatewayOptions> options,
        TimeProvider time,
        ILogger<DatasetInfo> logger)
    {
        var caller = Caller.From(http.User);
        async Task<IResult> RefuseAsync(IResult problem, long? rows = null, IReadOnlyCollection<string>? concerned = null)
        {
            // Every refusal is logged under the caller's organisation (and the controllers it concerns) before it is answered.
            await journal.RecordAsync(http, caller, LogActions.Upload, type, replyTo, rows, to, purpose, caseObject, Code(problem), concerned ?? []);
            return problem;
        }

        if (RequestInputs.Check(policies, purpose, purposeRequired: true, caseObject, type, to, replyTo) is { } bad)
        {
            return await RefuseAsync(bad);
        }
        if (string.IsNullOrWhiteSpace(type))
        {
            return await RefuseAsync(Problem.Of(400, ErrorCatalog.MissingParameter, "Indiquez le type d'échange (type) et le destinataire (to)."));
        }
        if (!policies.Exchanges.TryGetValue(type, out var exchange))
        {
            return await RefuseAsync(Problem.Of(400, ErrorCatalog.UnknownExchange, $"Type d'échange « {type} » inconnu. Types connus : {string.Join(", ", policies.Exchanges.Keys)}."));
        }
        var split = exchange.Minimisation.Any(r => r.Rule == MinimisationRules.RecipientAdherents);
        if (string.IsNullOrWhiteSpace(to) && !split)
        {
            return await RefuseAsync(Problem.Of(400, ErrorCatalog.MissingParameter, "Indiquez le type d'échange (type) et le destinataire (to)."));
        }
        if (to is not null && !policies.Organisations.ContainsKey(to))
        {
            return await RefuseAsync(Problem.Of(400, ErrorCatalog.UnknownOrganisation, $"Organisation destinataire « {to} » inconnue."));
        }
        if (http.Request.ContentType is not { } contentType || !IsCsv(contentType))
        {
            return await RefuseAsync(Problem.Of(415, ErrorCatalog.UnsupportedMediaType, "Envoyez le fichier en text/csv."));
        }
        if (http.Request.Headers.ContentEncoding.Count > 0 && http.Request.Headers.ContentEncoding.Any(e => !string.Equals(e, "identity", StringComparison.OrdinalIgnoreCase)))
        {
            return await RefuseAsync(Problem.Of(415, ErrorCatalog.UnsupportedMediaType, "Les contenus compressés ne sont pas acceptés : envoyez le fichier CSV tel quel."));
        }

        // The recipients: the one named, or, for a region-wide file, every SPSTI the contracts in force let the caller send it to.
        var recipients = new List<(string Organisation, Contract Contract)>();
        if (split && to is null)
        {
            var candidates = policies.Contracts.Where(c => c.Caisse == caller.Organisation).Select(c => c.Spsti).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal);
            foreach (var spsti in candidates)
            {
                var d = AccessPolicy.Decide(policies, new AccessRequest(caller.Roles, caller.Organisation, DataAction.Send, type, spsti, purpose, decisions.Today));
                if (d.Allowed)
                {
                    recipients.Add((spsti, d.Contract!));
                }
            }
            if (recipients.Count == 0)
            {
                // Decided again to log and explain the refusal.
                var any = candidates.FirstOrDefault() ?? caller.Organisation ?? "-";
                var refused = await decisions.DecideAsync(http, caller, DataAction.Send, type, any, purpose, caseObject, null);
                return refused.Allowed ? Problem.Of(403, ErrorCatalog.NoContract, "Aucun SPSTI destinataire possible.") : Refusal(refused);
            }
        }
        else
        {
            var decision = await decisions.DecideAsync(http, caller, DataAction.Send, type, to!, purpose, caseObject, null);
            if (!decision.Allowed)
            {
                return Refusal(decision);
            }
            recipients.Add((to!, decision.Contract!));
        }

        // Minimisation and masking, prepared from what the gateway already holds.
        var prepared = await Minimisation.PrepareAsync(exchange, caller.Organisation!, recipients, purpose!, replyTo, db, store, keys, pseudonymiser, policies, http.RequestAborted);
        if (prepared.Refusal is { } refusal)
        {
            return await RefuseAsync(refusal.Problem, concerned: refusal.Concerned);
        }
        var plan = prepared.Plan!;

        var outgoing = new List<Outgoing>();
        var committed = new List<string>();
        try
        {
            foreach (var (recipient, contract) in split ? recipients.Where(r => plan.AdherentsOf.ContainsKey(r.Organisation)) : recipients)
            {
                outgoing.Add(await Outgoing.StartAsync(store, keys, recipient, contract, exchange, spool, http.RequestAborted));
            }
            var source = new HashingReadStream(http.Request.Body);
            long unmatched = 0;
            CsvIngestResult result;
            var siretIndex = exchange.Schema.Columns.ToList().FindIndex(c => c.Kind == ColumnKind.Siret);
            var ingestOptions = new CsvIngestOptions
            {
                MaxRows = options.Value.Limits.MaxRows,
                // Sorted runs of a large file's SIRETs (encrypted, deleted when closed), within the spool's quota.
                SpillDirectory = spool.Directory,
                SpillQuota = spool.Quota,
                OnIdentifier = split ? null : (kind, value) => outgoing[0].Subjects.Add(pseudonymiser.Short(kind == ColumnKind.Nir ? IdentifierKind.Nir : IdentifierKind.Siret, value)),
                // A report (the annual table) concerns a year its contract covered.
                RowCheck = ReportingPolicy.YearCheck(exchange, recipients[0].Contract, decisions.Today) is { } year
                    ? async cells => (plan.RowCheck is null ? null : await plan.RowCheck(cells)) ?? year(cells)
                    : plan.RowCheck,
                OnRow = async cells =>
                {
                    // Statistical secrecy at the contract's threshold, before anything is stored.
                    var masked = plan.Mask?.Apply(cells) ?? 0;
                    if (!split)
                    {
                        outgoing[0].MaskedCells += masked;
                        await outgoing[0].WriteAsync(cells, http.RequestAborted);
                        return;
                    }
                    // Each SPSTI receives only the rows of its own adherents.
                    var key = pseudonymiser.Short(IdentifierKind.Siret, cells[siretIndex]);
                    var matched = false;
                    foreach (var o in outgoing)
                    {
                        if (Array.BinarySearch(plan.AdherentsOf[o.Recipient], key) >= 0)
                        {
                            o.Subjects.Add(key);
                            o.MaskedCells += masked;
                            await o.WriteAsync(cells, http.RequestAborted);
                            matched = true;
                        }
                    }
                    if (!matched)
                    {
                        unmatched++;
                    }
                },
            };
            result = await CsvIngestor.IngestAsync(source, exchange.Schema, null, ingestOptions, http.RequestAborted);
            if (!result.IsValid)
            {
                LogRejected(logger, caller.AgentId, type, result.ErrorCount);
                return await RefuseAsync(Problem.Of(422, ErrorCatalog.InvalidFile,
                    $"Fichier refusé : {result.ErrorCount} erreur(s). Rien n'a été enregistré ; corrigez les lignes indiquées et renvoyez le fichier entier.",
                    new Dictionary<string, object?>
                    {
                        ["errors"] = result.Errors.Select(e => new { line = e.Line, column = e.Column, value = e.Value, code = e.Code, reason = e.Reason }).ToList(),
                        ["errorCount"] = result.ErrorCount,
                        ["truncated"] = result.ErrorCount > result.Errors.Count,
                    }), result.Rows,
                    // A row naming data its owner sent for another purpose (RGPD art. 5(1)(b)) is a refusal the owner's log shows too.
                    result.Errors.Any(e => e.Code == ErrorCatalog.LinkPurpose) ? recipients.Select(r => r.Organisation).ToList() : null);
            }
            var entities = new List<DatasetEntity>();
            foreach (var o in outgoing.Where(o => !split || o.Rows > 0))
            {
                entities.Add(await o.CompleteAsync(new DatasetEntity
                {
                    Id = o.Id,
                    Type = type,
                    FromOrganisation = caller.Organisation!,
                    ToOrganisation = o.Recipient,
                    Purpose = purpose!,
                    Object = caseObject,
                    ContractId = o.Contract.Id,
                    CreatedBy = caller.AgentId,
                    Rows = o.Rows,
                    Sha256 = string.Empty,
                    SourceSha256 = source.Sha256(),
                    PayloadName = o.PayloadName,
                    CreatedAtUtc = time.GetUtcNow().UtcDateTime,
                    ReplyTo = replyTo,
                    MaskedCells = o.MaskedCells,
                }, committed, http.RequestAborted));
            }
            // The payloads and subject indexes are in place before the dataset rows and the log
            // entries commit together: a crash leaves at most orphan files, never a listed dataset
            // without content or an unlogged one.
            await using (var transaction = await CpomDatabase.BeginWriteAsync(db, CancellationToken.None))
            {
                // Every log this upload appends to, locked at once in one order (PostgreSQL): no deadlock with another upload.
                await CpomDatabase.LockLogsAsync(db, [caller.Organisation!, .. entities.Select(e => e.ToOrganisation)], CancellationToken.None);
                db.Datasets.AddRange(entities);
                await db.SaveChangesAsync(CancellationToken.None);
                foreach (var entity in entities)
                {
                    await journal.RecordAsync(http, caller, LogActions.Upload, type, entity.Id, entity.Rows, entity.ToOrganisation, purpose, caseObject, null, [entity.ToOrganisation]);
                }
                await transaction.CommitAsync(CancellationToken.None);
            }
            committed.Clear();
            foreach (var entity in entities)
            {
                LogStored(logger, entity.Id, caller.AgentId, type, entity.Rows);
            }
            if (!split)
            {
                return TypedResults.Created($"/api/v1/datasets/{entities[0].Id}", ToInfo(entities[0]));
            }
            var distribution = outgoing.Select(o => new SplitShare(o.Recipient, o.Rows, entities.FirstOrDefault(e => e.ToOrganisation == o.Recipient)?.Id)).ToList();
            var without = recipients.Select(r => r.Organisation).Where(r => !plan.AdherentsOf.ContainsKey(r)).ToList();
            return TypedResults.Json(new SplitUploadResponse(entities.Select(ToInfo).ToList(), distribution, result.Rows, unmatched, without),
                statusCode: StatusCodes.Status201Created);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return await RefuseAsync(Problem.Of(413, ErrorCatalog.RequestTooLarge,
                $"Le fichier dépasse la taille maximale acceptée ({options.Value.Limits.MaxBodyBytes / (1024 * 1024)} Mio). Rien n'a été enregistré."));
        }
        catch (SpillQuotaExceededException e)
        {
            // The runs, the temporary payloads and the subject indexes of this upload go in the finally below.
            LogSpoolFull(logger, e, caller.AgentId, spool.Quota.UsedBytes, spool.Quota.MaxBytes);
            http.Response.Headers.RetryAfter = "60";
            return await RefuseAsync(Problem.Of(507, ErrorCatalog.SpoolFull,
                "L'espace de travail de la passerelle pour les gros fichiers est plein (dépôts en cours) : rien n'a été enregistré. Réessayez dans quelques minutes."));
        }
        finally
        {
            foreach (var o in outgoing)
            {
                await o.DisposeAsync();
            }
            foreach (var name in committed)
            {
                // The transaction did not commit: what was moved in place goes.
                await store.DeleteAsync(name, CancellationToken.None);
            }
        }
    }

    [LoggerMessage(EventId = 3004, Level = LogLevel.Warning, Message = "Dépôt de l'agent {AgentId} refusé : l'espace de tri des gros fichiers est plein ({UsedBytes} octets sur {MaxBytes}) ; rien n'a été conservé.")]
    private static partial void LogSpoolFull(ILogger logger, Exception exception, string agentId, long usedBytes, long maxBytes);
}
