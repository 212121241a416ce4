using CpomExchange.Gateway.AccessLog;
using CpomExchange.Gateway.Datasets;
using CpomExchange.Rules.AccessLog;
using Microsoft.AspNetCore.Mvc;

namespace CpomExchange.Gateway.WebConsole.Pages.Journal;

/// <summary>
/// One entry of the organisation's log: every field, its leaf hash, and its inclusion proof in the
/// latest signed checkpoint, checked here against the signed root (the proof is shown so that it
/// can be checked elsewhere).
/// </summary>
internal sealed class EntreeModel(AuditService audit, AccessDecisions decisions) : DpoPage
{
    [BindProperty(SupportsGet = true)] public long N { get; set; }

    public StoredEntry Stored { get; private set; } = null!;

    /// <summary>The inclusion proof, or null when no signed checkpoint covers the entry yet.</summary>
    public InclusionProofInfo? Proof { get; private set; }

    /// <summary>Whether the proof, recomputed from the stored leaf, leads to the checkpoint's signed root.</summary>
    public bool ProofHolds { get; private set; }

    public TimeZoneInfo Zone => decisions.Zone;

    public async Task<IActionResult> OnGetAsync()
    {
        var entry = await audit.EntryAsync(HttpContext, Caller, N);
        if (!entry.Succeeded)
        {
            return Refuse(entry.Refusal);
        }
        Stored = entry.Value;
        var proof = await audit.InclusionAsync(Caller, N, null, HttpContext.RequestAborted);
        if (proof.Succeeded)
        {
            Proof = proof.Value;
            // The leaf recomputed from the entry's own bytes, not the stored hash: a changed entry fails here.
            ProofHolds = MerkleTree.VerifyInclusion(Stored.Entry.LeafHash(), N, Proof.TreeSize,
                Proof.Proof.Select(Convert.FromBase64String).ToList(), Convert.FromBase64String(Proof.Checkpoint.RootHash));
        }
        return Page();
    }
}
