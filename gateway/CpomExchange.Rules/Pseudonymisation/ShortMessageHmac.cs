using System.Buffers.Binary;
using System.Security.Cryptography;

namespace CpomExchange.Rules.Pseudonymisation;

/// <summary>
/// HMAC-SHA-256 (RFC 2104, FIPS 198-1) under one key, byte for byte what <see cref="HMACSHA256"/>
/// gives, with a fast path for messages of at most <see cref="MaxFastMessage"/> bytes (an identifier
/// with its domain label: 27 or 28 bytes): the SHA-256 states after the key's inner and outer padded
/// blocks (the "midstates") are computed once, here, so that such a message costs two compressions
/// of <see cref="Sha256Block"/> and no native call. A longer message goes through
/// <see cref="HMACSHA256.HashData(byte[], byte[])"/>. Thread-safe: the midstates are only read after
/// construction. The key and the midstates are zeroed by <see cref="Dispose"/>.
/// </summary>
/// <remarks>
/// Measured (BENCHMARKS.md, "B1: the upload's row loop"): through OpenSSL (<see cref="IncrementalHash"/>,
/// three P/Invokes per message) a 28-byte pseudonym cost about 1.0 µs on the benchmark machine; the
/// two managed compressions cost less than that, which is the whole reason this class exists.
/// </remarks>
internal sealed class ShortMessageHmac : IDisposable
{
    /// <summary>The longest message of the fast path: one block holds it, its 0x80 byte and its 64-bit length.</summary>
    public const int MaxFastMessage = 55;

    private const int BlockSize = 64;
    private readonly byte[] _key;
    // Inner midstate in 0..7, outer midstate in 8..15.
    private readonly uint[] _midstates = new uint[16];
    private bool _disposed;

    /// <summary>Uses <paramref name="key"/> (any length: a key longer than a block is hashed first, as HMAC requires).</summary>
    public ShortMessageHmac(ReadOnlySpan<byte> key)
    {
        _key = key.ToArray();
        Span<byte> padded = stackalloc byte[BlockSize];
        padded.Clear();
        if (key.Length > BlockSize)
        {
            SHA256.HashData(key, padded);
        }
        else
        {
            key.CopyTo(padded);
        }
        try
        {
            Span<byte> pad = stackalloc byte[BlockSize];
            var inner = _midstates.AsSpan(0, 8);
            var outer = _midstates.AsSpan(8, 8);
            for (var i = 0; i < BlockSize; i++)
            {
                pad[i] = (byte)(padded[i] ^ 0x36);
            }
            Sha256Block.Initial.CopyTo(inner);
            Sha256Block.Compress(inner, pad);
            for (var i = 0; i < BlockSize; i++)
            {
                pad[i] = (byte)(padded[i] ^ 0x5c);
            }
            Sha256Block.Initial.CopyTo(outer);
            Sha256Block.Compress(outer, pad);
            CryptographicOperations.ZeroMemory(pad);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(padded);
        }
    }

    /// <summary>Writes the 32-byte HMAC of <paramref name="message"/> to <paramref name="destination"/>.</summary>
    public void Compute(ReadOnlySpan<byte> message, Span<byte> destination)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (destination.Length < HMACSHA256.HashSizeInBytes)
        {
            throw new ArgumentException("The destination holds fewer than 32 bytes.", nameof(destination));
        }
        if (message.Length > MaxFastMessage)
        {
            HMACSHA256.HashData(_key, message, destination);
            return;
        }
        Span<uint> state = stackalloc uint[8];
        Span<byte> block = stackalloc byte[BlockSize];
        // Inner hash: H(ipad-block || message), the first block already in the midstate; the total
        // length hashed is one block plus the message, in bits.
        block.Clear();
        message.CopyTo(block);
        block[message.Length] = 0x80;
        BinaryPrimitives.WriteUInt64BigEndian(block[56..], (ulong)(BlockSize + message.Length) * 8);
        _midstates.AsSpan(0, 8).CopyTo(state);
        Sha256Block.Compress(state, block);
        // Outer hash: H(opad-block || inner hash), one block of 32 bytes of hash and its padding.
        block.Clear();
        for (var i = 0; i < 8; i++)
        {
            BinaryPrimitives.WriteUInt32BigEndian(block[(4 * i)..], state[i]);
        }
        block[32] = 0x80;
        BinaryPrimitives.WriteUInt64BigEndian(block[56..], (BlockSize + 32) * 8);
        _midstates.AsSpan(8, 8).CopyTo(state);
        Sha256Block.Compress(state, block);
        for (var i = 0; i < 8; i++)
        {
            BinaryPrimitives.WriteUInt32BigEndian(destination[(4 * i)..], state[i]);
        }
        // The block held the identifier in clear and the inner hash: not left on the stack.
        CryptographicOperations.ZeroMemory(block);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _disposed = true;
        CryptographicOperations.ZeroMemory(_key);
        CryptographicOperations.ZeroMemory(System.Runtime.InteropServices.MemoryMarshal.AsBytes(_midstates.AsSpan()));
    }
}
