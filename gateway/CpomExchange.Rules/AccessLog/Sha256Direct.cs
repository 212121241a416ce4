using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace CpomExchange.Rules.AccessLog;

/// <summary>
/// SHA-256 of the short inputs a verification hashes twice per entry (its leaf, a node of the compact range), through
/// OpenSSL's own <c>SHA256_Init/Update/Final</c> on a context on the stack when the runtime's libcrypto is OpenSSL 3 on
/// Linux: <see cref="SHA256.HashData(ReadOnlySpan{byte}, Span{byte})"/> costs, per call, an error-queue clearing, a
/// context allocated and freed and a provider lookup, about as much as hashing a 600-byte entry. The same SHA-256 (the
/// same library's block function); <see cref="SHA256.HashData(ReadOnlySpan{byte}, Span{byte})"/> everywhere else and
/// for inputs over <see cref="MaxDirect"/> bytes (called without a GC transition, a call must stay short).
/// </summary>
internal static unsafe class Sha256Direct
{
    /// <summary>The longest input hashed directly.</summary>
    public const int MaxDirect = 64 * 1024;

    // SHA256_CTX is 112 bytes in OpenSSL 3 (sha.h); room to spare.
    private const int ContextSize = 256;

    private static readonly delegate* unmanaged[SuppressGCTransition]<byte*, int> Init;
    private static readonly delegate* unmanaged[SuppressGCTransition]<byte*, byte*, nuint, int> Update;
    private static readonly delegate* unmanaged[SuppressGCTransition]<byte*, byte*, int> Final;

#pragma warning disable CA1810 // the three exports are looked up together, or none is used
    static Sha256Direct()
#pragma warning restore CA1810
    {
        if (OperatingSystem.IsLinux() && NativeLibrary.TryLoad("libcrypto.so.3", out var library)
            && NativeLibrary.TryGetExport(library, "SHA256_Init", out var init)
            && NativeLibrary.TryGetExport(library, "SHA256_Update", out var update)
            && NativeLibrary.TryGetExport(library, "SHA256_Final", out var final))
        {
            Init = (delegate* unmanaged[SuppressGCTransition]<byte*, int>)init;
            Update = (delegate* unmanaged[SuppressGCTransition]<byte*, byte*, nuint, int>)update;
            Final = (delegate* unmanaged[SuppressGCTransition]<byte*, byte*, int>)final;
        }
    }

    /// <summary>Whether OpenSSL's functions are called directly here.</summary>
    public static bool Direct => Init != null;

    /// <summary>SHA-256 of <paramref name="data"/> into <paramref name="destination"/> (32 bytes).</summary>
    public static void HashData(ReadOnlySpan<byte> data, Span<byte> destination)
    {
        if (!Direct || data.Length > MaxDirect || destination.Length < 32)
        {
            SHA256.HashData(data, destination);
            return;
        }
        var context = stackalloc byte[ContextSize];
        fixed (byte* input = data)
        fixed (byte* output = destination)
        {
            if (Init(context) != 1 || Update(context, input, (nuint)data.Length) != 1 || Final(output, context) != 1)
            {
                throw new CryptographicException("SHA-256 failed.");
            }
        }
    }

    /// <summary>SHA-256 of <paramref name="data"/>, a new array.</summary>
    public static byte[] HashData(ReadOnlySpan<byte> data)
    {
        var hash = new byte[32];
        HashData(data, hash);
        return hash;
    }
}
