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

    /// <summary>Verifies the signature with an ECDSA public key (SubjectPublicKeyInfo, DER). To check many, see <see cref="CheckpointVerifier"/>.</summary>
    public bool VerifyWith(byte[] publicKeySpki)
    {
        using var verifier = new CheckpointVerifier(publicKeySpki);
        return verifier.Verify(this);
    }
}

/// <summary>
/// Checks checkpoints' signatures with one ECDSA public key (SubjectPublicKeyInfo, DER), imported once: importing the key
/// costs about twice what verifying a signature does, and a full verification checks every checkpoint of the log (a
/// thousand for a million entries). A key that cannot be imported verifies nothing (every signature is refused). Not
/// thread-safe: one verification, one thread, as <see cref="LogVerifier.Run.Begin"/> uses it.
/// </summary>
public sealed class CheckpointVerifier : IDisposable
{
    private readonly ECDsa? _key;

    public CheckpointVerifier(byte[] publicKeySpki)
    {
        var key = ECDsa.Create();
        try
        {
            key.ImportSubjectPublicKeyInfo(publicKeySpki, out _);
            _key = key;
        }
        catch (CryptographicException)
        {
            key.Dispose();
        }
    }

    /// <summary>Whether <paramref name="checkpoint"/>'s signature is this key's over its digest; false when the key could not be imported.</summary>
    public bool Verify(SignedCheckpoint checkpoint)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        if (_key is null)
        {
            return false;
        }
        try
        {
            return _key.VerifyHash(SignedCheckpoint.Digest(checkpoint.Checkpoint), checkpoint.Signature);
        }
        catch (CryptographicException)
        {
            return false;
        }
    }

    public void Dispose() => _key?.Dispose();
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
    /// <summary>
    /// Where a later verification may start (<see cref="LogVerifier.VerifyFrom"/> and the readers built on it): the
    /// compact range and last leaf at <see cref="LatestCheckpoint"/>, as this verification computed them from the
    /// entries themselves (never read from the store). Null when no checkpoint was checked or the log is not valid.
    /// </summary>
    public LogStart? VerifiedStart { get; init; }

    /// <summary>The verdict's equality: <see cref="VerifiedStart"/>, a state for the next verification, is not part of it.</summary>
    public bool Equals(LogVerification? other) => other is not null && Valid == other.Valid && EntriesChecked == other.EntriesChecked
        && CheckpointsChecked == other.CheckpointsChecked && FirstBadSeq == other.FirstBadSeq && Problem == other.Problem
        && EqualityComparer<Checkpoint?>.Default.Equals(LatestCheckpoint, other.LatestCheckpoint) && UnsignedTail == other.UnsignedTail;

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Valid, EntriesChecked, CheckpointsChecked, FirstBadSeq, Problem, LatestCheckpoint, UnsignedTail);

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
        var run = new Run(logId, checkpoints, start ?? LogStart.Empty, headSize);
        if (run.Begin(verifySignature) is { } refused)
        {
            return refused;
        }
        foreach (var stored in entries)
        {
            if (run.Add(stored) is { } bad)
            {
                return bad;
            }
        }
        return run.End(headSize);
    }

    /// <summary>
    /// Verifies <paramref name="entries"/> as <see cref="Verify"/> does, reading them as they come:
    /// memory stays flat whatever the length of the log, and reading stops at the first bad entry.
    /// </summary>
    public static async Task<LogVerification> VerifyAsync(
        string logId,
        IAsyncEnumerable<StoredEntry> entries,
        IReadOnlyList<SignedCheckpoint> checkpoints,
        Func<SignedCheckpoint, bool> verifySignature,
        LogStart? start = null,
        long? headSize = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entries);
        ArgumentNullException.ThrowIfNull(checkpoints);
        ArgumentNullException.ThrowIfNull(verifySignature);
        var run = new Run(logId, checkpoints, start ?? LogStart.Empty, headSize);
        if (run.Begin(verifySignature) is { } refused)
        {
            return refused;
        }
        await foreach (var stored in entries.WithCancellation(cancellationToken))
        {
            if (run.Add(stored) is { } bad)
            {
                return bad;
            }
        }
        return run.End(headSize);
    }

    /// <summary>One verification, entry by entry: each step returns the verdict when it finds a problem, else null.</summary>
    internal sealed class Run
    {
        private readonly string _logId;
        private readonly byte[]? _logIdUtf8;
        private readonly LogStart _start;
        private readonly CompactRange _range;
        private readonly List<SignedCheckpoint> _pending;
        private byte[] _previous;
        private int _next;
        private int _checkedCheckpoints;
        private long _entriesChecked;
        private long _lastGood;
        private long _expected;
        private Checkpoint? _latest;

        private readonly long? _headSize;
        private LogStart? _verifiedStart;

        public Run(string logId, IReadOnlyList<SignedCheckpoint> checkpoints, LogStart start, long? headSize)
        {
            _headSize = headSize;
            _logId = logId;
            _logIdUtf8 = logId is null ? null : System.Text.Encoding.UTF8.GetBytes(logId);
            _start = start;
            _range = CompactRange.Deserialize(start.Range.Size, start.Range.Serialize());
            _previous = start.LastLeafHash;
            _pending = checkpoints.Where(c => c.Checkpoint.TreeSize >= start.Size).OrderBy(c => c.Checkpoint.TreeSize).ToList();
            _lastGood = start.Size;
            _expected = start.Size;
        }

        /// <summary>Checks every checkpoint's log id and signature, and those at the start's size.</summary>
        public LogVerification? Begin(Func<SignedCheckpoint, bool> verifySignature)
        {
            foreach (var c in _pending)
            {
                if (c.Checkpoint.LogId != _logId)
                {
                    return Bad(c.Checkpoint.TreeSize, $"le point de contrôle de taille {c.Checkpoint.TreeSize} appartient au journal « {c.Checkpoint.LogId} ».");
                }
                if (!verifySignature(c))
                {
                    return Bad(Math.Max(0, c.Checkpoint.TreeSize - 1), $"la signature du point de contrôle de taille {c.Checkpoint.TreeSize} est invalide.");
                }
            }
            return CheckCheckpoints() is { } startProblem ? Bad(_start.Size, startProblem) : null;
        }

        /// <summary>
        /// Checks the next entry: its place, its log, its leaf, its link, and the checkpoints it completes.
        /// <paramref name="computedLeaf"/>, when given, is <c>stored.Entry.LeafHash()</c> computed beforehand (on another thread).
        /// </summary>
        public LogVerification? Add(StoredEntry stored, byte[]? computedLeaf = null)
        {
            var entry = stored.Entry;
            if (Place(entry.Seq) is { } misplaced)
            {
                return misplaced;
            }
            if (entry.Controller != _logId)
            {
                return Foreign(entry.Seq, entry.Controller);
            }
            return Link(entry.Seq, computedLeaf ?? entry.LeafHash(), stored.StoredLeafHash, entry.PreviousLeafHash);
        }

        /// <summary>
        /// Checks the next entry read as UTF-8 (<see cref="Utf8Entry"/>), exactly as <see cref="Add(StoredEntry, byte[])"/> checks
        /// <c>entry.ToEntry()</c>; <paramref name="leaf"/> is <c>entry.LeafHash()</c>, computed beforehand.
        /// </summary>
        public LogVerification? Add(Utf8Entry entry, byte[] leaf)
        {
            if (Place(entry.Seq) is { } misplaced)
            {
                return misplaced;
            }
            // Ordinal string equality is byte equality of valid UTF-8 (Utf8Entry holds nothing else).
            if (_logIdUtf8 is null ? !entry.IsNull(Utf8Entry.Field.Controller)
                : entry.IsNull(Utf8Entry.Field.Controller) || !entry.Get(Utf8Entry.Field.Controller).SequenceEqual(_logIdUtf8))
            {
                return Foreign(entry.Seq, entry.GetString(Utf8Entry.Field.Controller));
            }
            return Link(entry.Seq, leaf, entry.StoredLeafHash, entry.PreviousLeafHash);
        }

        /// <summary>The sequence number the next entry must have.</summary>
        public long Next => _expected;

        /// <summary>
        /// Checks the next entry whose log and stored leaf the caller already checked as <see cref="Add(Utf8Entry, byte[])"/>
        /// would, by its sequence number and <paramref name="leaf"/>: its place, its link to the previous leaf when
        /// <paramref name="previousLeafHash"/> is given (null: the caller found it equal to the previous entry's leaf, which
        /// it handed here just before), and the checkpoints it completes.
        /// </summary>
        public LogVerification? AddLinked(long seq, ReadOnlySpan<byte> leaf, byte[]? previousLeafHash)
        {
            if (Place(seq) is { } misplaced)
            {
                return misplaced;
            }
            if (previousLeafHash is not null && !previousLeafHash.AsSpan().SequenceEqual(_previous))
            {
                return Bad(seq, $"le chaînage est rompu à l'entrée n° {seq} (entrée insérée, supprimée ou déplacée).");
            }
            return Append(leaf);
        }

        private LogVerification? Place(long seq)
        {
            if (seq < _expected)
            {
                return Bad(seq, $"l'entrée n° {seq} apparaît deux fois ou hors de sa place.");
            }
            if (seq > _expected)
            {
                return Bad(_expected, $"l'entrée n° {_expected} est manquante (supprimée).");
            }
            if (_headSize is { } size && seq >= size)
            {
                return Bad(seq, $"l'entrée n° {seq} a été ajoutée au-delà de la fin du journal ({size} entrées).");
            }
            return null;
        }

        private LogVerification Foreign(long seq, string? controller) => Bad(seq, $"l'entrée n° {seq} appartient au journal « {controller} ».");

        // The hashes compared here are those the log publishes (leaves, links, roots): nothing secret to time, so an ordinary
        // (vectorised) comparison, not CryptographicOperations.FixedTimeEquals, which the runtime compiles unoptimised.
        private LogVerification? Link(long seq, byte[] leaf, byte[]? storedLeaf, byte[] previousLeafHash)
        {
            if (storedLeaf is not null && !leaf.AsSpan().SequenceEqual(storedLeaf))
            {
                return Bad(seq, $"le contenu de l'entrée n° {seq} a été modifié.");
            }
            if (!previousLeafHash.AsSpan().SequenceEqual(_previous))
            {
                return Bad(seq, $"le chaînage est rompu à l'entrée n° {seq} (entrée insérée, supprimée ou déplacée).");
            }
            return Append(leaf);
        }

        private LogVerification? Append(ReadOnlySpan<byte> leaf)
        {
            _range.Append(leaf);
            if (_previous.Length != leaf.Length || ReferenceEquals(_previous, _start.LastLeafHash))
            {
                _previous = new byte[leaf.Length];
            }
            leaf.CopyTo(_previous);
            _expected++;
            _entriesChecked++;
            return CheckCheckpoints() is { } problem ? Bad(_lastGood, problem) : null;
        }

        /// <summary>The verdict once every entry is read: no signed checkpoint and no announced entry may be left uncovered.</summary>
        public LogVerification End(long? headSize)
        {
            if (_next < _pending.Count)
            {
                return Bad(_range.Size, $"les entrées à partir du n° {_range.Size} manquent : le point de contrôle signé de taille {_pending[_next].Checkpoint.TreeSize} les couvre (journal tronqué).");
            }
            if (headSize is { } head && head > _range.Size)
            {
                return Bad(_range.Size, $"les entrées à partir du n° {_range.Size} manquent : le journal en annonce {head} (journal tronqué).");
            }
            return new LogVerification(true, _entriesChecked, _checkedCheckpoints, null, null, _latest, _range.Size - _lastGood) { VerifiedStart = _verifiedStart };
        }

        private LogVerification Bad(long seq, string problem) => new(false, _entriesChecked, _checkedCheckpoints, seq, problem, _latest, 0);

        private string? CheckCheckpoints()
        {
            while (_next < _pending.Count && _pending[_next].Checkpoint.TreeSize == _range.Size)
            {
                if (!_range.Root().AsSpan().SequenceEqual(_pending[_next].Checkpoint.RootHash))
                {
                    return $"les entrées n° {_lastGood} à {_range.Size - 1} ne correspondent plus au point de contrôle signé de taille {_range.Size} (contenu réécrit).";
                }
                _latest = _pending[_next].Checkpoint;
                _lastGood = _range.Size;
                // Where a later verification may start: this checkpoint's range and last leaf, as recomputed here (about 20 hashes).
                _verifiedStart = new LogStart(_range.Size, CompactRange.Deserialize(_range.Size, _range.Serialize()), _previous.ToArray());
                _checkedCheckpoints++;
                _next++;
            }
            return null;
        }
    }
}
