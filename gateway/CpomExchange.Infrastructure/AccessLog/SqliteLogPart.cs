using System.Threading.Channels;
using CpomExchange.Rules.AccessLog;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace CpomExchange.Infrastructure.AccessLog;

/// <summary>
/// The stripes of a log's sequence numbers one connection reads, each read and hashed on a thread of its own
/// (<see cref="Run"/>): each row's canonical bytes are written straight from SQLite's buffers (<see cref="SqliteCanonicalRow"/>;
/// a row it gives up on, or an entry that does not hold, is read again into a <see cref="Utf8Entry"/> by
/// <see cref="SqliteLogVerification.Read"/>, which decides), its leaf computed and checked against what only
/// this stripe needs to know (its place after the stripe's previous entry, its log, its stored leaf, its link to the
/// stripe's previous leaf). The entries and their stored leaves are read by two statements in order of sequence number,
/// walked side by side (a merge join: an entry without a leaf or a leaf without an entry is skipped, as the inner join
/// of the former statement skipped it), so that no entry costs a seek into the leaves' index. The leaves of the entries
/// that hold are handed over in <see cref="Chunk"/>s, in order, through a bounded channel (the part waits for room: it
/// never reads more than <see cref="ChunksAhead"/> chunks ahead of the ordered checks); the first entry that does not
/// hold is handed over whole (<see cref="Chunk.Bad"/>) and the part stops there: the ordered checks
/// (<c>LogVerifier.Run</c>) then find its verdict exactly as they would have checked it in a single pass. A stripe's
/// first entry's place and link, which depend on the stripe before, are left to those ordered checks
/// (<see cref="Chunk.FirstSeq"/>, <see cref="Chunk.FirstPrevious"/>).
/// </summary>
/// <param name="chunkSize">Entries per chunk (tests: small chunks).</param>
/// <param name="chunksAhead">How many chunks may wait in the channel (tests).</param>
internal sealed class SqliteLogPart(sqlite3 db, string columns, string leavesColumns, string controller, long? from, IReadOnlyList<(long? Lo, long? Hi)> stripes,
    int chunkSize = SqliteLogPart.ChunkSize, int chunksAhead = SqliteLogPart.ChunksAhead)
{
    public const int ChunkSize = 1024;

    /// <summary>How many chunks a part may have handed over and not yet had back (32 KiB of leaves each).</summary>
    public const int ChunksAhead = 32;

    private const int HashSize = MerkleTree.HashSize;

    private readonly byte[] _controller = System.Text.Encoding.UTF8.GetBytes(controller);
    private readonly Channel<Chunk> _chunks = Channel.CreateBounded<Chunk>(new BoundedChannelOptions(chunksAhead)
    {
        SingleReader = true,
        SingleWriter = true,
        FullMode = BoundedChannelFullMode.Wait,
    });
    private readonly System.Collections.Concurrent.ConcurrentQueue<Chunk> _free = new();

    // The leaf prefix and canonical bytes of the fast path's current entry (SqliteCanonicalRow), grown as needed.
    private byte[] _canonical = new byte[2048];

    /// <summary>The part's chunks in order, each stripe ending with a chunk marked <see cref="Chunk.EndOfStripe"/>; the channel completes after the last one (or with the part's error).</summary>
    public ChannelReader<Chunk> Chunks => _chunks.Reader;

    /// <summary>A chunk the reader is done with, for the part to fill again.</summary>
    public void Recycle(Chunk chunk) => _free.Enqueue(chunk);

    /// <summary>For the tests: how many entries held on the fast path (<see cref="SqliteCanonicalRow"/>), not read into a <see cref="Utf8Entry"/>.</summary>
    internal long FastEntries { get; private set; }

    /// <summary>For the tests: how many chunks this part made (at most the channel's bound, and the one it fills, while no chunk comes back).</summary>
    internal int ChunksMade { get; private set; }

    /// <summary>Reads the part's stripes to their end, its first bad entry, or its first row this reader does not read.</summary>
    public void Run(CancellationToken cancellationToken)
    {
        try
        {
            Read(cancellationToken);
            _chunks.Writer.Complete();
        }
        catch (Exception e)
        {
            _chunks.Writer.Complete(e);
        }
    }

    private void Read(CancellationToken cancellationToken)
    {
        // A statement for each shape of bounds (the first stripe has no lower bound, the last no upper bound: a bound
        // the SQL does not name reads what the former single statement read, rows of any storage class included).
        var prepared = new Dictionary<(bool, bool), (sqlite3_stmt Entries, sqlite3_stmt Leaves)>();
        try
        {
            var entry = new Utf8Entry();
            var previousBuffer = new byte[HashSize];
            foreach (var (lo, hi) in stripes)
            {
                if (!prepared.TryGetValue((lo is null, hi is null), out var pair))
                {
                    pair = (Prepare(columns, lo, hi), Prepare(leavesColumns, lo, hi));
                    prepared.Add((lo is null, hi is null), pair);
                }
                foreach (var s in (ReadOnlySpan<sqlite3_stmt>)[pair.Entries, pair.Leaves])
                {
                    SqliteLogVerification.Check(db, raw.sqlite3_reset(s));
                    Bind(s, "@controller", controller);
                    Bind(s, "@from", from);
                    Bind(s, "@lo", lo);
                    Bind(s, "@hi", hi);
                }
                if (!ReadStripe(pair.Entries, pair.Leaves, entry, ref previousBuffer, cancellationToken))
                {
                    return;
                }
            }
        }
        finally
        {
            foreach (var (entries, leaves) in prepared.Values)
            {
                entries.Dispose();
                leaves.Dispose();
            }
        }
    }

    private sqlite3_stmt Prepare(string select, long? lo, long? hi)
    {
        var sql = select + (from is null ? "" : " AND \"Seq\" >= @from") + (lo is null ? "" : " AND \"Seq\" >= @lo")
            + (hi is null ? "" : " AND \"Seq\" < @hi") + " ORDER BY \"Seq\"";
        SqliteLogVerification.Check(db, raw.sqlite3_prepare_v2(db, sql, out var statement));
        return statement;
    }

    // One stripe; false when the part stops (a bad entry or a row this reader does not read, handed over).
    private bool ReadStripe(sqlite3_stmt statement, sqlite3_stmt leaves, Utf8Entry entry, ref byte[] previousBuffer, CancellationToken cancellationToken)
    {
        var previous = new byte[HashSize];
        long last = -1;
        var first = true;
        var chunk = NewChunk();
        var leafHandle = leaves.DangerousGetHandle();
        var handle = statement.DangerousGetHandle();
        // The current leaf row's sequence number, read once per step (null: not an INTEGER, a row this reader does not read).
        var leafRow = Step(leaves);
        var leafSeq = leafRow ? LeafSeq(leaves, leafHandle) : null;
        while (Step(statement))
        {
            if (SqliteColumns.Type(statement, handle, 0) != raw.SQLITE_INTEGER)
            {
                return Stop(chunk, unreadable: true, cancellationToken);
            }
            var seq = SqliteColumns.Int64(statement, handle, 0);
            // The leaves in order of sequence number, beside the entries: those before this entry have no entry (skipped).
            while (leafRow && leafSeq < seq)
            {
                leafRow = Step(leaves);
                leafSeq = leafRow ? LeafSeq(leaves, leafHandle) : null;
            }
            if (leafRow && (leafSeq is null || SqliteColumns.Type(leaves, leafHandle, 1) != raw.SQLITE_BLOB))
            {
                return Stop(chunk, unreadable: true, cancellationToken);
            }
            if (!leafRow || leafSeq != seq)
            {
                continue; // An entry without its leaf: the inner join did not read it.
            }
            // The fast path: the canonical bytes straight from SQLite's buffers; any row it does not take as it is, or an
            // entry that does not hold, is read again below the former way (the row is still current), which decides.
            var length = SqliteCanonicalRow.TryWrite(statement, handle, seq, _controller, ref _canonical, out var rowPrevious);
            if (length >= 0)
            {
                var fastLeaf = chunk.Leaves.AsSpan(chunk.Count * HashSize, HashSize);
                Sha256Direct.HashData(_canonical.AsSpan(0, length), fastLeaf);
                // Public hashes: an ordinary comparison (see the former path below).
                if (fastLeaf.SequenceEqual(SqliteColumns.Blob(leaves, leafHandle, 1))
                    && (first || (seq == last + 1 && rowPrevious.SequenceEqual(previous))))
                {
                    if (first)
                    {
                        chunk.FirstSeq = seq;
                        chunk.FirstPrevious = rowPrevious.ToArray();
                        first = false;
                    }
                    fastLeaf.CopyTo(previous);
                    last = seq;
                    FastEntries++;
                    if (++chunk.Count == chunkSize)
                    {
                        Write(chunk, cancellationToken);
                        chunk = NewChunk();
                    }
                    continue;
                }
            }
            if (!SqliteLogVerification.Read(statement, seq, entry, ref previousBuffer))
            {
                return Stop(chunk, unreadable: true, cancellationToken);
            }
            var leaf = chunk.Leaves.AsSpan(chunk.Count * HashSize, HashSize);
            entry.LeafHash(leaf);
            var stored = SqliteColumns.Blob(leaves, leafHandle, 1);
            // Hashes the log publishes (its leaves, its links): an ordinary comparison, not CryptographicOperations.FixedTimeEquals,
            // which the runtime compiles unoptimised (NoOptimization) and which cost 6 % of a verification's processor time.
            var holds = entry.Get(Utf8Entry.Field.Controller).SequenceEqual(_controller) && !entry.IsNull(Utf8Entry.Field.Controller)
                && leaf.SequenceEqual(stored)
                && (first || (entry.Seq == last + 1 && entry.PreviousLeafHash.AsSpan().SequenceEqual(previous)));
            if (!holds)
            {
                // Handed over whole, with arrays of its own: the ordered checks find what is wrong with it.
                entry.StoredLeafHash = stored.ToArray();
                entry.PreviousLeafHash = entry.PreviousLeafHash.ToArray();
                chunk.Bad = entry;
                chunk.BadLeaf = leaf.ToArray();
                return Stop(chunk, unreadable: false, cancellationToken);
            }
            if (first)
            {
                chunk.FirstSeq = entry.Seq;
                chunk.FirstPrevious = entry.PreviousLeafHash.ToArray();
                first = false;
            }
            leaf.CopyTo(previous);
            last = entry.Seq;
            if (++chunk.Count == chunkSize)
            {
                Write(chunk, cancellationToken);
                chunk = NewChunk();
            }
        }
        chunk.EndOfStripe = true;
        Write(chunk, cancellationToken);
        return true;
    }

    private static long? LeafSeq(sqlite3_stmt leaves, IntPtr handle) =>
        SqliteColumns.Type(leaves, handle, 0) == raw.SQLITE_INTEGER ? SqliteColumns.Int64(leaves, handle, 0) : null;

    private bool Step(sqlite3_stmt statement)
    {
        var rc = raw.sqlite3_step(statement);
        if (rc != raw.SQLITE_ROW && rc != raw.SQLITE_DONE)
        {
            SqliteLogVerification.Check(db, rc);
        }
        return rc == raw.SQLITE_ROW;
    }

    private bool Stop(Chunk chunk, bool unreadable, CancellationToken cancellationToken)
    {
        chunk.Unreadable = unreadable;
        Write(chunk, cancellationToken);
        return false;
    }

    // Hands a chunk over, waiting for room when the ordered checks are ChunksAhead chunks behind.
    private void Write(Chunk chunk, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (!_chunks.Writer.TryWrite(chunk))
        {
            _chunks.Writer.WriteAsync(chunk, cancellationToken).AsTask().GetAwaiter().GetResult();
        }
    }

    private Chunk NewChunk()
    {
        if (_free.TryDequeue(out var chunk))
        {
            chunk.Count = 0;
            chunk.FirstPrevious = null;
            chunk.EndOfStripe = false;
            return chunk;
        }
        ChunksMade++;
        return new Chunk(chunkSize);
    }

    private void Bind(sqlite3_stmt statement, string name, object? value)
    {
        var index = raw.sqlite3_bind_parameter_index(statement, name);
        if (index == 0)
        {
            return;
        }
        var rc = value switch
        {
            string text => raw.sqlite3_bind_text(statement, index, text),
            long number => raw.sqlite3_bind_int64(statement, index, number),
            _ => raw.SQLITE_OK,
        };
        SqliteLogVerification.Check(db, rc);
    }

    /// <summary>Up to <see cref="ChunkSize"/> consecutive entries of a part that hold, by their leaves; maybe the part's end.</summary>
    internal sealed class Chunk(int size)
    {
        /// <summary>The leaves, <see cref="MerkleTree.HashSize"/> bytes each.</summary>
        public byte[] Leaves { get; } = new byte[size * HashSize];

        public int Count { get; set; }

        /// <summary>Set on a stripe's first chunk with an entry: that entry's sequence number and previous leaf hash.</summary>
        public long FirstSeq { get; set; }

        public byte[]? FirstPrevious { get; set; }

        /// <summary>The entry after these that does not hold, and its leaf; the part ends with it.</summary>
        public Utf8Entry? Bad { get; set; }

        public byte[]? BadLeaf { get; set; }

        /// <summary>The stripe's last chunk (maybe empty): the next stripe's chunks follow, on the next part.</summary>
        public bool EndOfStripe { get; set; }

        /// <summary>The row after these is not one this reader reads: the whole verification goes through EF Core.</summary>
        public bool Unreadable { get; set; }
    }
}
