using System.Security.Cryptography;
using System.Threading.Channels;
using CpomExchange.Rules.AccessLog;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace CpomExchange.Infrastructure.AccessLog;

/// <summary>
/// One contiguous part of a log's sequence numbers, read and hashed on a thread of its own (<see cref="Run"/>): each row
/// is read into a <see cref="Utf8Entry"/>, its leaf computed and checked against what only this part needs to know (its
/// place after the part's previous entry, its log, its stored leaf, its link to the part's previous leaf). The leaves
/// of the entries that hold are handed over in <see cref="Chunk"/>s, in order; the first entry that does not hold is
/// handed over whole (<see cref="Chunk.Bad"/>) and the part stops there: the ordered checks
/// (<c>LogVerifier.Run</c>) then find its verdict exactly as they would have checked it in a single pass. The part's
/// first entry's place and link, which depend on the part before, are left to those ordered checks
/// (<see cref="Chunk.FirstSeq"/>, <see cref="Chunk.FirstPrevious"/>).
/// </summary>
internal sealed class SqliteLogPart(sqlite3 db, string sql, string controller, long? from, long? lo, long? hi)
{
    public const int ChunkSize = 1024;

    private const int HashSize = MerkleTree.HashSize;

    private readonly byte[] _controller = System.Text.Encoding.UTF8.GetBytes(controller);
    private readonly Channel<Chunk> _chunks = Channel.CreateUnbounded<Chunk>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    private readonly System.Collections.Concurrent.ConcurrentQueue<Chunk> _free = new();

    /// <summary>The part's chunks in order; the channel completes after the last one (or with the part's error).</summary>
    public ChannelReader<Chunk> Chunks => _chunks.Reader;

    /// <summary>A chunk the reader is done with, for the part to fill again.</summary>
    public void Recycle(Chunk chunk) => _free.Enqueue(chunk);

    /// <summary>Reads the part to its end, its first bad entry, or its first row this reader does not read.</summary>
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
        SqliteLogVerification.Check(db, raw.sqlite3_prepare_v2(db, sql, out var statement));
        using (statement)
        {
            Bind(statement, "@controller", controller);
            Bind(statement, "@from", from);
            Bind(statement, "@lo", lo);
            Bind(statement, "@hi", hi);
            var entry = new Utf8Entry();
            var previous = new byte[HashSize];
            var previousBuffer = new byte[HashSize];
            long last = -1;
            var first = true;
            var chunk = NewChunk();
            while (true)
            {
                var rc = raw.sqlite3_step(statement);
                if (rc == raw.SQLITE_DONE)
                {
                    break;
                }
                if (rc != raw.SQLITE_ROW)
                {
                    SqliteLogVerification.Check(db, rc);
                }
                if (!SqliteLogVerification.Read(statement, entry, ref previousBuffer))
                {
                    chunk.Unreadable = true;
                    break;
                }
                var leaf = chunk.Leaves.AsSpan(chunk.Count * HashSize, HashSize);
                entry.LeafHash(leaf);
                var stored = SqliteColumns.Blob(statement, statement.DangerousGetHandle(), SqliteLogVerification.LeafOrdinal);
                var holds = entry.Get(Utf8Entry.Field.Controller).SequenceEqual(_controller) && !entry.IsNull(Utf8Entry.Field.Controller)
                    && CryptographicOperations.FixedTimeEquals(leaf, stored)
                    && (first || (entry.Seq == last + 1 && CryptographicOperations.FixedTimeEquals(entry.PreviousLeafHash, previous)));
                if (!holds)
                {
                    // Handed over whole, with arrays of its own: the ordered checks find what is wrong with it.
                    entry.StoredLeafHash = stored.ToArray();
                    entry.PreviousLeafHash = entry.PreviousLeafHash.ToArray();
                    chunk.Bad = entry;
                    chunk.BadLeaf = leaf.ToArray();
                    break;
                }
                if (first)
                {
                    chunk.FirstSeq = entry.Seq;
                    chunk.FirstPrevious = entry.PreviousLeafHash.ToArray();
                    first = false;
                }
                leaf.CopyTo(previous);
                last = entry.Seq;
                if (++chunk.Count == ChunkSize)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    _chunks.Writer.TryWrite(chunk);
                    chunk = NewChunk();
                }
            }
            _chunks.Writer.TryWrite(chunk);
        }
    }

    private Chunk NewChunk()
    {
        if (_free.TryDequeue(out var chunk))
        {
            chunk.Count = 0;
            chunk.FirstPrevious = null;
            return chunk;
        }
        return new Chunk();
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
    internal sealed class Chunk
    {
        /// <summary>The leaves, <see cref="MerkleTree.HashSize"/> bytes each.</summary>
        public byte[] Leaves { get; } = new byte[ChunkSize * HashSize];

        public int Count { get; set; }

        /// <summary>Set on the part's first chunk with an entry: that entry's sequence number and previous leaf hash.</summary>
        public long FirstSeq { get; set; }

        public byte[]? FirstPrevious { get; set; }

        /// <summary>The entry after these that does not hold, and its leaf; the part ends with it.</summary>
        public Utf8Entry? Bad { get; set; }

        public byte[]? BadLeaf { get; set; }

        /// <summary>The row after these is not one this reader reads: the whole verification goes through EF Core.</summary>
        public bool Unreadable { get; set; }
    }
}
