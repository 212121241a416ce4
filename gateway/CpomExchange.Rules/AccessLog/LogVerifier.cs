using System.Security.Cryptography;

namespace CpomExchange.Rules.AccessLog;

/// <summary>A checkpoint with its signature by the log's signing key.</summary>
/// <param name="Checkpoint">What was signed.</param>
/// <param name="KeyId">The id (and version) of the signing key.</param>
/// <param name="Signature">ECDSA P-256 over SHA-256 of <see cref="Checkpoint.SignedBytes"/>, IEEE P1363 (r ‖ s).</param>
public sealed record SignedCheckpoint(Checkpoint Checkpoint, string KeyId, byte[] Signature)
{
    /// <summary>The digest the key provider signs.</summary>
    public static byte[] Digest(Checkpoint checkpoint)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        return SHA256.HashData(checkpoint.SignedBytes());
    }

    /// <summary>Verifies the signature with an ECDSA public key (SubjectPublicKeyInfo, DER).</summary>
    public bool VerifyWith(byte[] publicKeySpki)
    {
        using var key = ECDsa.Create();
        try
        {
            key.ImportSubjectPublicKeyInfo(publicKeySpki, out _);
            return key.VerifyHash(Digest(Checkpoint), Signature);
        }
        catch (CryptographicException)
        {
            return false;
        }
    }
}

/// <summary>An entry as stored: its fields and the leaf hash the gateway recorded for it.</summary>
public sealed record StoredEntry(AccessLogEntry Entry, byte[]? StoredLeafHash);

/// <summary>Where the verified part of a log starts: after a retention purge, the compact range and last leaf at the purge point.</summary>
public sealed record LogStart(long Size, CompactRange Range, byte[] LastLeafHash)
{
    /// <summary>A log verified from its first entry.</summary>
    public static LogStart Empty => new(0, new CompactRange(), new byte[32]);
}

/// <summary>What a verification found; <see cref="FirstBadSeq"/> names the first entry that does not hold.</summary>
public sealed record LogVerification(
    bool Valid,
    long EntriesChecked,
    int CheckpointsChecked,
    long? FirstBadSeq,
    string? Problem,
    Checkpoint? LatestCheckpoint,
    long UnsignedTail)
{
    /// <summary>A French summary for people.</summary>
    public string Summary => Valid
        ? $"Journal intègre : {EntriesChecked} entrée(s) et {CheckpointsChecked} point(s) de contrôle signés vérifiés"
          + (UnsignedTail > 0 ? $" ; {UnsignedTail} entrée(s) récente(s) pas encore couvertes par un point de contrôle." : ".")
        : $"Journal altéré : {Problem}";
}

/// <summary>
/// Verifies a controller's log: every leaf recomputed from the entry's fields, the chain of previous
/// leaf hashes, the sequence numbers, and the RFC 6962 root at every signed checkpoint, whose
/// signature is checked with the log's public key. Used online by the gateway and offline by
/// <c>cpom audit verify</c> on an export.
/// </summary>
public static class LogVerifier
{
    /// <summary>Verifies <paramref name="entries"/> (in sequence order) against <paramref name="checkpoints"/>.</summary>
    public static LogVerification Verify(
        string logId,
        IEnumerable<StoredEntry> entries,
        IReadOnlyList<SignedCheckpoint> checkpoints,
        Func<SignedCheckpoint, bool> verifySignature,
        LogStart? start = null,
        long? headSize = null)
    {
        ArgumentNullException.ThrowIfNull(entries);
        ArgumentNullException.ThrowIfNull(checkpoints);
        ArgumentNullException.ThrowIfNull(verifySignature);
        start ??= LogStart.Empty;
        var range = CompactRange.Deserialize(start.Range.Size, start.Range.Serialize());
        var previous = start.LastLeafHash;
        var pending = checkpoints.Where(c => c.Checkpoint.TreeSize >= start.Size).OrderBy(c => c.Checkpoint.TreeSize).ToList();
        var checkedCheckpoints = 0;
        long entriesChecked = 0;
        long lastGood = start.Size;
        Checkpoint? latest = null;

        LogVerification Bad(long seq, string problem) => new(false, entriesChecked, checkedCheckpoints, seq, problem, latest, 0);

        foreach (var c in pending)
        {
            if (c.Checkpoint.LogId != logId)
            {
                return Bad(c.Checkpoint.TreeSize, $"le point de contrôle de taille {c.Checkpoint.TreeSize} appartient au journal « {c.Checkpoint.LogId} ».");
            }
            if (!verifySignature(c))
            {
                return Bad(Math.Max(0, c.Checkpoint.TreeSize - 1), $"la signature du point de contrôle de taille {c.Checkpoint.TreeSize} est invalide.");
            }
        }
        var next = 0;
        string? CheckCheckpoints()
        {
            while (next < pending.Count && pending[next].Checkpoint.TreeSize == range.Size)
            {
                if (!CryptographicOperations.FixedTimeEquals(range.Root(), pending[next].Checkpoint.RootHash))
                {
                    return $"les entrées n° {lastGood} à {range.Size - 1} ne correspondent plus au point de contrôle signé de taille {range.Size} (contenu réécrit).";
                }
                latest = pending[next].Checkpoint;
                lastGood = range.Size;
                checkedCheckpoints++;
                next++;
            }
            return null;
        }
        if (CheckCheckpoints() is { } startProblem)
        {
            return Bad(start.Size, startProblem);
        }
        var expected = start.Size;
        foreach (var stored in entries)
        {
            var entry = stored.Entry;
            if (entry.Seq < expected)
            {
                return Bad(entry.Seq, $"l'entrée n° {entry.Seq} apparaît deux fois ou hors de sa place.");
            }
            if (entry.Seq > expected)
            {
                return Bad(expected, $"l'entrée n° {expected} est manquante (supprimée).");
            }
            if (headSize is { } size && entry.Seq >= size)
            {
                return Bad(entry.Seq, $"l'entrée n° {entry.Seq} a été ajoutée au-delà de la fin du journal ({size} entrées).");
            }
            if (entry.Controller != logId)
            {
                return Bad(entry.Seq, $"l'entrée n° {entry.Seq} appartient au journal « {entry.Controller} ».");
            }
            var leaf = entry.LeafHash();
            if (stored.StoredLeafHash is not null && !CryptographicOperations.FixedTimeEquals(leaf, stored.StoredLeafHash))
            {
                return Bad(entry.Seq, $"le contenu de l'entrée n° {entry.Seq} a été modifié.");
            }
            if (!CryptographicOperations.FixedTimeEquals(entry.PreviousLeafHash, previous))
            {
                return Bad(entry.Seq, $"le chaînage est rompu à l'entrée n° {entry.Seq} (entrée insérée, supprimée ou déplacée).");
            }
            range.Append(leaf);
            previous = leaf;
            expected++;
            entriesChecked++;
            if (CheckCheckpoints() is { } problem)
            {
                return Bad(lastGood, problem);
            }
        }
        if (next < pending.Count)
        {
            return Bad(range.Size, $"les entrées à partir du n° {range.Size} manquent : le point de contrôle signé de taille {pending[next].Checkpoint.TreeSize} les couvre (journal tronqué).");
        }
        if (headSize is { } head && head > range.Size)
        {
            return Bad(range.Size, $"les entrées à partir du n° {range.Size} manquent : le journal en annonce {head} (journal tronqué).");
        }
        return new LogVerification(true, entriesChecked, checkedCheckpoints, null, null, latest, range.Size - lastGood);
    }
}
