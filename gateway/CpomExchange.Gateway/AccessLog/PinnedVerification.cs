using CpomExchange.Gateway.Authentication;
using CpomExchange.Gateway.Datasets;
using CpomExchange.Gateway.Problems;
using CpomExchange.Infrastructure.AccessLog;
using CpomExchange.Infrastructure.Keys;
using CpomExchange.Infrastructure.Storage;
using CpomExchange.Rules.AccessLog;
using Microsoft.EntityFrameworkCore;

namespace CpomExchange.Gateway.AccessLog;

/// <summary>
/// What a DPO's check in the console found: the recomputation of the whole log, and whether the log
/// signed now extends the one this DPO verified last time (<paramref name="Previous"/>).
/// </summary>
/// <param name="Result">The recomputation: entries, chain, roots and signatures.</param>
/// <param name="Latest">The latest signed checkpoint, if any.</param>
/// <param name="Problems">Every problem found, in French; none when the log holds.</param>
/// <param name="Previous">The checkpoint pinned at this DPO's previous check, if any.</param>
/// <param name="ConsistencyProved">Whether a consistency proof from <paramref name="Previous"/> to <paramref name="Latest"/> was checked.</param>
/// <param name="FirstBad">The first entry in cause, when the recomputation names one that can still be read.</param>
/// <param name="Run">How the recomputation was done: in full, or from a checkpoint this process verified earlier.</param>
internal sealed record PinnedCheck(
    LogVerification Result,
    SignedCheckpoint? Latest,
    IReadOnlyList<string> Problems,
    DpoCheckpointEntity? Previous,
    bool ConsistencyProved,
    AccessLogEntry? FirstBad,
    LogVerificationRun Run)
{
    /// <summary>True when nothing was found wrong.</summary>
    public bool Valid => Problems.Count == 0;
}

/// <summary>
/// The console's "Vérifier le journal": the gateway's recomputation of the log (as the API's
/// verification), then, as <c>cpom audit verify</c> does with a file on the DPO's machine, a
/// consistency proof that the log signed now only extends the checkpoint this DPO verified last
/// time, pinned in the database with the public key. A pin in the gateway's own database guards
/// against a history rewritten after the check, not against whoever controls that database and
/// the signing key: the CLI's offline check of an export stays the independent one.
/// </summary>
internal sealed class PinnedVerification(AuditService audit, AccessLogReader reader, IKeyProvider keys, CpomDbContext db, AccessDecisions decisions, TimeProvider time)
{
    /// <summary>
    /// Verifies the caller's log (in full, unless <paramref name="incremental"/> asks for the entries after the
    /// last checkpoint this process verified only), compares it with their previous check, and pins it when it holds.
    /// </summary>
    public async Task<Problems.Outcome<PinnedCheck>> VerifyAsync(HttpContext http, Caller caller, bool incremental = false)
    {
        var verified = await audit.VerifyAsync(http, caller, incremental);
        if (!verified.Succeeded)
        {
            return verified.Refusal;
        }
        var (run, latest) = verified.Value;
        var result = run.Result;
        var controller = caller.Organisation!;
        var cancellationToken = http.RequestAborted;
        var key = await keys.GetSigningKeyAsync(cancellationToken);
        var previous = await db.DpoCheckpoints.AsNoTracking().SingleOrDefaultAsync(p => p.AgentId == caller.AgentId && p.Controller == controller, cancellationToken);
        var problems = new List<string>();
        if (!result.Valid)
        {
            problems.Add(result.Summary);
        }
        if (previous is not null && !previous.PublicKey.AsSpan().SequenceEqual(key.PublicKeySpki))
        {
            problems.Add($"La clé de signature du journal a changé depuis votre vérification du {Local(previous.VerifiedAtUtc)} : seule une rotation annoncée par l'exploitant l'explique.");
        }
        if (latest is not null && latest.Checkpoint.LogId != controller)
        {
            // One key signs every organisation's log: a checkpoint of another log verifies too.
            problems.Add($"Le point de contrôle présenté est celui du journal « {latest.Checkpoint.LogId} », pas celui de votre organisation.");
        }
        var consistent = false;
        if (previous is { TreeSize: { } oldSize, RootHash: { } oldRoot })
        {
            if (latest is null)
            {
                problems.Add($"La passerelle ne présente plus aucun point de contrôle signé, alors que celui de {oldSize} entrées a été vérifié le {Local(previous.VerifiedAtUtc)}.");
            }
            else if (latest.Checkpoint.TreeSize < oldSize)
            {
                problems.Add($"Le journal a rétréci : {latest.Checkpoint.TreeSize} entrées signées contre {oldSize} lors de votre vérification du {Local(previous.VerifiedAtUtc)}.");
            }
            else if (previous.CheckpointTimeUtc is { } pinnedTime && latest.Checkpoint.Time.UtcDateTime < DateTime.SpecifyKind(pinnedTime, DateTimeKind.Utc))
            {
                problems.Add("Le point de contrôle présenté est plus ancien que celui que vous avez vérifié : la passerelle présente un état passé du journal.");
            }
            else if (problems.Count == 0)
            {
                var leaves = await reader.LeavesAsync(controller, latest.Checkpoint.TreeSize, cancellationToken);
                var proof = MerkleTree.ConsistencyProof(leaves, oldSize, latest.Checkpoint.TreeSize);
                consistent = MerkleTree.VerifyConsistency(oldSize, latest.Checkpoint.TreeSize, oldRoot, latest.Checkpoint.RootHash, proof);
                if (!consistent)
                {
                    problems.Add($"L'historique a été réécrit : le journal signé n'est pas le prolongement de celui que vous avez vérifié le {Local(previous.VerifiedAtUtc)} ({oldSize} entrées).");
                }
            }
        }
        if (problems.Count == 0)
        {
            await PinAsync(caller.AgentId, controller, previous, latest, key, cancellationToken);
        }
        var firstBad = result.FirstBadSeq is { } seq ? (await reader.EntryAsync(controller, seq, cancellationToken))?.Entry : null;
        return new PinnedCheck(result, latest, problems, previous, consistent, firstBad, run);
    }

    private async Task PinAsync(string agentId, string controller, DpoCheckpointEntity? previous, SignedCheckpoint? latest, SigningKey key, CancellationToken cancellationToken)
    {
        if (latest is null && previous?.TreeSize is not null)
        {
            return;
        }
        var pin = await db.DpoCheckpoints.SingleOrDefaultAsync(p => p.AgentId == agentId && p.Controller == controller, cancellationToken);
        if (pin is null)
        {
            pin = new DpoCheckpointEntity { AgentId = agentId, Controller = controller, KeyId = key.KeyId, PublicKey = key.PublicKeySpki };
            db.DpoCheckpoints.Add(pin);
        }
        pin.TreeSize = latest?.Checkpoint.TreeSize;
        pin.RootHash = latest?.Checkpoint.RootHash;
        pin.CheckpointTimeUtc = latest?.Checkpoint.Time.UtcDateTime;
        pin.KeyId = key.KeyId;
        pin.PublicKey = key.PublicKeySpki;
        pin.VerifiedAtUtc = time.GetUtcNow().UtcDateTime;
        await db.SaveChangesAsync(cancellationToken);
    }

    private string Local(DateTime utc) =>
        TimeZoneInfo.ConvertTimeFromUtc(DateTime.SpecifyKind(utc, DateTimeKind.Utc), decisions.Zone).ToString("dd/MM/yyyy HH:mm", System.Globalization.CultureInfo.InvariantCulture);
}
