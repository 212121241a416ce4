using System.Globalization;

namespace CpomExchange.Bench;

/// <summary>The command line: a suite and its sizes.</summary>
internal sealed record BenchOptions
{
    public const string AccessLogSuite = "access-log";
    public const string CryptoSuite = "crypto";
    public const string AllSuites = "all";
    public const string SoakSuite = "soak";
    public const string TransferSuite = "transfer";
    public const string InstancesSuite = "instances";
    public const string JournalSuite = "journal";

    public required string Suite { get; init; }

    /// <summary>Appends timed in each append scenario.</summary>
    public int Entries { get; init; } = 20_000;

    /// <summary>Size of the log that is filled, verified and proved.</summary>
    public int VerifyEntries { get; init; } = 1_000_000;

    /// <summary>MiB encrypted and decrypted.</summary>
    public int Megabytes { get; init; } = 256;

    /// <summary>Distinct SIRETs pseudonymised and validated.</summary>
    public int Sirets { get; init; } = 1_000_000;

    public bool Smoke { get; init; }

    /// <summary>
    /// Whether the transfer and instances suites write their blocks into BENCHMARKS.md: by default at full sizes,
    /// not with --smoke (unless --write).
    /// </summary>
    public bool Write { get; init; }

    /// <summary>The arguments as given, for the command written beside the figures.</summary>
    public IReadOnlyList<string> Arguments { get; init; } = [];

    /// <summary>Concurrent clients of the soak.</summary>
    public int Clients { get; init; } = 8;

    /// <summary>Rows of the adherents file uploaded and downloaded (transfer; memory also at ÷10 and ×5).</summary>
    public int Rows { get; init; } = 1_000_000;

    /// <summary>How long the soak runs, in seconds; with the instances suite, each of its scenarios.</summary>
    public int Seconds { get; init; } = 300;

    public const string Usage = """
        Usage: dotnet run -c Release --project bench/CpomExchange.Bench -- <suite> [options]

        Suites:
          access-log   appends/s on SQLite, verification of a large log, proof sizes
          crypto       payload encryption/decryption, pseudonyms, SIRET validation
          all          both
          soak         N concurrent clients uploading, listing and downloading against a local
                       gateway for S seconds; then checks nothing was lost and every log verifies
          transfer     B1-B6 of issue #9: the gateway (a separate process) against nginx with mutual
                       TLS (uploads through cpom's client, the gateway's peak memory, downloads,
                       inbox under 32 clients, signalements-pdp latency) and the access log's
                       appends/s and verification (B5); writes its table into BENCHMARKS.md
          journal      issue #19: the DPO console's page of the access log (page and capped
                       count under filters) and its overview counts, on a log of M entries
          instances    issue #8: one controller's access-log appends/s on PostgreSQL through two
                       gateway processes (32 clients listing the inbox), beside four controllers
                       and one instance; writes its block into BENCHMARKS.md

        Options:
          --entries N          appends per append scenario (access-log, transfer's B5; default 20000)
          --verify-entries M   size of the log verified (access-log, transfer's B5) or listed (journal); default 1000000
          --mb N               MiB encrypted and decrypted (crypto; default 256)
          --sirets N           distinct SIRETs pseudonymised and validated (crypto; default 1000000)
          --clients N          concurrent clients (soak; default 8)
          --seconds S          duration (soak; default 300; instances: per scenario, default 20)
          --rows N             adherents rows (transfer; default 1000000; memory also at N/10 and 5N)
          --smoke              tiny sizes (N=200, M=5000, 4 MiB, 10000 SIRETs; soak: 2 clients, 10 s;
                               transfer: 10000 rows; instances: 3 s) unless given
          --write, --no-write  write (or not) the transfer or instances block into BENCHMARKS.md, between its
                               markers; default: write at full sizes, not with --smoke
        """;

    /// <summary>Reads the arguments; null (after writing why on <paramref name="error"/>) when they are wrong.</summary>
    public static BenchOptions? Parse(string[] args, TextWriter error)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help")
        {
            error.WriteLine(Usage);
            return null;
        }
        var suite = args[0];
        if (suite is not (AccessLogSuite or CryptoSuite or AllSuites or SoakSuite or TransferSuite or InstancesSuite or JournalSuite))
        {
            error.WriteLine($"Unknown suite '{suite}'.");
            error.WriteLine(Usage);
            return null;
        }
        int? rows = null, entries = null, verifyEntries = null, megabytes = null, sirets = null, clients = null, seconds = null;
        var smoke = false;
        bool? write = null;
        for (var i = 1; i < args.Length; i++)
        {
            var name = args[i];
            if (name == "--smoke")
            {
                smoke = true;
                continue;
            }
            if (name is "--write" or "--no-write")
            {
                if (suite is not (TransferSuite or InstancesSuite))
                {
                    error.WriteLine($"Option '{name}' belongs to the suites '{TransferSuite}' and '{InstancesSuite}'.");
                    return null;
                }
                write = name == "--write";
                continue;
            }
            var (min, appliesTo) = name switch
            {
                "--entries" => (10, new[] { AccessLogSuite, TransferSuite }),
                "--verify-entries" => (1_000, [AccessLogSuite, TransferSuite, JournalSuite]),
                "--mb" => (1, [CryptoSuite]),
                "--sirets" => (1_000, [CryptoSuite]),
                "--clients" => (1, [SoakSuite]),
                "--seconds" => (1, [SoakSuite, InstancesSuite]),
                "--rows" => (100, [TransferSuite]),
                _ => (0, []),
            };
            if (appliesTo.Length == 0)
            {
                error.WriteLine($"Unknown option '{name}'.");
                error.WriteLine(Usage);
                return null;
            }
            if (suite != AllSuites && !appliesTo.Contains(suite))
            {
                error.WriteLine($"Option '{name}' belongs to the suite(s) {string.Join(", ", appliesTo.Select(s => $"'{s}'"))}.");
                return null;
            }
            if (i + 1 >= args.Length || !int.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value < min)
            {
                error.WriteLine($"Option '{name}' needs a whole number of at least {min}.");
                return null;
            }
            i++;
            switch (name)
            {
                case "--entries": entries = value; break;
                case "--verify-entries": verifyEntries = value; break;
                case "--mb": megabytes = value; break;
                case "--clients": clients = value; break;
                case "--seconds": seconds = value; break;
                case "--rows": rows = value; break;
                default: sirets = value; break;
            }
        }
        return new BenchOptions
        {
            Suite = suite,
            Smoke = smoke,
            Write = write ?? !smoke,
            Arguments = args,
            Entries = entries ?? (smoke ? 200 : 20_000),
            VerifyEntries = verifyEntries ?? (smoke ? 5_000 : 1_000_000),
            Megabytes = megabytes ?? (smoke ? 4 : 256),
            Sirets = sirets ?? (smoke ? 10_000 : 1_000_000),
            Clients = clients ?? (smoke ? 2 : 8),
            Seconds = seconds ?? (suite == InstancesSuite ? (smoke ? 3 : 20) : smoke ? 10 : 300),
            Rows = rows ?? (smoke ? 10_000 : 1_000_000),
        };
    }
}
