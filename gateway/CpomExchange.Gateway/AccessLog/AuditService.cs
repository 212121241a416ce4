using System.Globalization;
using System.Text;
using CpomExchange.Gateway.Authentication;
using CpomExchange.Gateway.Problems;
using CpomExchange.Infrastructure.AccessLog;
using CpomExchange.Infrastructure.Keys;
using CpomExchange.Infrastructure.Payloads;
using CpomExchange.Infrastructure.Storage;
using CpomExchange.Rules.AccessLog;
using CpomExchange.Rules.Csv;
using CpomExchange.Rules.Errors;
using CpomExchange.Rules.Identifiers;
using CpomExchange.Rules.Policies;
using CpomExchange.Rules.Pseudonymisation;
using CsvHelper;
using Microsoft.EntityFrameworkCore;

namespace CpomExchange.Gateway.AccessLog;

/// <summary>A page of entries and how many match in all.</summary>
internal sealed record AuditListing(long Total, IReadOnlyList<AccessLogEntry> Entries);

/// <summary>
/// A page of entries found by position (<see cref="AccessLogReader.PageBeforeAsync"/>), whether older
/// ones follow, and how many match (counted up to a cap).
/// </summary>
internal sealed record AuditSlice(IReadOnlyList<AccessLogEntry> Entries, bool HasOlder, long Count, bool CountCapped);

/// <summary>What a subject lookup found: the pseudonym looked up, the datasets that hold it, the entries concerning them.</summary>
internal sealed record SubjectFindings(IdentifierKind Kind, string Pseudonym, IReadOnlyList<string> Datasets, IReadOnlyList<AccessLogEntry> Entries);

/// <summary>An online verification: how it was done (<see cref="Run"/>: in full or from a checkpoint verified earlier) and the latest signed checkpoint.</summary>
internal sealed record AuditVerification(LogVerificationRun Run, SignedCheckpoint? Latest)
{
    /// <summary>The verdict.</summary>
    public LogVerification Result => Run.Result;
}

/// <summary>The log's signing key: its id and public key (SubjectPublicKeyInfo, DER).</summary>
internal sealed record SigningKeyInfo(string KeyId, byte[] PublicKeySpki);

/// <summary>
/// The DPO's review of their own organisation's access log (role <c>dpo</c>), as every face does it:
/// listing with filters, one entry, export (CSV or JSON Lines), online verification, proofs, subject
/// lookup (RGPD art. 15). Each review that reads entries is itself logged, in the DPO's log.
/// </summary>
internal sealed partial class AuditService(
    AccessLogReader reader, AccessJournal journal, IKeyProvider keys, Pseudonymiser pseudonymiser, CpomDbContext db, IPayloadStore store,
    VerifiedCheckpoints verified, TimeProvider time, ILogger<AuditService> logger)
{
    /// <summary>The most entries one page holds.</summary>
    public const int MaxPageSize = 1000;

    /// <summary>The last page that can be asked for: its offset fits in an int whatever the page size.</summary>
    public const int MaxPage = (int.MaxValue / MaxPageSize) + 1;

    /// <summary>
    /// The purpose a subject lookup is logged under: answering a person's request of access (RGPD
    /// art. 15), which the DPO's log shows as such among the organisation's own reviews.
    /// </summary>
    public const string SubjectAccessPurpose = "rgpd-art15";

    /// <summary>The refusal of a caller who is not a DPO of an organisation, or null.</summary>
    public static Refusal? NotDpo(Caller caller)
    {
        ArgumentNullException.ThrowIfNull(caller);
        return caller.Roles.Contains(Roles.Dpo) && caller.Organisation is not null
            ? null
            : new Refusal(ErrorCatalog.RoleNotAllowed, "Le journal des accès est consulté par le DPO de l'organisation (rôle dpo), pour sa seule organisation.");
    }

    /// <summary>A page by number, with the exact total (the API's listing).</summary>
    public async Task<Outcome<AuditListing>> ListAsync(HttpContext http, Caller caller, AccessLogFilter filter, int page, int pageSize)
    {
        if (NotDpo(caller) is { } forbidden)
        {
            return forbidden;
        }
        // Checked, not clamped, before anything is read or logged: the offset (page - 1) × pageSize stays an int.
        if (page < 1 || pageSize is < 1 or > MaxPageSize || page > MaxPage)
        {
            return new Refusal(ErrorCatalog.BadPaging, $"Pagination invalide : page de 1 à {MaxPage}, pageSize de 1 à {MaxPageSize}.");
        }
        var (total, entries) = await reader.ListAsync(caller.Organisation!, filter, page, pageSize, http.RequestAborted);
        await journal.RecordAsync(http, caller, LogActions.AuditRead, null, null, entries.Count, null, null, "liste", null, []);
        return new AuditListing(total, entries);
    }

    /// <summary>
    /// The entries older than <paramref name="before"/> (newest first when null), and how many match
    /// counted up to <paramref name="countCap"/>: the console's listing, as fast deep in the log as at its head.
    /// </summary>
    public async Task<Outcome<AuditSlice>> SliceAsync(HttpContext http, Caller caller, AccessLogFilter filter, long? before, int pageSize, int countCap)
    {
        if (NotDpo(caller) is { } forbidden)
        {
            return forbidden;
        }
        if (pageSize is < 1 or > MaxPageSize || before is < 0)
        {
            return new Refusal(ErrorCatalog.BadPaging, $"Pagination invalide : de 1 à {MaxPageSize} entrées par page.");
        }
        var entries = await reader.PageBeforeAsync(caller.Organisation!, filter, before, pageSize + 1, http.RequestAborted);
        var count = await reader.CountAsync(caller.Organisation!, filter, countCap + 1, http.RequestAborted);
        var page = entries.Take(pageSize).ToList();
        await journal.RecordAsync(http, caller, LogActions.AuditRead, null, null, page.Count, null, null, "liste", null, []);
        return new AuditSlice(page, entries.Count > pageSize, Math.Min(count, countCap), count > countCap);
    }

    /// <summary>One entry of the caller's log, with the leaf hash stored for it.</summary>
    public async Task<Outcome<StoredEntry>> EntryAsync(HttpContext http, Caller caller, long seq)
    {
        if (NotDpo(caller) is { } forbidden)
        {
            return forbidden;
        }
        var entry = seq < 0 ? null : await reader.EntryAsync(caller.Organisation!, seq, http.RequestAborted);
        if (entry is null)
        {
            return new Refusal(ErrorCatalog.AuditEntryNotFound, $"Aucune entrée n° {seq} dans le journal de votre organisation (jamais écrite, ou effacée au terme de sa durée de conservation).");
        }
        await journal.RecordAsync(http, caller, LogActions.AuditRead, null, null, 1, null, null, LogText.Fit($"entrée {seq}", 80), null, []);
        return entry;
    }

    /// <summary>The refusal of an export in <paramref name="format"/> by <paramref name="caller"/>, or null.</summary>
    public static Refusal? CheckExport(Caller caller, string format) =>
        NotDpo(caller) ?? (format is "jsonl" or "csv" ? null : new Refusal(ErrorCatalog.MissingParameter, "Format d'export : jsonl ou csv."));

    /// <summary>
    /// Writes the export to <paramref name="output"/>: CSV of the entries matching <paramref name="filter"/>
    /// (all when null), or JSON Lines of the whole log with its checkpoints and public key — the whole
    /// log, whatever the filters, for every entry is chained to the one before and every checkpoint
    /// signs all of them: a part could not be verified. Check <see cref="CheckExport"/> first.
    /// </summary>
    public async Task WriteExportAsync(HttpContext http, Caller caller, string format, AccessLogFilter? filter, Stream output)
    {
        if (CheckExport(caller, format) is { } refused)
        {
            throw new InvalidOperationException(refused.Detail);
        }
        var controller = caller.Organisation!;
        var cancellationToken = http.RequestAborted;
        try
        {
            await journal.RecordAsync(http, caller, LogActions.AuditRead, null, null, null, null, null, "export " + format + (filter is null || format == "jsonl" ? "" : " filtré"), null, []);
        }
        catch (Exception e) when (e is DbUpdateException or FormatException)
        {
            // A damaged log may refuse the entry of this very review; the export is the evidence the DPO needs.
            LogExportNotLogged(logger, e);
        }
        if (format == "csv")
        {
            await using var csv = CsvWriter.Create(output, CsvIngestor.OutputOptions, leaveOpen: true);
            csv.WriteHeader(["n", "horodatage_utc", "agent", "nom_agent", "organisation_agent", "certificat_sha256", "action", "echange", "jeu_de_donnees",
                "lignes", "contrepartie", "finalite", "objet", "base_legale", "resultat", "motif", "adresse_client", "requete"]);
            await foreach (var stored in reader.EntriesAsync(controller, filter, cancellationToken))
            {
                var e = stored.Entry;
                await csv.WriteRecordAsync([e.Seq.ToString(CultureInfo.InvariantCulture), e.Time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss.fff", CultureInfo.InvariantCulture),
                    e.AgentId, e.AgentName, e.Organisation ?? "", e.CertificateSha256, e.Action, e.ExchangeType ?? "", e.DatasetId ?? "",
                    e.Rows?.ToString(CultureInfo.InvariantCulture) ?? "", e.Counterpart ?? "", e.Purpose ?? "", e.Object ?? "", e.LegalBasis ?? "",
                    e.Outcome == AccessLogEntry.Allowed ? "autorisé" : "refusé", e.ReasonCode ?? "", e.ClientAddress ?? "", e.RequestId ?? ""], cancellationToken);
            }
            return;
        }
        await using var writer = new StreamWriter(output, new UTF8Encoding(false), 64 * 1024, leaveOpen: true) { NewLine = "\n" };
        await reader.WriteExportAsync(controller, time.GetUtcNow(), writer, cancellationToken);
    }

    /// <summary>
    /// Recomputes the caller's log from the database (every leaf, the chain, the roots, the
    /// signatures), logs the review, and returns the verdict with the latest signed checkpoint. In full
    /// by default, what a DPO signs off; with <paramref name="incremental"/>, only the entries after the
    /// last signed checkpoint this gateway process verified (in full when it has verified none yet).
    /// </summary>
    public async Task<Outcome<AuditVerification>> VerifyAsync(HttpContext http, Caller caller, bool incremental = false)
    {
        if (NotDpo(caller) is { } forbidden)
        {
            return forbidden;
        }
        var run = await LogVerifications.VerifyAsync(reader, verified, caller.Organisation!, incremental, http.RequestAborted);
        var result = run.Result;
        try
        {
            await journal.RecordAsync(http, caller, LogActions.AuditRead, null, null, result.EntriesChecked, null, null,
                run.FromSize is { } from ? LogText.Fit($"vérification depuis {from}", 80) : "vérification", null, []);
        }
        catch (Exception e) when (!result.Valid && e is DbUpdateException or FormatException or InvalidOperationException)
        {
            // A damaged log may refuse the entry of this very review: the DPO still gets the verdict.
            LogReviewNotLogged(logger, e);
        }
        var latest = result.LatestCheckpoint is null ? null
            : (await reader.CheckpointsAsync(caller.Organisation!, http.RequestAborted)).FirstOrDefault(c => c.Checkpoint.TreeSize == result.LatestCheckpoint.TreeSize);
        return new AuditVerification(run, latest);
    }

    /// <summary>The signed checkpoints of the caller's log, smallest first.</summary>
    public async Task<Outcome<IReadOnlyList<SignedCheckpoint>>> CheckpointsAsync(Caller caller, CancellationToken cancellationToken)
    {
        if (NotDpo(caller) is { } forbidden)
        {
            return forbidden;
        }
        return Outcome<IReadOnlyList<SignedCheckpoint>>.Ok(await reader.CheckpointsAsync(caller.Organisation!, cancellationToken));
    }

    /// <summary>The key that signs the checkpoints.</summary>
    public async Task<Outcome<SigningKeyInfo>> PublicKeyAsync(Caller caller, CancellationToken cancellationToken)
    {
        if (NotDpo(caller) is { } forbidden)
        {
            return forbidden;
        }
        var key = await keys.GetSigningKeyAsync(cancellationToken);
        return new SigningKeyInfo(key.KeyId, key.PublicKeySpki);
    }

    /// <summary>The inclusion proof of entry <paramref name="seq"/> in the checkpoint of <paramref name="treeSize"/> entries (default: the latest).</summary>
    public async Task<Outcome<InclusionProofInfo>> InclusionAsync(Caller caller, long seq, long? treeSize, CancellationToken cancellationToken)
    {
        if (NotDpo(caller) is { } forbidden)
        {
            return forbidden;
        }
        var checkpoints = await reader.CheckpointsAsync(caller.Organisation!, cancellationToken);
        var checkpoint = treeSize is { } size ? checkpoints.FirstOrDefault(c => c.Checkpoint.TreeSize == size) : checkpoints.LastOrDefault();
        if (checkpoint is null || seq < 0 || seq >= checkpoint.Checkpoint.TreeSize)
        {
            return new Refusal(ErrorCatalog.DatasetNotFound, "Aucun point de contrôle signé de cette taille couvrant cette entrée.");
        }
        var leaves = await reader.LeavesAsync(caller.Organisation!, checkpoint.Checkpoint.TreeSize, cancellationToken);
        var proof = MerkleTree.InclusionProof(leaves, seq, checkpoint.Checkpoint.TreeSize);
        return new InclusionProofInfo(seq, checkpoint.Checkpoint.TreeSize, Convert.ToBase64String(leaves[(int)seq]),
            proof.Select(Convert.ToBase64String).ToList(), ToInfo(checkpoint));
    }

    /// <summary>The consistency proof from the checkpoint of <paramref name="from"/> entries to that of <paramref name="to"/> (default: the latest).</summary>
    public async Task<Outcome<ConsistencyProofInfo>> ConsistencyAsync(Caller caller, long from, long? to, CancellationToken cancellationToken)
    {
        if (NotDpo(caller) is { } forbidden)
        {
            return forbidden;
        }
        var checkpoints = await reader.CheckpointsAsync(caller.Organisation!, cancellationToken);
        var old = checkpoints.FirstOrDefault(c => c.Checkpoint.TreeSize == from);
        var latest = to is { } size ? checkpoints.FirstOrDefault(c => c.Checkpoint.TreeSize == size) : checkpoints.LastOrDefault();
        if (old is null || latest is null || latest.Checkpoint.TreeSize < from)
        {
            return new Refusal(ErrorCatalog.DatasetNotFound, "Aucun point de contrôle signé de ces tailles.");
        }
        var leaves = await reader.LeavesAsync(caller.Organisation!, latest.Checkpoint.TreeSize, cancellationToken);
        var proof = MerkleTree.ConsistencyProof(leaves, from, latest.Checkpoint.TreeSize);
        return new ConsistencyProofInfo(from, latest.Checkpoint.TreeSize, proof.Select(Convert.ToBase64String).ToList(), ToInfo(old), ToInfo(latest));
    }

    /// <summary>
    /// Every entry of the caller's log concerning one establishment or person (RGPD art. 15), found
    /// through the pseudonym index of each dataset the organisation sent or received. The identifier
    /// is never logged nor kept: the log holds the pseudonym that was looked up.
    /// </summary>
    public async Task<Outcome<SubjectFindings>> SubjectAsync(HttpContext http, Caller caller, SubjectQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (NotDpo(caller) is { } forbidden)
        {
            return forbidden;
        }
        IdentifierKind kind;
        string value;
        if (query.Siret is not null && query.Nir is null && Siret.IsValid(query.Siret))
        {
            (kind, value) = (IdentifierKind.Siret, Siret.Normalise(query.Siret));
        }
        else if (query.Nir is not null && query.Siret is null && Nir.IsValid(Nir.Normalise(query.Nir)))
        {
            (kind, value) = (IdentifierKind.Nir, Nir.Normalise(query.Nir));
        }
        else
        {
            return new Refusal(ErrorCatalog.MissingParameter, "Donnez un SIRET valide (siret) ou un NIR valide (nir), l'un ou l'autre.");
        }
        var pseudonym = pseudonymiser.Pseudonym(kind, value);
        var shortKey = pseudonymiser.Short(kind, value);
        var controller = caller.Organisation!;
        // Shredded datasets have no subjects any more: their indexes (and keys) are destroyed.
        var datasets = await db.Datasets.AsNoTracking()
            .Where(d => (d.FromOrganisation == controller || d.ToOrganisation == controller) && d.Status == DatasetStatus.Available)
            .ToListAsync(http.RequestAborted);
        var concerning = new List<string>();
        foreach (var dataset in datasets)
        {
            var subjects = await DatasetFiles.ReadSubjectsAsync(store, keys, dataset, http.RequestAborted);
            if (Array.BinarySearch(subjects, shortKey) >= 0)
            {
                concerning.Add(dataset.Id);
            }
        }
        var entries = await reader.ForDatasetsAsync(controller, concerning, http.RequestAborted);
        // The log holds the pseudonym that was looked up, never the identifier.
        await journal.RecordAsync(http, caller, LogActions.AuditRead, null, null, entries.Count, null, SubjectAccessPurpose, "recherche " + pseudonym, null, []);
        return new SubjectFindings(kind, pseudonym, concerning, entries);
    }

    /// <summary>A signed checkpoint as the API gives it.</summary>
    public static CheckpointInfo ToInfo(SignedCheckpoint c)
    {
        ArgumentNullException.ThrowIfNull(c);
        return new(c.Checkpoint.LogId, c.Checkpoint.TreeSize, Convert.ToBase64String(c.Checkpoint.RootHash),
            c.Checkpoint.Time.ToUnixTimeMilliseconds(), c.KeyId, Convert.ToBase64String(c.Signature), Encoding.UTF8.GetString(c.Checkpoint.SignedBytes()));
    }

    [LoggerMessage(EventId = 2101, Level = LogLevel.Warning, Message = "L'export d'un journal des accès endommagé n'a pas pu y être consigné.")]
    private static partial void LogExportNotLogged(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 2102, Level = LogLevel.Warning, Message = "La vérification d'un journal des accès endommagé n'a pas pu y être consignée.")]
    private static partial void LogReviewNotLogged(ILogger logger, Exception exception);
}
