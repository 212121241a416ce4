using System.Globalization;
using System.Security.Cryptography;
using CpomExchange.Infrastructure;
using CpomExchange.Infrastructure.Keys;
using CpomExchange.Infrastructure.Payloads;
using CpomExchange.Rules.Identifiers;
using CpomExchange.Rules.Pseudonymisation;

namespace CpomExchange.Bench.Crypto;

/// <summary>Payload encryption and decryption, keyed pseudonyms and SIRET validation.</summary>
internal sealed class CryptoSuite(BenchOptions options, Report report)
{
    private const int MiB = 1024 * 1024;
    // Writes of the size a StreamWriter-backed CSV normaliser hands its stream.
    private const int WriteSize = 16 * 1024;

    public async Task RunAsync(string root, CancellationToken cancellationToken)
    {
        report.BeginSuite(BenchOptions.CryptoSuite, string.Create(CultureInfo.InvariantCulture,
            $"{options.Megabytes:N0} MiB, {options.Sirets:N0} SIRETs"));
        var home = new CpomHome(Path.Combine(root, "crypto"));
        CpomHome.CreatePrivateDirectory(home.Root);
        var keys = new LocalKeyProvider(home.KeyDirectory);
        await PayloadsAsync(home, keys, cancellationToken);
        Identifiers();
        await RowCostProbes.RunAsync(report, SiretGenerator.Generate(options.Sirets));
        report.EndSuite();
    }

    private async Task PayloadsAsync(CpomHome home, LocalKeyProvider keys, CancellationToken cancellationToken)
    {
        var bytes = (long)options.Megabytes * MiB;
        var chunk = RandomNumberGenerator.GetBytes(WriteSize);
        await EncryptAsync(Stream.Null, keys, chunk, 4 * MiB, cancellationToken); // warm-up

        report.Progress($"crypto: encrypting {options.Megabytes:N0} MiB to Stream.Null");
        var probe = Probe.Start();
        await EncryptAsync(Stream.Null, keys, chunk, bytes, cancellationToken);
        report.Add("encrypt.memory", "encrypt (PayloadCipher, AES-256-GCM and SHA-256), to Stream.Null", options.Megabytes / probe.Seconds, "MiB/s");

        report.Progress($"crypto: encrypting {options.Megabytes:N0} MiB to a file");
        var path = Path.Combine(home.Root, "payload.enc");
        string sha256;
        WrappedKey key;
        probe = Probe.Start();
        await using (var file = new FileStream(path, new FileStreamOptions
        {
            // As FolderPayloadStore.CreateTemporary opens it.
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            Share = FileShare.None,
            BufferSize = 64 * 1024,
            Options = FileOptions.Asynchronous,
        }))
        {
            (sha256, key) = await EncryptAsync(file, keys, chunk, bytes, cancellationToken);
        }
        report.Add("encrypt.file", "encrypt to a file (FileStream, fsync at the end)", options.Megabytes / probe.Seconds, "MiB/s");

        report.Progress($"crypto: decrypting {options.Megabytes:N0} MiB to Stream.Null");
        probe = Probe.Start();
        await using (var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 64 * 1024, FileOptions.Asynchronous | FileOptions.SequentialScan))
        {
            await PayloadCipher.DecryptAsync(file, Stream.Null, keys, key, Context, sha256, cancellationToken);
        }
        report.Add("decrypt.file", "decrypt a file (in the page cache) to Stream.Null, SHA-256 checked", options.Megabytes / probe.Seconds, "MiB/s");
        File.Delete(path);
    }

    private const string Context = "cpom-bench";

    private static async Task<(string Sha256, WrappedKey Key)> EncryptAsync(Stream destination, IKeyProvider keys, byte[] chunk, long bytes, CancellationToken cancellationToken)
    {
        await using var encrypted = await PayloadCipher.BeginAsync(destination, keys, Context, cancellationToken: cancellationToken);
        for (long written = 0; written < bytes; written += chunk.Length)
        {
            await encrypted.WriteAsync(chunk.AsMemory(0, (int)Math.Min(chunk.Length, bytes - written)), cancellationToken);
        }
        await encrypted.CompleteAsync(cancellationToken);
        return (encrypted.Sha256!, encrypted.WrappedKey);
    }

    private void Identifiers()
    {
        var count = options.Sirets;
        report.Progress($"crypto: generating {count:N0} distinct valid SIRETs");
        var sirets = SiretGenerator.Generate(count);
        using var pseudonymiser = new Pseudonymiser(RandomNumberGenerator.GetBytes(32), 1);
        var sink = 0L;
        foreach (var siret in sirets.Take(10_000))
        {
            sink += pseudonymiser.Pseudonym(IdentifierKind.Siret, siret).Length + (long)pseudonymiser.Short(IdentifierKind.Siret, siret) + (Siret.IsValid(siret) ? 1 : 0);
        }

        report.Progress("crypto: pseudonyms and SIRET validation");
        var probe = Probe.Start();
        foreach (var siret in sirets)
        {
            sink += pseudonymiser.Pseudonym(IdentifierKind.Siret, siret).Length;
        }
        report.Add("pseudonym.rate", "Pseudonymiser.Pseudonym (HMAC-SHA-256, base64url)", count / probe.Seconds, "ops/s");
        report.Add("pseudonym.allocated", "  allocated per call", probe.AllocatedBytes / (double)count, "bytes");

        probe = Probe.Start();
        foreach (var siret in sirets)
        {
            sink += (long)pseudonymiser.Short(IdentifierKind.Siret, siret);
        }
        report.Add("short.rate", "Pseudonymiser.Short (128 bits)", count / probe.Seconds, "ops/s");
        report.Add("short.cpu", "  processor time per call", probe.CpuSeconds * 1e6 / count, "us");
        report.Add("short.allocated", "  allocated per call", probe.AllocatedBytes / (double)count, "bytes");

        // As the upload's row loop hands them over: 32 at a time, hashed eight together.
        var kinds = Enumerable.Repeat(IdentifierKind.Siret, 32).ToArray();
        var batch = new UInt128[32];
        probe = Probe.Start();
        for (var i = 0; i + 32 <= sirets.Length; i += 32)
        {
            pseudonymiser.ShortsOfNormalised(kinds, sirets.AsSpan(i, 32), batch);
            sink += (long)batch[31];
        }
        report.Add("shorts.rate", "Pseudonymiser.ShortsOfNormalised, batches of 32 (8 lanes)", count / 32 * 32 / probe.Seconds, "ops/s");
        report.Add("shorts.cpu", "  processor time per identifier", probe.CpuSeconds * 1e6 / (count / 32 * 32), "us");
        report.Add("shorts.allocated", "  allocated per identifier", probe.AllocatedBytes / (double)(count / 32 * 32), "bytes");

        // The former path, in the same minutes: one keyed IncrementalHash (OpenSSL, three P/Invokes
        // per message) on the same labelled SIRETs, as Pseudonymiser did before ShortMessageHmac.
        var key = RandomNumberGenerator.GetBytes(32);
        using (var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, key))
        {
            Span<byte> message = stackalloc byte[28];
            Span<byte> mac = stackalloc byte[32];
            "cpom/siret/v1:"u8.CopyTo(message);
            probe = Probe.Start();
            foreach (var siret in sirets)
            {
                System.Text.Encoding.ASCII.GetBytes(siret, message[14..]);
                hmac.AppendData(message);
                hmac.GetHashAndReset(mac);
                sink += mac[0];
            }
            report.Add("openssl.rate", "HMAC-SHA-256 of the labelled SIRET through IncrementalHash (former path)", count / probe.Seconds, "ops/s");
            report.Add("openssl.cpu", "  processor time per call", probe.CpuSeconds * 1e6 / count, "us");
        }

        probe = Probe.Start();
        var valid = 0;
        foreach (var siret in sirets)
        {
            valid += Siret.IsValid(siret) ? 1 : 0;
        }
        report.Add("siret.rate", "Siret.IsValid (valid SIRETs)", count / probe.Seconds, "ops/s");
        report.Add("siret.allocated", "  allocated per call", probe.AllocatedBytes / (double)count, "bytes");
        report.Note($"check: {valid:N0} of {count:N0} generated SIRETs valid");
        GC.KeepAlive(sink);
    }
}
