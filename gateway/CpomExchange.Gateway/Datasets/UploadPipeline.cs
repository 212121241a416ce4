using CpomExchange.Gateway.AccessLog;
using CpomExchange.Gateway.Authentication;
using CpomExchange.Gateway.Hosting;
using CpomExchange.Gateway.Limits;
using CpomExchange.Gateway.Notifications;
using CpomExchange.Infrastructure;
using CpomExchange.Infrastructure.Keys;
using CpomExchange.Infrastructure.Minimisation;
using CpomExchange.Infrastructure.Payloads;
using CpomExchange.Infrastructure.Storage;
using CpomExchange.Infrastructure.Telemetry;
using CpomExchange.Rules.AccessLog;
using CpomExchange.Rules.Csv;
using CpomExchange.Rules.Errors;
using CpomExchange.Rules.Indicators;
using CpomExchange.Rules.Masking;
using CpomExchange.Rules.Minimisation;
using CpomExchange.Rules.Policies;
using CpomExchange.Rules.Pseudonymisation;
using Microsoft.Extensions.Options;

namespace CpomExchange.Gateway.Datasets;

/// <summary>
/// What an upload came to: a refusal (already logged), or the datasets stored (one, or one per SPSTI
/// of a split file with its distribution).
/// </summary>
internal sealed record UploadOutcome
{
    /// <summary>Why nothing was stored; null when stored.</summary>
    public Refusal? Refusal { get; init; }

    /// <summary>The refusal's extra members (an invalid file's row errors).</summary>
    public IDictionary<string, object?>? Details { get; init; }

    /// <summary>The datasets stored, in the recipients' order.</summary>
    public IReadOnlyList<DatasetEntity> Stored { get; init; } = [];

    /// <summary>For a split file: how it was distributed.</summary>
    public SplitUploadResponse? Split { get; init; }
}

/// <summary>
/// The upload, in one direction: the rules decide (<see cref="UploadPolicy.Decide"/>), the storage
/// loads the subject sets the links need (<see cref="LinkedDatasets"/>), the rules make the plan
/// (<see cref="MinimisationPlan"/>), then each row is read, checked and pseudonymised once by
/// <see cref="CsvIngestor"/> and handed — with its pseudonyms — to the plan's checks, the masking,
/// the split and the writers (<see cref="OutgoingDataset"/>); the dataset rows and the log entries
/// commit together. Every refusal is logged by <see cref="RefuseAsync"/>, the one path.
/// </summary>
internal sealed partial class UploadPipeline(
    PolicySet policies,
    AccessDecisions decisions,
    AccessJournal journal,
    Notifier notifier,
    LinkedDatasets linkedDatasets,
    CpomDbContext db,
    IKeyProvider keys,
    Pseudonymiser pseudonymiser,
    IPayloadStore store,
    Spool spool,
    DatasetShredder shredder,
    IOptions<GatewayOptions> options,
    TimeProvider time,
    ILogger<UploadPipeline> logger)
{
    /// <summary>Runs the upload of <paramref name="body"/> by <paramref name="caller"/> with <paramref name="parameters"/>.</summary>
    public async Task<UploadOutcome> RunAsync(HttpContext http, Caller caller, UploadParameters parameters, Stream body, CancellationToken cancellationToken)
    {
        var decision = UploadPolicy.Decide(policies, caller.Roles, caller.Organisation, parameters, decisions.Today);
        if (decision.Refusal is { } refused)
        {
            return await RefuseAsync(http, caller, parameters, refused, decision.Counterpart);
        }
        if (parameters.Replaces is { } replaces && await CheckReplacedAsync(caller, decision, replaces, cancellationToken) is { } cannotReplace)
        {
            return await RefuseAsync(http, caller, parameters, cannotReplace, parameters.To);
        }
        if (decision.Exchange.Document is not null)
        {
            return await RunDocumentAsync(http, caller, parameters, decision, body, cancellationToken);
        }
        var (linked, linkRefusal) = await linkedDatasets.LoadAsync(decision, caller.Organisation!, parameters.ReplyTo, cancellationToken);
        if (linkRefusal is not null)
        {
            return await RefuseAsync(http, caller, parameters, linkRefusal, parameters.To);
        }
        var plan = MinimisationPlan.For(decision, linked!, decisions.Today);
        var outgoing = new List<OutgoingDataset>();
        var committed = new List<string>();
        try
        {
            var recipients = decision.Split ? plan.Shares.Select(s => decision.Recipients.First(r => r.Organisation == s.Recipient)) : decision.Recipients;
            foreach (var recipient in recipients)
            {
                outgoing.Add(await OutgoingDataset.StartAsync(store, keys, recipient.Organisation, recipient.Contract, decision.Exchange,
                    spool.Directory, spool.Quota, cancellationToken));
            }
            var source = new HashingReadStream(body);
            var rows = new RowSink(decision, plan, outgoing, cancellationToken);
            var result = await CsvIngestor.IngestAsync(source, ContractIndicatorRows.SchemaFor(decision.Exchange), null, new CsvIngestOptions
            {
                MaxRows = options.Value.Limits.MaxRows,
                // Sorted runs of a large file's SIRETs (encrypted, deleted when closed), within the spool's quota.
                SpillDirectory = spool.Directory,
                SpillQuota = spool.Quota,
                Pseudonymiser = pseudonymiser,
                RowCheck = plan.HasRowChecks ? row => plan.CheckAsync(row, cancellationToken) : null,
                OnRow = rows.WriteAsync,
                // The subject indexes (their runs' final merge, their encryption) are written aside while the duplicates are looked for.
                OnRowsEnd = () => outgoing.ForEach(o => o.StartSubjectIndex(cancellationToken)),
            }, cancellationToken);
            // A table of aggregates is masked as a whole (secondary suppression across its rows), then written.
            var tableErrors = result.IsValid ? await rows.FlushTableAsync() : [];
            if (!result.IsValid || tableErrors.Count > 0)
            {
                IReadOnlyList<CsvRowError> errors = result.IsValid ? tableErrors : result.Errors;
                var errorCount = result.IsValid ? tableErrors.Count : result.ErrorCount;
                LogRejected(logger, caller.AgentId, decision.Exchange.Type, errorCount);
                var invalid = new Refusal(ErrorCatalog.InvalidFile,
                    $"Fichier refusé : {errorCount} erreur(s). Rien n'a été enregistré ; corrigez les lignes indiquées et renvoyez le fichier entier.")
                {
                    // A row naming data its owner sent for another purpose (RGPD art. 5(1)(b)) is a refusal the owner's log shows too.
                    Concerned = errors.Any(e => e.Code == ErrorCatalog.LinkPurpose) ? [.. decision.Recipients.Select(r => r.Organisation)] : [],
                };
                var outcome = await RefuseAsync(http, caller, parameters, invalid, parameters.To, result.Rows);
                return outcome with
                {
                    Details = new Dictionary<string, object?>
                    {
                        ["errors"] = errors.Select(e => new { line = e.Line, column = e.Column, value = e.Value, code = e.Code, reason = e.Reason }).ToList(),
                        ["errorCount"] = errorCount,
                        ["truncated"] = errorCount > errors.Count,
                    },
                };
            }
            var entities = await CompleteAsync(caller, decision, parameters, outgoing, source.Sha256(), committed, cancellationToken);
            if (await CommitAsync(http, caller, parameters, entities) is { } lost)
            {
                // The replaced dataset changed while this file was read: the finally deletes this one's files.
                return await RefuseAsync(http, caller, parameters, lost, parameters.To);
            }
            committed.Clear();
            foreach (var entity in entities)
            {
                LogStored(logger, entity.Id, caller.AgentId, entity.Type, entity.Rows);
            }
            // Counted here, whichever face sent the file (the API, the console), with the bytes the hash read.
            var exchange = GatewayMetrics.Exchange(decision.Exchange.Type, policies.Exchanges.ContainsKey);
            GatewayMetrics.DatasetsAccepted.Add(entities.Count, exchange);
            GatewayMetrics.RowsAccepted.Add(entities.Sum(e => e.Rows), exchange);
            GatewayMetrics.BytesAccepted.Add(source.BytesRead, exchange);
            if (!decision.Split)
            {
                return new UploadOutcome { Stored = entities };
            }
            var distribution = outgoing.Select(o => new SplitShare(o.Recipient, o.Rows, entities.FirstOrDefault(e => e.ToOrganisation == o.Recipient)?.Id)).ToList();
            var without = decision.Recipients.Select(r => r.Organisation).Where(r => !plan.Shares.Any(s => s.Recipient == r)).ToList();
            return new UploadOutcome
            {
                Stored = entities,
                Split = new SplitUploadResponse(entities.Select(DatasetsApi.ToInfo).ToList(), distribution, result.Rows, rows.Unmatched, without),
            };
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return await RefuseAsync(http, caller, parameters, new Refusal(ErrorCatalog.RequestTooLarge,
                $"Le fichier dépasse la taille maximale acceptée ({options.Value.Limits.MaxBodyBytes / (1024 * 1024)} Mio). Rien n'a été enregistré."), parameters.To);
        }
        catch (TableTooLargeException)
        {
            return await RefuseAsync(http, caller, parameters, new Refusal(ErrorCatalog.TooManyRows,
                $"Un tableau statistique compte au plus {StatisticalTableMask.MaxRows} lignes (le secret statistique se calcule sur le tableau entier). Rien n'a été enregistré."), parameters.To);
        }
        catch (SpillQuotaExceededException e)
        {
            // The runs, the temporary payloads and the subject indexes of this upload go in the finally below.
            LogSpoolFull(logger, e, caller.AgentId, spool.Quota.UsedBytes, spool.Quota.MaxBytes);
            return await RefuseAsync(http, caller, parameters, new Refusal(ErrorCatalog.SpoolFull,
                "L'espace de travail de la passerelle pour les gros fichiers est plein (dépôts en cours) : rien n'a été enregistré. Réessayez dans quelques minutes.")
            {
                RetryAfter = TimeSpan.FromSeconds(60),
            }, parameters.To);
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

    /// <summary>The one path by which an upload's refusal reaches the log: under the caller's organisation and the controllers it concerns, before it is answered.</summary>
    private async Task<UploadOutcome> RefuseAsync(HttpContext http, Caller caller, UploadParameters parameters, Refusal refusal, string? counterpart, long? rows = null)
    {
        await journal.RecordAsync(http, caller, LogActions.Upload, parameters.Type, parameters.ReplyTo, rows, counterpart, parameters.Purpose, parameters.Object,
            refusal.Code, refusal.Concerned);
        // Labels take only catalogue values: an exchange the caller typed that the catalogue lacks is "other".
        GatewayMetrics.DatasetsRefused.Add(1, GatewayMetrics.Exchange(parameters.Type, policies.Exchanges.ContainsKey),
            new KeyValuePair<string, object?>("code", ErrorCatalog.Codes.Contains(refusal.Code) ? refusal.Code : "other"));
        return new UploadOutcome { Refusal = refusal };
    }

    private async Task<List<DatasetEntity>> CompleteAsync(Caller caller, UploadDecision decision, UploadParameters parameters, List<OutgoingDataset> outgoing,
        string sourceSha256, List<string> committed, CancellationToken cancellationToken)
    {
        var entities = new List<DatasetEntity>();
        foreach (var o in outgoing.Where(o => !decision.Split || o.Rows > 0))
        {
            entities.Add(await o.CompleteAsync(new DatasetEntity
            {
                Id = o.Id,
                Type = decision.Exchange.Type,
                FromOrganisation = caller.Organisation!,
                ToOrganisation = o.Recipient,
                Purpose = decision.Purpose,
                Object = parameters.Object,
                ContractId = o.Contract.Id,
                CreatedBy = caller.AgentId,
                Rows = o.Rows,
                Sha256 = string.Empty,
                SourceSha256 = sourceSha256,
                PayloadName = o.PayloadName,
                CreatedAtUtc = time.GetUtcNow().UtcDateTime,
                ReplyTo = parameters.ReplyTo,
                MaskedCells = o.MaskedCells,
                Replaces = parameters.Replaces,
            }, committed, cancellationToken));
        }
        return entities;
    }

    /// <summary>
    /// The payloads and subject indexes are in place before the dataset rows and the log entries
    /// commit together: a crash leaves at most orphan files, never a listed dataset without content
    /// or an unlogged one. A replacement's previous dataset is locked first, checked again (another
    /// replacement, a withdrawal or the retention may have won the race while the file was read), and
    /// withdrawn and shredded in the same transaction: the recipient never sees both versions, nor
    /// neither. Returns the refusal when that check fails (nothing committed), else null.
    /// </summary>
    private async Task<Refusal?> CommitAsync(HttpContext http, Caller caller, UploadParameters parameters, List<DatasetEntity> entities)
    {
        await using var transaction = await CpomDatabase.BeginWriteAsync(db, CancellationToken.None);
        DatasetEntity? replaced = null;
        if (parameters.Replaces is { } replaces)
        {
            // The dataset before the logs, as the shredder and the withdrawal lock them: one order, no deadlock.
            replaced = await CpomDatabase.LockDatasetAsync(db, replaces, CancellationToken.None);
            if (ReplacementCheck(replaced, caller.Organisation, entities[0].Type, entities[0].ToOrganisation, single: entities.Count == 1) is { } lost)
            {
                return lost;
            }
        }
        // Every log this upload appends to, locked at once in one order (PostgreSQL): no deadlock with another upload.
        await CpomDatabase.LockLogsAsync(db, [caller.Organisation!, .. entities.Select(e => e.ToOrganisation)], CancellationToken.None);
        if (replaced is not null)
        {
            await shredder.MarkShreddedAsync(replaced, DatasetStatus.Withdrawn, caller.AgentId, caller.DisplayName, caller.Fingerprint, caller.Organisation,
                $"remplacé par {entities[0].Id}", CancellationToken.None);
        }
        db.Datasets.AddRange(entities);
        await db.SaveChangesAsync(CancellationToken.None);
        foreach (var entity in entities)
        {
            await journal.RecordAsync(http, caller, LogActions.Upload, entity.Type, entity.Id, entity.Rows, entity.ToOrganisation, parameters.Purpose, parameters.Object,
                null, [entity.ToOrganisation]);
            // The recipients' notification rides in the same transaction: no message for a file that did not land.
            await notifier.FileReceivedAsync(db, entity, CancellationToken.None);
        }
        await transaction.CommitAsync(CancellationToken.None);
        if (replaced is not null)
        {
            // Noise since the commit (its keys are gone); a failure here leaves files the retention round removes.
            await shredder.DeleteFilesAsync(replaced, CancellationToken.None);
            LogReplaced(logger, replaced.Id, entities[0].Id, caller.AgentId);
        }
        return null;
    }

    /// <summary>
    /// Where each valid row goes: masked at the contract's threshold, then written for its recipient,
    /// or, for a split file, for each SPSTI whose adherents hold its SIRET. The row's pseudonyms were
    /// computed once when it was read; they become the datasets' subjects.
    /// </summary>
    private sealed class RowSink(UploadDecision decision, MinimisationPlan plan, List<OutgoingDataset> outgoing, CancellationToken cancellationToken)
    {
        private readonly int[] _identifiers = [.. decision.Exchange.Schema.Columns.Select((c, i) => (c, i)).Where(x => x.c.Kind is ColumnKind.Siret or ColumnKind.Nir).Select(x => x.i)];
        private readonly int _siret = decision.Exchange.Schema.Columns.ToList().FindIndex(c => c.Kind == ColumnKind.Siret);

        // A table of aggregates, held until it is read whole (its cells only, copied: the reader reuses a row).
        private readonly List<(long Line, string[] Cells)> _table = [];

        public long Unmatched { get; private set; }

        public async ValueTask WriteAsync(CsvRow row)
        {
            if (plan.Table is not null)
            {
                if (_table.Count >= StatisticalTableMask.MaxRows)
                {
                    throw new TableTooLargeException();
                }
                _table.Add((row.Line, (string[])row.Cells.Clone()));
                return;
            }
            // Statistical secrecy at the contract's threshold, before anything is stored.
            var masked = plan.Mask?.Apply(row.Cells) ?? 0;
            if (!decision.Split)
            {
                var o = outgoing[0];
                foreach (var column in _identifiers)
                {
                    if (row.Subject(column) is { } subject)
                    {
                        o.Subjects.Add(subject);
                    }
                }
                o.MaskedCells += masked;
                await o.WriteAsync(row.Cells, cancellationToken);
                return;
            }
            // Each SPSTI receives only the rows of its own adherents.
            var key = _siret >= 0 ? row.Subject(_siret) : null;
            var matched = false;
            for (var i = 0; i < outgoing.Count; i++)
            {
                if (plan.Shares[i].Adherents.Contains(key))
                {
                    var o = outgoing[i];
                    o.Subjects.Add(key!.Value);
                    o.MaskedCells += masked;
                    await o.WriteAsync(row.Cells, cancellationToken);
                    matched = true;
                }
            }
            if (!matched)
            {
                Unmatched++;
            }
        }

        /// <summary>
        /// For a table of aggregates read whole and valid: its structure checked, then masked as a
        /// whole at the contract's threshold and written (aggregates name no one: no subjects).
        /// Returns the table's problems; nothing is written when there are any.
        /// </summary>
        public async ValueTask<IReadOnlyList<CsvRowError>> FlushTableAsync()
        {
            if (plan.Table is not { } table)
            {
                return [];
            }
            var problems = table.Check(_table);
            if (problems.Count > 0)
            {
                return problems;
            }
            var cells = _table.Select(t => t.Cells).ToList();
            var o = outgoing[0];
            o.MaskedCells += table.Apply(cells);
            foreach (var row in cells)
            {
                await o.WriteAsync(row, cancellationToken);
            }
            return [];
        }
    }

    /// <summary>A table of aggregates over <see cref="StatisticalTableMask.MaxRows"/> rows: refused before it is held in memory.</summary>
    private sealed class TableTooLargeException : Exception;

    [LoggerMessage(EventId = 3001, Level = LogLevel.Information, Message = "Jeu de données {DatasetId} enregistré ({ExchangeType}, {Rows} ligne(s)), déposé par l'agent {AgentId}.")]
    private static partial void LogStored(ILogger logger, string datasetId, string agentId, string exchangeType, long rows);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Information, Message = "Fichier {ExchangeType} de l'agent {AgentId} refusé : {ErrorCount} erreur(s) ; rien n'a été conservé.")]
    private static partial void LogRejected(ILogger logger, string agentId, string exchangeType, long errorCount);

    [LoggerMessage(EventId = 3006, Level = LogLevel.Information, Message = "Jeu de données {ReplacedId} remplacé par {DatasetId} (agent {AgentId}) : l'ancien est retiré et sa clé effacée.")]
    private static partial void LogReplaced(ILogger logger, string replacedId, string datasetId, string agentId);

    [LoggerMessage(EventId = 3004, Level = LogLevel.Warning, Message = "Dépôt de l'agent {AgentId} refusé : l'espace de tri des gros fichiers est plein ({UsedBytes} octets sur {MaxBytes}) ; rien n'a été conservé.")]
    private static partial void LogSpoolFull(ILogger logger, Exception exception, string agentId, long usedBytes, long maxBytes);
}
