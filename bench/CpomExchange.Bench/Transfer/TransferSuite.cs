using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using CpomExchange.Bench.Crypto;

namespace CpomExchange.Bench.Transfer;

/// <summary>
/// The gateway against a bare mutual-TLS transfer of the same bytes (nginx), side by side in one run:
/// B1 upload of an adherents file, B2 peak resident memory at three sizes, B3 download, B4 inbox
/// listing under 32 keep-alive clients, B6 a 100-row signalements-pdp upload. B5 (access-log appends
/// and verification) is the access-log suite's.
/// </summary>
internal sealed class TransferSuite(BenchOptions options, Report report)
{
    private const string AdherentsUpload = "api/v1/datasets?type=adherents&to=carsat-lr&purpose=sinistralite";
    private const int InboxClients = 32;

    public async Task RunAsync(string root, CancellationToken cancellationToken)
    {
        var rows = options.Rows;
        int[] memorySizes = [rows / 10, rows, rows * 5];
        var inboxSeconds = options.Smoke ? 2 : 10;
        report.BeginSuite("transfer", $"{rows:N0} rows; memory at {string.Join(", ", memorySizes.Select(s => s.ToString("N0", CultureInfo.InvariantCulture)))} rows; inbox {InboxClients} clients × {inboxSeconds} s");

        var data = Path.Combine(root, "data");
        Directory.CreateDirectory(data);
        var files = new Dictionary<int, string>();
        foreach (var size in memorySizes.Distinct())
        {
            files[size] = await WriteAdherentsAsync(Path.Combine(data, $"adherents-{size}.csv"), size, cancellationToken);
        }
        var file = files[rows];
        var fileBytes = new FileInfo(file).Length;
        report.Progress($"generated {files.Count} adherents files; {rows:N0} rows = {fileBytes / 1e6:F1} MB");

        await using var gateway = await BenchGateway.StartAsync(Path.Combine(root, "gateway"), ["--Cpom:Limits:MaxRows", (rows * 5).ToString(CultureInfo.InvariantCulture)], cancellationToken);
        var binary = NginxBaseline.FindBinary();
        using var nginx = binary is null ? null : await NginxBaseline.StartAsync(binary, Path.Combine(root, "nginx"), gateway.DevDirectory, cancellationToken);
        if (nginx is null)
        {
            report.Note("nginx not found (apt-get install nginx): no baseline, no ratios.");
        }
        using var prevy = gateway.Client("prevy-agent", 1);
        using var carsat = gateway.Client("carsat-lr-agent", 1);
        using var bare = nginx is null ? null : BenchGateway.Client(nginx.Address, gateway.DevDirectory, "prevy-agent", 1);

        // Warm-up: JIT, TLS sessions, SQLite pages.
        await UploadAsync(prevy, files[memorySizes[0]], cancellationToken);
        if (bare is not null)
        {
            await PutAsync(bare, files[memorySizes[0]], "warm-up.csv", cancellationToken);
        }

        // B1 and B2: every size uploaded once with the peak resident set reset before it.
        var peaks = new Dictionary<int, double>();
        var (datasetId, datasetSha) = ("", "");
        var uploadSeconds = 0.0;
        foreach (var size in memorySizes.Distinct())
        {
            var probe = Probe.Start(resetPeak: true);
            var (id, sha) = await UploadAsync(prevy, files[size], cancellationToken);
            peaks[size] = Probe.PeakWorkingSetMiB;
            report.Progress($"uploaded {size:N0} rows in {probe.Seconds:F2} s, peak {peaks[size]:F0} MiB");
            if (size == rows)
            {
                (datasetId, datasetSha) = (id, sha);
                uploadSeconds = probe.Seconds;
            }
        }
        report.Add("b1.upload", $"B1 upload {rows:N0} rows ({fileBytes / 1e6:F1} MB)", uploadSeconds, "s");
        report.Add("b1.rows", "B1 rows per second", rows / uploadSeconds, "rows/s");
        if (bare is not null)
        {
            var watch = Stopwatch.StartNew();
            await PutAsync(bare, file, "adherents.csv", cancellationToken);
            var bareSeconds = watch.Elapsed.TotalSeconds;
            report.Add("b1.nginx", "B1 nginx: same file PUT", bareSeconds, "s");
            report.AddAtMost("b1.ratio", "B1 ratio gateway / nginx", uploadSeconds / bareSeconds, "x", 5);
        }
        foreach (var size in memorySizes.Distinct())
        {
            report.Add($"b2.peak-{size}", $"B2 peak resident set, {size:N0} rows", peaks[size], "MiB");
        }
        report.AddAtMost("b2.flat", $"B2 peak {memorySizes[2]:N0} ÷ peak {rows:N0}", peaks[memorySizes[2]] / peaks[rows], "x", 1.2);
        report.AddAtMost("b2.max", "B2 largest peak", peaks.Values.Max(), "MiB", 300);
        report.Note(Probe.PeakResettable
            ? "B2 is the peak resident set of the whole benchmark process (gateway, client and the rest), reset before each upload: an upper bound on the gateway's."
            : "B2: the peak could not be reset on this system; each figure is the process's peak so far.");

        // B3: the download of the same dataset (decrypted as it streams), against nginx serving the file.
        var (downloadSeconds, downloadSha) = await DownloadAsync(carsat, $"api/v1/datasets/{datasetId}/content?purpose=sinistralite", cancellationToken);
        report.Add("b3.download", $"B3 download {rows:N0} rows", downloadSeconds, "s");
        if (downloadSha != datasetSha)
        {
            report.Note("B3: the download's SHA-256 differs from the one the upload acknowledged.");
        }
        if (bare is not null && nginx is not null)
        {
            File.Copy(file, Path.Combine(nginx.WebRoot, "adherents.csv"), overwrite: true);
            var (bareSeconds, _) = await DownloadAsync(bare, "adherents.csv", cancellationToken);
            report.Add("b3.nginx", "B3 nginx: same file GET", bareSeconds, "s");
            report.AddAtMost("b3.ratio", "B3 ratio gateway / nginx", downloadSeconds / bareSeconds, "x", 3);
        }

        // B4: the inbox under 32 keep-alive clients, against nginx serving a JSON document of the same size.
        var inbox = await carsat.GetByteArrayAsync("api/v1/inbox", cancellationToken);
        var (rate, p50, p99) = await HammerAsync(i => gateway.Client(i % 2 == 0 ? "carsat-lr-agent" : "carsat-lr-dpo", 1), "api/v1/inbox", inboxSeconds, cancellationToken);
        report.Add("b4.rate", $"B4 inbox ({inbox.Length:N0} bytes), {InboxClients} clients", rate, "req/s");
        report.Add("b4.p50", "B4 inbox p50", p50, "ms");
        report.Add("b4.p99", "B4 inbox p99", p99, "ms");
        if (nginx is not null)
        {
            await File.WriteAllBytesAsync(Path.Combine(nginx.WebRoot, "inbox.json"), inbox, cancellationToken);
            var (bareRate, bareP50, bareP99) = await HammerAsync(_ => BenchGateway.Client(nginx.Address, gateway.DevDirectory, "carsat-lr-agent", 1), "inbox.json", inboxSeconds, cancellationToken);
            report.Add("b4.nginx", "B4 nginx: static JSON, same size", bareRate, "req/s");
            report.Add("b4.nginx-p50", "B4 nginx p50", bareP50, "ms");
            report.Add("b4.nginx-p99", "B4 nginx p99", bareP99, "ms");
            report.AddAtLeast("b4.ratio", "B4 ratio gateway / nginx", rate / bareRate, "x", 0.3);
        }

        // B6: a 100-row signalements-pdp upload (validation, pseudonymised NIR column, subject index).
        using var pdp = gateway.Client("cist971-pdp", 1);
        var signalements = Encoding.UTF8.GetBytes(SignalementsCsv(100));
        var latencies = new List<double>();
        var count = options.Smoke ? 20 : 200;
        for (var i = 0; i < count; i++)
        {
            var watch = Stopwatch.StartNew();
            using var content = new ByteArrayContent(signalements);
            content.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
            using var response = await pdp.PostAsync("api/v1/datasets?type=signalements-pdp&to=cgss-guadeloupe&purpose=pdp", content, cancellationToken);
            await ExpectAsync(response, HttpStatusCode.Created, cancellationToken);
            latencies.Add(watch.Elapsed.TotalMilliseconds);
        }
        var sorted = latencies.Order().ToArray();
        report.Add("b6.p50", $"B6 signalements-pdp 100 rows p50 ({count} uploads)", BenchGateway.Percentile(sorted, 0.5), "ms");
        report.Add("b6.p99", "B6 signalements-pdp 100 rows p99", BenchGateway.Percentile(sorted, 0.99), "ms");
        report.Note("B1 streams the file with HttpClient as `cpom datasets send` does; nginx stores its copy with WebDAV PUT (a floor that writes to disk too).");
        report.Note("B5 (access-log appends/s, verification of 1,000,000 entries) is measured by the access-log suite.");
        report.EndSuite();
    }

    private static async Task<string> WriteAdherentsAsync(string path, int rows, CancellationToken cancellationToken)
    {
        await using var writer = new StreamWriter(path, append: false, new UTF8Encoding(false), 1 << 16);
        await writer.WriteAsync("siret;raison_sociale\r\n");
        var n = 0;
        foreach (var siret in SiretGenerator.Enumerate(rows))
        {
            await writer.WriteAsync(siret);
            await writer.WriteAsync(n++ % 2 == 0 ? ";ENTREPRISE\r\n" : ";SOCIETE\r\n");
            cancellationToken.ThrowIfCancellationRequested();
        }
        return path;
    }

    private static async Task<(string Id, string Sha)> UploadAsync(HttpClient client, string file, CancellationToken cancellationToken)
    {
        await using var stream = File.OpenRead(file);
        using var content = new StreamContent(stream, 1 << 16);
        content.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        using var response = await client.PostAsync(AdherentsUpload, content, cancellationToken);
        await ExpectAsync(response, HttpStatusCode.Created, cancellationToken);
        var created = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
        return (created.GetProperty("id").GetString()!, created.GetProperty("sha256").GetString()!);
    }

    private static async Task PutAsync(HttpClient client, string file, string name, CancellationToken cancellationToken)
    {
        await using var stream = File.OpenRead(file);
        using var content = new StreamContent(stream, 1 << 16);
        using var response = await client.PutAsync("upload/" + name, content, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"nginx PUT answered {(int)response.StatusCode}.");
        }
    }

    private static async Task<(double Seconds, string Sha)> DownloadAsync(HttpClient client, string path, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        using var response = await client.GetAsync(path, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        await ExpectAsync(response, HttpStatusCode.OK, cancellationToken);
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[1 << 16];
        int read;
        while ((read = await body.ReadAsync(buffer, cancellationToken)) > 0)
        {
            hash.AppendData(buffer, 0, read);
        }
        return (watch.Elapsed.TotalSeconds, Convert.ToHexStringLower(hash.GetHashAndReset()));
    }

    /// <summary>32 clients, each with one keep-alive connection, GET the path in a loop for the given time.</summary>
    private static async Task<(double Rate, double P50, double P99)> HammerAsync(Func<int, HttpClient> clientFactory, string path, int seconds, CancellationToken cancellationToken)
    {
        var clients = Enumerable.Range(0, InboxClients).Select(clientFactory).ToArray();
        try
        {
            // Handshakes first, outside the measured time.
            await Task.WhenAll(clients.Select(c => c.GetByteArrayAsync(path, cancellationToken)));
            var all = new List<double>[clients.Length];
            var stop = Stopwatch.StartNew();
            await Task.WhenAll(clients.Select(async (client, index) =>
            {
                var mine = all[index] = [];
                while (stop.Elapsed.TotalSeconds < seconds)
                {
                    var watch = Stopwatch.StartNew();
                    using var response = await client.GetAsync(path, cancellationToken);
                    await ExpectAsync(response, HttpStatusCode.OK, cancellationToken);
                    _ = await response.Content.ReadAsByteArrayAsync(cancellationToken);
                    mine.Add(watch.Elapsed.TotalMilliseconds);
                }
            }));
            var elapsed = stop.Elapsed.TotalSeconds;
            var sorted = all.SelectMany(l => l).Order().ToArray();
            return (sorted.Length / elapsed, BenchGateway.Percentile(sorted, 0.5), BenchGateway.Percentile(sorted, 0.99));
        }
        finally
        {
            foreach (var client in clients)
            {
                client.Dispose();
            }
        }
    }

    private static async Task ExpectAsync(HttpResponseMessage response, HttpStatusCode expected, CancellationToken cancellationToken)
    {
        if (response.StatusCode != expected)
        {
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            throw new InvalidOperationException($"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri?.AbsolutePath} answered {(int)response.StatusCode}: {body[..Math.Min(body.Length, 400)]}");
        }
    }

    /// <summary>The sample signalement's columns with <paramref name="rows"/> distinct valid NIRs.</summary>
    private static string SignalementsCsv(int rows)
    {
        var text = new StringBuilder("nir;nom;prenom;date_naissance;telephone;email;siret_employeur;en_arret;date_debut_arret;motif;niveau_complexite;consentement;date_consentement;emetteur_nom;emetteur_contact\r\n");
        for (var i = 1; i <= rows; i++)
        {
            var body = 2_931_165_624_000L + i;
            var key = 97 - (body % 97);
            text.Append(CultureInfo.InvariantCulture, $"{body}{key:00};EXEMPLE;Camille;14/06/1971;06 00 00 00 01;camille.exemple@example.org;79402654223514;oui;02/01/2026;Restrictions d'aptitude, risque d'inaptitude au poste;T3A;oui;09/01/2026;Dr Anne Lefèvre;cellule-pdp@spsti.example\r\n");
        }
        return text.ToString();
    }
}
