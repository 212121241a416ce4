using System.Buffers.Binary;
using CpomExchange.Infrastructure.Keys;

namespace CpomExchange.Infrastructure.Payloads;

/// <summary>
/// The set of subjects (establishments, persons) a dataset concerns, as sorted 128-bit keyed
/// pseudonyms, stored encrypted beside the payload (<c>{dataset}.subjects</c>) and destroyed with it.
/// Serves minimisation joins ("only SIRETs of the answered dataset") and a DPO's subject lookup
/// without any identifier in clear.
/// </summary>
public static class SubjectIndex
{
    /// <summary>The payload-store name of a dataset's subject index.</summary>
    public static string NameOf(string datasetId) => datasetId + ".subjects";

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
    /// Writes an encrypted index of <paramref name="sorted"/> (in order; repeated values are written
    /// once) to a pending payload of <paramref name="store"/> named for <paramref name="datasetId"/>
    /// (<see cref="NameOf"/>), for the caller to commit (or dispose). With <paramref name="overwrite"/>,
    /// the commit replaces the dataset's index (a dataset re-written without one of its subjects).
    /// </summary>
    public static async Task<IPendingPayload> WriteAsync(IPayloadStore store, IKeyProvider keys, string datasetId, IEnumerable<UInt128> sorted,
        bool overwrite = false, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(sorted);
        var pending = await store.CreateAsync(NameOf(datasetId), overwrite, cancellationToken);
        try
        {
            await using var encrypted = await PayloadCipher.BeginAsync(pending.Content, keys, cancellationToken: cancellationToken);
            var buffer = new byte[16 * 4096];
            var filled = 0;
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
                if (filled == buffer.Length)
                {
                    await encrypted.WriteAsync(buffer, cancellationToken);
                    filled = 0;
                }
            }
            await encrypted.WriteAsync(buffer.AsMemory(0, filled), cancellationToken);
            await encrypted.CompleteAsync(cancellationToken);
            return pending;
        }
        catch
        {
            await pending.DisposeAsync();
            throw;
        }
    }

    /// <summary>Reads a dataset's index; empty when it has none (or it was destroyed).</summary>
    public static async Task<UInt128[]> ReadAsync(IPayloadStore store, IKeyProvider keys, string datasetId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        if (!await store.ExistsAsync(NameOf(datasetId), cancellationToken))
        {
            return [];
        }
        await using var file = await store.OpenReadAsync(NameOf(datasetId), cancellationToken);
        using var plain = new MemoryStream();
        await PayloadCipher.DecryptAsync(file, plain, keys, cancellationToken: cancellationToken);
        var bytes = plain.GetBuffer().AsSpan(0, (int)plain.Length);
        var result = new UInt128[bytes.Length / 16];
        for (var i = 0; i < result.Length; i++)
        {
            result[i] = BinaryPrimitives.ReadUInt128BigEndian(bytes.Slice(i * 16, 16));
        }
        return result;
    }
}
