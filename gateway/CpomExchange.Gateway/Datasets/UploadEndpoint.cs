using CpomExchange.Gateway.AccessLog;
using CpomExchange.Gateway.Authentication;
using CpomExchange.Gateway.Hosting;
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
        CpomHome home,
        IOptions<GatewayOptions> options,
        ILogger<DatasetInfo> logger)
    {
        // Sorted runs of a large file's SIRETs and pseudonyms (encrypted, deleted when closed).
        var spill = Path.Combine(home.Root, "spool");
        var caller = Caller.From(http.User);
        async Task<IResult> RefuseAsync(IResult problem, long? rows = null, IReadOnlyCollection<string>? concerned = null)
        {
            // Every refusal is logged under the caller's organisation (and the controllers it concerns) before it is answered.
            await journal.RecordAsync(http, caller, LogActions.Upload, type, replyTo, rows, to, purpose, caseObject, Code(problem), concerned ?? []);
            return problem;
        }

        if (string.IsNullOrWhiteSpace(type))
        {
            return await RefuseAsync(Problem.Of(400, ErrorCatalog.MissingParameter, "Indiquez le type d'échange (type) et le destinataire (to)."));
        }
        if (RequestCheck(purpose, caseObject) is { } bad)
        {
            return await RefuseAsync(bad);
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
                outgoing.Add(await Outgoing.StartAsync(store, keys, recipient, contract, exchange, spill, http.RequestAborted));
            }
            var source = new HashingReadStream(http.Request.Body);
            long unmatched = 0;
            CsvIngestResult result;
            var siretIndex = exchange.Schema.Columns.ToList().FindIndex(c => c.Kind == ColumnKind.Siret);
            var ingestOptions = new CsvIngestOptions
            {
                MaxRows = options.Value.Limits.MaxRows,
                SpillDirectory = spill,
                OnIdentifier = split ? null : (kind, value) => outgoing[0].Subjects.Add(pseudonymiser.Short(kind == ColumnKind.Nir ? IdentifierKind.Nir : IdentifierKind.Siret, value)),
                RowCheck = plan.RowCheck,
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
                entities.Add(await o.CompleteAsync(store, keys, new DatasetEntity
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
                    CreatedAtUtc = DateTime.UtcNow,
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

    /// <summary>
    /// One dataset being written: its temporary encrypted payload, its rows and subjects. The one path
    /// by which the gateway writes a payload and its subject index: an upload, and the re-writing of a
    /// dataset without one person (<see cref="StartRewriteAsync"/>, consent withdrawn).
    /// </summary>
    private sealed class Outgoing : IAsyncDisposable
    {
        private IPendingPayload? _payload;
        private IPendingPayload? _subjects;
        private EncryptingStream? _encrypted;
        private string? _rowReference;
        private bool _rewrite;

        private Outgoing(string id, string payloadName, string recipient, Contract contract, string spill)
        {
            Id = id;
            PayloadName = payloadName;
            Recipient = recipient;
            Contract = contract;
            Subjects = new ExternalSorter<UInt128>(directory: spill);
        }

        public string Id { get; }
        /// <summary>The name of the dataset's payload in the store.</summary>
        public string PayloadName { get; }
        public string Recipient { get; }
        public Contract Contract { get; }
        private CsvWriter Writer { get; set; } = null!;
        public long Rows { get; private set; }
        /// <summary>How many cells small-count masking replaced in this dataset's rows.</summary>
        public long MaskedCells { get; set; }
        /// <summary>The pseudonyms of the dataset's subjects, sorted with bounded memory for its index.</summary>
        public ExternalSorter<UInt128> Subjects { get; }

        public static Task<Outgoing> StartAsync(IPayloadStore store, IKeyProvider keys, string recipient, Contract contract, ExchangeDefinition exchange,
            string spill, CancellationToken cancellationToken)
        {
            var id = NewDatasetId();
            return BeginAsync(new Outgoing(id, id + ".cpom", recipient, contract, spill) { _rowReference = exchange.RowReference }, store, keys, exchange, cancellationToken);
        }

        /// <summary>
        /// A new version of <paramref name="dataset"/>: same identifier, a new payload (a fresh data key,
        /// under a new name) and a new subject index that replaces the old one at commit. Its rows are
        /// given as stored (<see cref="WriteStoredAsync"/>): they keep their row references.
        /// </summary>
        public static Task<Outgoing> StartRewriteAsync(IPayloadStore store, IKeyProvider keys, DatasetEntity dataset, Contract contract, ExchangeDefinition exchange,
            string spill, CancellationToken cancellationToken) =>
            BeginAsync(new Outgoing(dataset.Id, $"{dataset.Id}.{Guid.CreateVersion7():N}.cpom", dataset.ToOrganisation, contract, spill) { _rewrite = true },
                store, keys, exchange, cancellationToken);

        private static async Task<Outgoing> BeginAsync(Outgoing o, IPayloadStore store, IKeyProvider keys, ExchangeDefinition exchange, CancellationToken cancellationToken)
        {
            try
            {
                o._payload = await store.CreateAsync(o.PayloadName, cancellationToken: cancellationToken);
                o._encrypted = await PayloadCipher.BeginAsync(o._payload.Content, keys, cancellationToken: cancellationToken);
                o.Writer = CsvWriter.Create(o._encrypted, CsvIngestor.OutputOptions, leaveOpen: true);
                o.Writer.WriteHeader(exchange.DeliveredHeader.ToArray());
                return o;
            }
            catch
            {
                // The key provider may be down: nothing of this dataset stays behind.
                await o.DisposeAsync();
                throw;
            }
        }

        /// <summary>Writes an uploaded row (cells in schema order), after its row reference when the exchange numbers its rows.</summary>
        public async Task WriteAsync(string[] cells, CancellationToken cancellationToken)
        {
            Rows++;
            await Writer.WriteRecordAsync(_rowReference is null ? cells : [RowReferences.Format(Id, Rows), .. cells], cancellationToken);
        }

        /// <summary>Writes a row as it was stored (header order, row reference included).</summary>
        public async Task WriteStoredAsync(string[] stored, CancellationToken cancellationToken)
        {
            Rows++;
            await Writer.WriteRecordAsync(stored, cancellationToken);
        }

        /// <summary>Seals the payload, writes the subject index and moves both in place; returns the completed row.</summary>
        public async Task<DatasetEntity> CompleteAsync(IPayloadStore store, IKeyProvider keys, DatasetEntity entity, List<string> committed, CancellationToken cancellationToken)
        {
            (entity.Sha256, entity.Length) = await SealAsync(store, keys, cancellationToken);
            await CommitAsync(committed, cancellationToken);
            return entity;
        }

        /// <summary>Seals the payload and writes the subject index, neither visible yet; returns the content's SHA-256 and length.</summary>
        public async Task<(string Sha256, long Length)> SealAsync(IPayloadStore store, IKeyProvider keys, CancellationToken cancellationToken)
        {
            await Writer.DisposeAsync();
            await _encrypted!.CompleteAsync(cancellationToken);
            var digest = (_encrypted.Sha256!, _encrypted.PlaintextLength);
            await _encrypted.DisposeAsync();
            _subjects = await SubjectIndex.WriteAsync(store, keys, Id, Subjects.Sorted(), overwrite: _rewrite, cancellationToken);
            return digest;
        }

        /// <summary>
        /// Moves the sealed payload and subject index in place, listing in <paramref name="committed"/>
        /// what to delete if the database does not commit. A re-written dataset's index replaces the
        /// live one and is not listed: deleting it would leave the dataset without any.
        /// </summary>
        public async Task CommitAsync(List<string> committed, CancellationToken cancellationToken)
        {
            await _payload!.CommitAsync(cancellationToken);
            committed.Add(PayloadName);
            await _subjects!.CommitAsync(cancellationToken);
            if (!_rewrite)
            {
                committed.Add(SubjectIndex.NameOf(Id));
            }
        }

        public async ValueTask DisposeAsync()
        {
            // Each step on its own: a full disk makes flushing throw, and the temporary data must
            // go whatever the earlier steps did (a committed payload is left alone).
            await Quietly(() => Writer?.DisposeAsync() ?? ValueTask.CompletedTask);
            await Quietly(() => _encrypted?.DisposeAsync() ?? ValueTask.CompletedTask);
            await Quietly(() => _payload?.DisposeAsync() ?? ValueTask.CompletedTask);
            await Quietly(() => _subjects?.DisposeAsync() ?? ValueTask.CompletedTask);
            Subjects.Dispose();
        }

        private static async ValueTask Quietly(Func<ValueTask> dispose)
        {
            try
            {
                await dispose();
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException or NotSupportedException or Azure.RequestFailedException)
            {
                // Already failed: the request reports the first error, and the file is discarded below.
            }
        }
    }
}
