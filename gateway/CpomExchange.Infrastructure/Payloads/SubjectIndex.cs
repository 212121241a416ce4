using System.Buffers.Binary;

namespace CpomExchange.Infrastructure.Payloads;

/// <summary>
/// The set of subjects (establishments, persons) a dataset concerns, as sorted 128-bit keyed
/// pseudonyms, stored encrypted beside the payload (<c>{dataset}.subjects</c>, see
/// <see cref="DatasetFiles"/>) and destroyed with it. Serves minimisation joins ("only SIRETs of the
/// answered dataset") and a DPO's subject lookup without any identifier in clear.
/// </summary>
public static class SubjectIndex
{
    /// <summary>Sorts and de-duplicates <paramref name="subjects"/> (in place), and returns the result as an array.</summary>
    public static UInt128[] Normalise(List<UInt128> subjects)
    {
        NormaliseInPlace(subjects);
        return [.. subjects];
    }

    /// <summary>
    /// Sorts and de-duplicates <paramref name="subjects"/> where it is, without a copy: a file of
    /// millions of rows keeps one list of 16 bytes a row, not three.
    /// </summary>
    public static void NormaliseInPlace(List<UInt128> subjects)
    {
        ArgumentNullException.ThrowIfNull(subjects);
        var span = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(subjects);
        span.Sort();
        var count = 0;
        for (var i = 0; i < span.Length; i++)
        {
            if (count == 0 || span[count - 1] != span[i])
            {
                span[count++] = span[i];
            }
        }
        subjects.RemoveRange(count, subjects.Count - count);
    }

    /// <summary>
    /// Writes <paramref name="sorted"/> (in order; repeated values are written once) to
    /// <paramref name="destination"/>, 16 bytes big-endian each; returns how many were written.
    /// </summary>
    internal static async Task<long> WriteAsync(Stream destination, IEnumerable<UInt128> sorted, CancellationToken cancellationToken)
    {
        var buffer = new byte[16 * 4096];
        var filled = 0;
        long count = 0;
        UInt128? previous = null;
        foreach (var value in sorted)
        {
            if (value == previous)
            {
                continue;
            }
            if (previous > value)
            {
                throw new ArgumentException("The subjects must be sorted.", nameof(sorted));
            }
            previous = value;
            BinaryPrimitives.WriteUInt128BigEndian(buffer.AsSpan(filled, 16), value);
            filled += 16;
            count++;
            if (filled == buffer.Length)
            {
                await destination.WriteAsync(buffer, cancellationToken);
                filled = 0;
            }
        }
        await destination.WriteAsync(buffer.AsMemory(0, filled), cancellationToken);
        return count;
    }

    /// <summary>Reads an index's plaintext; null when it is not a strictly increasing list of 16-byte values.</summary>
    internal static UInt128[]? Parse(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length % 16 != 0)
        {
            return null;
        }
        var result = new UInt128[bytes.Length / 16];
        for (var i = 0; i < result.Length; i++)
        {
            result[i] = BinaryPrimitives.ReadUInt128BigEndian(bytes.Slice(i * 16, 16));
            if (i > 0 && result[i - 1] >= result[i])
            {
                return null;
            }
        }
        return result;
    }
}
