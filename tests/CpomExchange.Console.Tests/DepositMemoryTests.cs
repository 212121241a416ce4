using System.Net;
using System.Net.Http.Headers;
using System.Text;
using CpomExchange.Tests.Shared;

namespace CpomExchange.Console.Tests;

/// <summary>
/// A 200 MB file sent through the console's form is streamed into the upload, never held: the
/// gateway's live managed memory stays bounded by a fraction of the file's size. Measured in bytes
/// (live heap after full collections, sampled during the upload), not in time.
/// </summary>
[Collection(ConsoleCollection.Name)]
public sealed class DepositMemoryTests(ConsoleFixture console)
{
    private const long FileBytes = 200L * 1000 * 1000;

    [Fact]
    public async Task Upload_Of200MB_ThroughTheConsole_KeepsTheLiveHeapUnderAQuarterOfTheFile()
    {
        var baseline = GC.GetTotalMemory(forceFullCollection: true);
        using var stop = new CancellationTokenSource();
        long peak = baseline;
        var sampler = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                // Live bytes only: a full collection first, so that garbage not yet collected is not counted.
                peak = Math.Max(peak, GC.GetTotalMemory(forceFullCollection: true));
                try
                {
                    await Task.Delay(200, stop.Token);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        });

        var file = new GeneratedAdherents(FileBytes);
        HttpStatusCode status;
        string body;
        try
        {
            using var client = console.Gateway.ClientFor("prevy-agent");
            client.Timeout = TimeSpan.FromMinutes(20);
            var (cookie, token) = ConsoleForms.TokensFor(console, "prevy-agent");
            using var form = new MultipartFormDataContent
            {
                { new StringContent(token), "__cpom_antiforgery" },
                { new StringContent("adherents"), "echange" },
                { new StringContent("carsat-lr"), "destinataire" },
                { new StringContent("sinistralite"), "finalite" },
                { new StringContent("mémoire 200 Mo"), "objet" },
            };
            var content = new StreamContent(file, 64 * 1024);
            content.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
            form.Add(content, "fichier", "adherents.csv");
            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(console.Gateway.BaseAddress, "Deposer")) { Content = form };
            request.Headers.Add("Cookie", "cpom-antiforgery=" + cookie);
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            status = response.StatusCode;
            body = await response.Content.ReadAsStringAsync();
        }
        finally
        {
            await stop.CancelAsync();
            await sampler;
        }

        Assert.True(status == HttpStatusCode.OK, body.Length > 2000 ? body[..2000] : body);
        Assert.Contains("Fichier accepté", body, StringComparison.Ordinal);
        Assert.True(file.Produced >= FileBytes, $"only {file.Produced} bytes sent");
        var growth = peak - baseline;
        Assert.True(growth < FileBytes / 4,
            $"live managed heap grew by {growth / 1e6:F1} MB during a {file.Produced / 1e6:F1} MB upload of {file.Rows:N0} rows (bound: {FileBytes / 4 / 1e6:F0} MB)");
    }

    /// <summary>An adherents file of distinct valid SIRETs with long names, written as it is read (never whole in memory).</summary>
    private sealed class GeneratedAdherents(long bytes) : ReadOnlyTestStream
    {
        private readonly IEnumerator<string> _sirets = TestSirets.From(200_000_000).GetEnumerator();
        private byte[] _pending = Encoding.UTF8.GetBytes("siret;raison_sociale;code_naf;effectif;code_postal\r\n");
        private int _offset;

        public long Produced { get; private set; }

        public long Rows { get; private set; }

        public override long Position => Produced;

        public override int Read(byte[] buffer, int offset, int count)
        {
            var written = 0;
            while (written < count)
            {
                if (_offset == _pending.Length)
                {
                    if (Produced >= bytes)
                    {
                        break;
                    }
                    _sirets.MoveNext();
                    Rows++;
                    _pending = Encoding.UTF8.GetBytes($"{_sirets.Current};ETABLISSEMENT {Rows} {new string('X', 160)};86.21Z;{Rows % 500};38000\r\n");
                    _offset = 0;
                }
                var n = Math.Min(count - written, _pending.Length - _offset);
                Array.Copy(_pending, _offset, buffer, offset + written, n);
                _offset += n;
                written += n;
                Produced += n;
            }
            return written;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _sirets.Dispose();
            }
            base.Dispose(disposing);
        }
    }
}
