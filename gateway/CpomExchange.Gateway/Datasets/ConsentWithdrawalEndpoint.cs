using System.Text.Json;
using CpomExchange.Gateway.AccessLog;
using CpomExchange.Gateway.Limits;
using CpomExchange.Gateway.Authentication;
using CpomExchange.Gateway.Problems;
using CpomExchange.Infrastructure;
using CpomExchange.Infrastructure.Keys;
using CpomExchange.Infrastructure.Payloads;
using CpomExchange.Infrastructure.Storage;
using CpomExchange.Rules.AccessLog;
using CpomExchange.Rules.Csv;
using CpomExchange.Rules.Errors;
using CpomExchange.Rules.Identifiers;
using CpomExchange.Rules.Policies;
using CpomExchange.Rules.Pseudonymisation;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace CpomExchange.Gateway.Datasets;

/// <summary>
/// The person whose consent is withdrawn: by NIR, or by the reference the gateway gave their row
/// (<c>ds_…:3</c>), one or the other. Sent in the body, never in the address (which proxies log).
/// </summary>
public sealed record ConsentWithdrawalRequest(string? Nir, string? Reference);

internal static partial class DatasetsApi
{
    /// <summary>The largest body accepted: one NIR or one reference.</summary>
    private const int MaxConsentBodyBytes = 1024;

    /// <summary>
    /// <c>POST /api/v1/datasets/{id}/consent-withdrawals</c>: a worker withdrew consent (RGPD art. 7(3)),
    /// and the PDP cell that sent the signalement removes that person. The dataset is re-written without
    /// the row, through the same path as an upload (a new payload with a fresh data key, a new subject
    /// index), keeps its identifier and the other rows their references; the old payload is destroyed
    /// (crypto-shredding). The recipient sees the new version (rows, digest, receipt to acknowledge
    /// again); both controllers' logs say so. The NIR given is only pseudonymised, never logged or kept.
    /// </summary>
    private static async Task<Results<Ok<DatasetInfo>, ProblemHttpResult>> WithdrawConsentAsync(
        string id,
        [FromQuery] string? purpose,
        [FromQuery(Name = "object")] string? caseObject,
        HttpContext http,
        AccessDecisions decisions,
        AccessJournal journal,
        PolicySet policies,
        CpomDbContext db,
        IKeyProvider keys,
        Pseudonymiser pseudonymiser,
        IPayloadStore store,
        Spool spool,
        ILogger<DatasetInfo> logger)
    {
        var caller = Caller.From(http.User);
        DatasetEntity? row = null;
        async Task<ProblemHttpResult> RefuseAsync(ProblemHttpResult problem)
        {
            // Logged under the caller and, once the dataset is known, its other controller.
            await journal.RecordAsync(http, caller, LogActions.ConsentWithdrawal, row?.Type, row?.Id ?? id, null, row?.ToOrganisation, purpose, caseObject, Code(problem),
                row is null ? [] : [row.FromOrganisation, row.ToOrganisation]);
            return problem;
        }

        if (RequestInputs.Check(policies, purpose, purposeRequired: true, caseObject) is { } bad)
        {
            return await RefuseAsync(bad);
        }
        row = await FindVisibleAsync(db, id, caller, http.RequestAborted);
        if (row is null)
        {
            return await NotFoundAsync(db, journal, http, caller, LogActions.ConsentWithdrawal, id, purpose, caseObject);
        }
        if (row.FromOrganisation != caller.Organisation)
        {
            return await RefuseAsync(Problem.Of(403, ErrorCatalog.DirectionNotAllowed,
                "Seul l'expéditeur d'un jeu de données en retire une personne ; le destinataire peut demander ce retrait à l'expéditeur."));
        }
        if (!policies.Exchanges.TryGetValue(row.Type, out var exchange) || exchange.Roles.WithdrawConsent.Count == 0 || exchange.RowReference is null)
        {
            return await RefuseAsync(Problem.Of(400, ErrorCatalog.ConsentNotApplicable,
                $"Un jeu de données « {row.Type} » ne désigne pas de personnes que l'on puisse en retirer ; retirez le jeu de données entier si nécessaire."));
        }
        var decision = await decisions.DecideAsync(http, caller, DataAction.WithdrawConsent, row.Type, row.ToOrganisation, purpose, caseObject, id,
            asSender: true, concerned: [row.ToOrganisation]);
        if (!decision.Allowed)
        {
            return Refusal(decision);
        }
        if (purpose != row.Purpose)
        {
            return await RefuseAsync(Problem.Of(403, ErrorCatalog.PurposeNotAllowed,
                $"Ce jeu de données a été transmis pour la finalité « {row.Purpose} » : une personne n'en est retirée que pour celle-ci."));
        }
        if (row.Status != DatasetStatus.Available)
        {
            return await RefuseAsync(Problem.Of(410, ErrorCatalog.DatasetPurged, "Ce jeu de données a déjà été détruit : plus personne n'y figure."));
        }
        var (person, invalid) = await ReadPersonAsync(http, row, exchange, pseudonymiser);
        if (invalid is not null)
        {
            return await RefuseAsync(invalid);
        }

        // Two withdrawals from one signalement at once: the second to commit finds the version it read
        // replaced, and starts again from the new one (never bringing back a person the first removed).
        for (var attempt = 1; ; attempt++)
        {
            db.ChangeTracker.Clear();
            var current = await db.Datasets.AsNoTracking().SingleAsync(d => d.Id == id, http.RequestAborted);
            if (current.Status != DatasetStatus.Available)
            {
                return await RefuseAsync(Problem.Of(410, ErrorCatalog.DatasetPurged, "Ce jeu de données a été détruit entre-temps : plus personne n'y figure."));
            }
            var outcome = await RewriteWithoutAsync(current, person, exchange, decision.Contract!, http, caller, journal, purpose!, caseObject, db, keys, pseudonymiser,
                store, spool, logger);
            switch (outcome)
            {
                case RewriteOutcome.PersonAbsent:
                    return await RefuseAsync(Problem.Of(404, ErrorCatalog.ConsentPersonNotFound,
                        "Cette personne ne figure pas (ou plus) dans ce jeu de données : rien n'a été modifié."));
                case RewriteOutcome.Gone:
                    return await RefuseAsync(Problem.Of(410, ErrorCatalog.DatasetPurged, "Ce jeu de données a été détruit entre-temps : plus personne n'y figure."));
                case RewriteOutcome.Replaced when attempt < 3:
                    continue;
                case RewriteOutcome.Replaced:
                    return await RefuseAsync(Problem.Of(409, ErrorCatalog.ConsentConflict,
                        "Ce jeu de données a été modifié plusieurs fois pendant le retrait : rien n'a été fait ; recommencez."));
            }
            var updated = await db.Datasets.AsNoTracking().SingleAsync(d => d.Id == id, http.RequestAborted);
            LogConsentWithdrawn(logger, id, caller.AgentId, updated.Rows);
            return TypedResults.Ok(ToInfo(updated));
        }
    }

    private enum RewriteOutcome
    {
        Done,
        PersonAbsent,
        Replaced,
        Gone,
    }

    /// <summary>
    /// Writes <paramref name="current"/> again without the rows of <paramref name="person"/>, then, under
    /// the dataset's lock and only if it is still the version read, puts the new payload and index in
    /// place, updates the row and logs under both controllers in one transaction; the old payload goes last.
    /// </summary>
    private static async Task<RewriteOutcome> RewriteWithoutAsync(DatasetEntity current, Func<string[], bool> person,
        ExchangeDefinition exchange, Contract contract, HttpContext http, Caller caller, AccessJournal journal, string purpose, string? caseObject,
        CpomDbContext db, IKeyProvider keys, Pseudonymiser pseudonymiser, IPayloadStore store, Spool spool, ILogger logger)
    {
        var header = exchange.DeliveredHeader.ToList();
        var identifiers = exchange.Schema.Columns.Where(c => c.Kind is ColumnKind.Siret or ColumnKind.Nir)
            .Select(c => (Index: header.IndexOf(c.Name), Kind: c.Kind == ColumnKind.Nir ? IdentifierKind.Nir : IdentifierKind.Siret)).ToList();
        var committed = new List<string>();
        await using var o = await OutgoingDataset.StartRewriteAsync(store, keys, current, contract, exchange, spool.Directory, spool.Quota, http.RequestAborted);
        try
        {
            long removed = 0;
            long position = 0;
            try
            {
                await StoredRows.ReadAsync(current, store, keys, async (stored, cells) =>
                {
                    var row = StoredRows.AsDelivered(exchange, current.Id, stored, cells, ++position);
                    if (person(row))
                    {
                        removed++;
                        return;
                    }
                    // The subjects of the new index: every SIRET and NIR of the rows kept, as at upload.
                    foreach (var (index, kind) in identifiers)
                    {
                        if (row[index].Length > 0)
                        {
                            o.Subjects.Add(pseudonymiser.Short(kind, row[index]));
                        }
                    }
                    await o.WriteStoredAsync(row, http.RequestAborted);
                }, http.RequestAborted);
            }
            catch (FileNotFoundException)
            {
                // Replaced (and its old payload destroyed) by a withdrawal that committed meanwhile.
                return RewriteOutcome.Replaced;
            }
            if (removed == 0)
            {
                return RewriteOutcome.PersonAbsent;
            }
            // The new version's files, in place under new names (nothing points at them yet), their
            // keys and digests in a copy of the row; the row itself changes under the lock below.
            var version = CopyOf(current);
            await o.CompleteAsync(version, committed, http.RequestAborted);
            string old;
            await using (var transaction = await CpomDatabase.BeginWriteAsync(db, CancellationToken.None))
            {
                var tracked = await CpomDatabase.LockDatasetAsync(db, current.Id, CancellationToken.None);
                if (tracked is null || tracked.Status != DatasetStatus.Available)
                {
                    return RewriteOutcome.Gone;
                }
                if (tracked.PayloadName != current.PayloadName)
                {
                    return RewriteOutcome.Replaced;
                }
                old = tracked.PayloadName;
                // The previous version's wrapped keys are overwritten here: from this commit its files are noise.
                tracked.PayloadName = version.PayloadName;
                tracked.Rows = version.Rows;
                tracked.Sha256 = version.Sha256;
                tracked.Length = version.Length;
                tracked.PayloadKeyId = version.PayloadKeyId;
                tracked.PayloadWrappedKey = version.PayloadWrappedKey;
                tracked.SubjectsKeyId = version.SubjectsKeyId;
                tracked.SubjectsWrappedKey = version.SubjectsWrappedKey;
                tracked.SubjectsSha256 = version.SubjectsSha256;
                tracked.LegacyHeaders = false;
                // The receipt was for the content as it was: the recipient acknowledges the new version.
                tracked.AcknowledgedAtUtc = null;
                tracked.AcknowledgedBy = null;
                await db.SaveChangesAsync(CancellationToken.None);
                await journal.RecordAsync(http, caller, LogActions.ConsentWithdrawal, tracked.Type, tracked.Id, tracked.Rows, tracked.ToOrganisation, purpose,
                    caseObject ?? "retrait du consentement (RGPD art. 7(3))", null, [tracked.ToOrganisation]);
                await transaction.CommitAsync(CancellationToken.None);
            }
            committed.Clear();
            try
            {
                // The old version's files: unreadable since the commit (their keys were in the row), deleted.
                await store.DeleteAsync(old, CancellationToken.None);
                await store.DeleteAsync(DatasetFiles.SubjectsNameOf(old), CancellationToken.None);
            }
            catch (Exception e) when (e is IOException or Azure.RequestFailedException)
            {
                // The withdrawal is committed and the old version is no longer reachable through the
                // gateway; what is left in the store must still go, by hand if need be.
                LogOldVersionLeft(logger, e, current.Id, old);
            }
            return RewriteOutcome.Done;
        }
        finally
        {
            foreach (var name in committed)
            {
                // The transaction did not commit: the new payload goes; the dataset stays as it was.
                await store.DeleteAsync(name, CancellationToken.None);
            }
        }
    }

    /// <summary>A detached copy of a dataset's row, for a new version's files to fill before the row itself changes.</summary>
    private static DatasetEntity CopyOf(DatasetEntity row) => new()
    {
        Id = row.Id,
        Type = row.Type,
        FromOrganisation = row.FromOrganisation,
        ToOrganisation = row.ToOrganisation,
        Purpose = row.Purpose,
        ContractId = row.ContractId,
        CreatedBy = row.CreatedBy,
        Sha256 = row.Sha256,
        SourceSha256 = row.SourceSha256,
        PayloadName = row.PayloadName,
    };

    /// <summary>Reads who is withdrawn; returns a test on a stored row, or a problem. The NIR is kept only as its pseudonym.</summary>
    private static async Task<(Func<string[], bool> Person, ProblemHttpResult? Invalid)> ReadPersonAsync(HttpContext http,
        DatasetEntity row, ExchangeDefinition exchange, Pseudonymiser pseudonymiser)
    {
        static (Func<string[], bool>, ProblemHttpResult?) Invalid(string detail) =>
            (_ => false, Problem.Of(400, ErrorCatalog.InvalidRequest, detail));
        var header = exchange.DeliveredHeader.ToList();

        var buffer = new byte[MaxConsentBodyBytes + 1];
        var length = 0;
        int read;
        while (length < buffer.Length && (read = await http.Request.Body.ReadAsync(buffer.AsMemory(length), http.RequestAborted)) > 0)
        {
            length += read;
        }
        ConsentWithdrawalRequest? request = null;
        if (length <= MaxConsentBodyBytes)
        {
            try
            {
                request = JsonSerializer.Deserialize<ConsentWithdrawalRequest>(buffer.AsSpan(0, length), JsonSerializerOptions.Web);
            }
            catch (JsonException)
            {
                // Reported below, without echoing what was sent (it may hold a NIR).
            }
        }
        var nirColumn = exchange.Schema.Columns.FirstOrDefault(c => c.Kind == ColumnKind.Nir);
        if (request is null || (request.Nir is null) == (request.Reference is null))
        {
            return Invalid("Désignez la personne dans le corps de la requête, en JSON : {\"nir\": \"…\"} ou {\"reference\": \"ds_…:3\"}, l'un ou l'autre.");
        }
        if (request.Nir is not null)
        {
            var nir = Nir.Normalise(request.Nir);
            if (nirColumn is null || !Nir.IsValid(nir))
            {
                return Invalid("NIR invalide : 13 caractères et une clé de 2 chiffres (2A ou 2B pour la Corse).");
            }
            // From here on, only the pseudonym: the rows are compared by their NIR's pseudonym.
            var target = pseudonymiser.Short(IdentifierKind.Nir, nir);
            var nirIndex = header.IndexOf(nirColumn.Name);
            return (cells => cells[nirIndex] is { Length: > 0 } value && pseudonymiser.Short(IdentifierKind.Nir, value) == target, null);
        }
        if (!RowReferences.TryParse(request.Reference, out var datasetId, out _) || datasetId != row.Id)
        {
            return Invalid($"Référence invalide : celle d'une ligne de ce jeu de données, telle que la passerelle l'a donnée ({row.Id}:3 pour la 3ᵉ ligne du fichier envoyé).");
        }
        var reference = request.Reference!;
        var referenceIndex = header.IndexOf(exchange.RowReference!);
        return (cells => cells[referenceIndex] == reference, null);
    }

    [LoggerMessage(EventId = 3005, Level = LogLevel.Error,
        Message = "Jeu de données {DatasetId} réécrit, mais son ancien contenu {PayloadName} n'a pas pu être supprimé du stockage : supprimez-le (il contient la personne retirée).")]
    private static partial void LogOldVersionLeft(ILogger logger, Exception exception, string datasetId, string payloadName);

    [LoggerMessage(EventId = 3004, Level = LogLevel.Information, Message = "Jeu de données {DatasetId} : une personne retirée par l'agent {AgentId} (consentement retiré) ; {Rows} ligne(s) restante(s).")]
    private static partial void LogConsentWithdrawn(ILogger logger, string datasetId, string agentId, long rows);
}
