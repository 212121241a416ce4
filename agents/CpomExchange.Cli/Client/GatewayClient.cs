using System.Net;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;

namespace CpomExchange.Cli.Client;

/// <summary>A dataset's metadata, as the gateway returns it.</summary>
public sealed record DatasetInfo(
    string Id, string Type, string From, string To, string Purpose, string? Object,
    long Rows, string Sha256, long Size, string Contract, DateTime CreatedAt, string Status = "available", DateTime? ShreddedAt = null, string? ReplyTo = null,
    long MaskedCells = 0, DateTime? AcknowledgedAt = null, string? AcknowledgedBy = null)
{
    /// <summary>A document's title; null for a CSV dataset.</summary>
    public string? Title { get; init; }

    /// <summary>A document's media type; null for a CSV dataset.</summary>
    public string? MediaType { get; init; }

    /// <summary>The dataset this one replaced, if any.</summary>
    public string? Replaces { get; init; }

    /// <summary>The extension of the file the content is written to by default.</summary>
    public string Extension => MediaType switch
    {
        "application/pdf" => ".pdf",
        "application/vnd.oasis.opendocument.text" => ".odt",
        _ => ".csv",
    };
}

/// <summary>The inbox listing.</summary>
public sealed record InboxResponse(IReadOnlyList<DatasetInfo> Datasets);

/// <summary>One line of a file report.</summary>
public sealed record ProblemError(long Line, string? Column, string? Value, string Code, string Reason);

/// <summary>An <c>application/problem+json</c> answer of the gateway.</summary>
public sealed record GatewayProblem(int Status, string Code, string Title, string? Detail, IReadOnlyList<ProblemError> Errors, long ErrorCount);

/// <summary>The gateway refused a request; <see cref="Problem"/> says why.</summary>
public sealed class GatewayProblemException(GatewayProblem problem)
    : Exception($"{problem.Status} {problem.Code}: {problem.Detail}")
{
    /// <summary>The problem the gateway returned.</summary>
    public GatewayProblem Problem { get; } = problem;
}

/// <summary>The gateway could not be reached, or refused the TLS handshake.</summary>
public sealed class GatewayUnreachableException(string message, Exception inner) : Exception(message, inner);

/// <summary>A download's content does not match the SHA-256 the gateway announced.</summary>
public sealed class IntegrityException(string message) : Exception(message);

/// <summary>
/// An upload's parameters: the exchange, recipient, purpose, object, the dataset answered; for a
/// document its title and its type (<see cref="ContentType"/>, from its content); the dataset replaced.
/// </summary>
public sealed record UploadRequest(string Type, string? To, string Purpose, string? Object, string? ReplyTo = null)
{
    /// <summary>A document's title (<c>title=</c>).</summary>
    public string? Title { get; init; }

    /// <summary>The dataset this upload replaces (<c>replaces=</c>).</summary>
    public string? Replaces { get; init; }

    /// <summary>The file's media type: <c>text/csv</c>, or a document's type.</summary>
    public string ContentType { get; init; } = "text/csv";
}

/// <summary>
/// The client of the gateway's API, over mutual TLS with the agent's certificate. The gateway's own
/// certificate is checked against <c>serverCa</c> when given (the development CA), else the system store.
/// </summary>
public sealed class GatewayClient : IDisposable
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly HttpClient _http;

    /// <summary>Connects to <paramref name="gateway"/> as <paramref name="clientCertificate"/>.</summary>
    public GatewayClient(Uri gateway, X509Certificate2 clientCertificate, X509Certificate2? serverCa)
    {
        ArgumentNullException.ThrowIfNull(gateway);
        ArgumentNullException.ThrowIfNull(clientCertificate);
        var handler = new SocketsHttpHandler
        {
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            ConnectTimeout = TimeSpan.FromSeconds(15),
            SslOptions = new SslClientAuthenticationOptions
            {
                ClientCertificates = [clientCertificate],
                RemoteCertificateValidationCallback = serverCa is null ? null : (_, certificate, _, errors) => ValidateServer(certificate, errors, serverCa),
            },
        };
        _http = new HttpClient(handler) { BaseAddress = gateway, Timeout = Timeout.InfiniteTimeSpan };
        _http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("cpom", "1.0"));
    }

    /// <summary>
    /// Uploads a file; <paramref name="progress"/> receives the bytes sent so far. The answer is a
    /// dataset's metadata, or, for a file the gateway splits between recipients, the distribution.
    /// </summary>
    public Task<JsonElement> UploadAsync(Stream content, string type, string? to, string purpose, string? caseObject, string? replyTo = null,
        IProgress<long>? progress = null, CancellationToken cancellationToken = default) =>
        UploadAsync(content, new UploadRequest(type, to, purpose, caseObject, replyTo), progress, cancellationToken);

    /// <summary>
    /// Uploads a file as <paramref name="request"/> says: a CSV, or a document (its title, the type
    /// its content is); optionally replacing an earlier dataset.
    /// </summary>
    public async Task<JsonElement> UploadAsync(Stream content, UploadRequest request, IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentNullException.ThrowIfNull(request);
        var query = $"api/v1/datasets?type={Uri.EscapeDataString(request.Type)}&purpose={Uri.EscapeDataString(request.Purpose)}"
            + (request.To is null ? string.Empty : "&to=" + Uri.EscapeDataString(request.To))
            + (request.Object is null ? string.Empty : "&object=" + Uri.EscapeDataString(request.Object))
            + (request.ReplyTo is null ? string.Empty : "&replyTo=" + Uri.EscapeDataString(request.ReplyTo))
            + (request.Title is null ? string.Empty : "&title=" + Uri.EscapeDataString(request.Title))
            + (request.Replaces is null ? string.Empty : "&replaces=" + Uri.EscapeDataString(request.Replaces));
        using var body = new ProgressStreamContent(content, progress);
        body.Headers.ContentType = new MediaTypeHeaderValue(request.ContentType);
        using var response = await SendAsync(new HttpRequestMessage(HttpMethod.Post, query) { Content = body }, cancellationToken);
        return await response.Content.ReadFromJsonAsync<JsonElement>(Json, cancellationToken);
    }

    /// <summary>Withdraws a dataset the caller's organisation sent.</summary>
    public async Task<DatasetInfo> WithdrawAsync(string id, CancellationToken cancellationToken = default)
    {
        using var response = await SendAsync(new HttpRequestMessage(HttpMethod.Delete, $"api/v1/datasets/{Uri.EscapeDataString(id)}"), cancellationToken);
        return (await response.Content.ReadFromJsonAsync<DatasetInfo>(Json, cancellationToken))!;
    }

    /// <summary>The metadata of a dataset from an API answer.</summary>
    public static DatasetInfo ToDataset(JsonElement json) => json.Deserialize<DatasetInfo>(Json)!;

    /// <summary>Lists the datasets addressed to the caller's organisation.</summary>
    public async Task<InboxResponse> InboxAsync(CancellationToken cancellationToken = default)
    {
        using var response = await SendAsync(new HttpRequestMessage(HttpMethod.Get, "api/v1/inbox"), cancellationToken);
        return (await response.Content.ReadFromJsonAsync<InboxResponse>(Json, cancellationToken))!;
    }

    /// <summary>Reads a dataset's metadata.</summary>
    public async Task<DatasetInfo> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        using var response = await SendAsync(new HttpRequestMessage(HttpMethod.Get, $"api/v1/datasets/{Uri.EscapeDataString(id)}"), cancellationToken);
        return (await response.Content.ReadFromJsonAsync<DatasetInfo>(Json, cancellationToken))!;
    }

    /// <summary>
    /// Downloads a dataset's content to <paramref name="destination"/> and checks its SHA-256
    /// against the one the gateway announces (<c>Repr-Digest</c>); returns the bytes written.
    /// </summary>
    public async Task<(long Bytes, string Sha256)> DownloadAsync(string id, string purpose, string? caseObject, Stream destination, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(destination);
        var query = $"api/v1/datasets/{Uri.EscapeDataString(id)}/content?purpose={Uri.EscapeDataString(purpose)}"
            + (caseObject is null ? string.Empty : "&object=" + Uri.EscapeDataString(caseObject));
        using var response = await SendAsync(new HttpRequestMessage(HttpMethod.Get, query), cancellationToken, HttpCompletionOption.ResponseHeadersRead);
        var expected = ParseDigest(response);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        long total = 0;
        try
        {
            await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
            var buffer = new byte[81920];
            int n;
            while ((n = await body.ReadAsync(buffer, cancellationToken)) > 0)
            {
                hash.AppendData(buffer, 0, n);
                await destination.WriteAsync(buffer.AsMemory(0, n), cancellationToken);
                total += n;
            }
        }
        catch (Exception e) when (e is IOException or HttpRequestException)
        {
            throw new IntegrityException("Le téléchargement a été interrompu avant la fin : le fichier reçu est incomplet.");
        }
        var actual = hash.GetHashAndReset();
        if (expected is null || !CryptographicOperations.FixedTimeEquals(actual, expected))
        {
            throw new IntegrityException("L'empreinte SHA-256 du fichier reçu ne correspond pas à celle annoncée par la passerelle.");
        }
        return (total, Convert.ToHexStringLower(actual));
    }

    /// <summary>The gateway's address.</summary>
    public Uri BaseAddress => _http.BaseAddress!;

    /// <summary>
    /// Copies a plain (non-dataset) response body, such as an export, to <paramref name="destination"/>;
    /// returns the response's <c>Cpom-*</c> headers (what the gateway says about the content).
    /// </summary>
    public async Task<IReadOnlyDictionary<string, string>> DownloadPlainAsync(string path, Stream destination, CancellationToken cancellationToken = default)
    {
        using var response = await SendAsync(new HttpRequestMessage(HttpMethod.Get, path), cancellationToken, HttpCompletionOption.ResponseHeadersRead);
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        await body.CopyToAsync(destination, cancellationToken);
        return response.Headers.Where(h => h.Key.StartsWith("Cpom-", StringComparison.OrdinalIgnoreCase))
            .ToDictionary(h => h.Key, h => string.Join(", ", h.Value), StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>GETs a JSON document.</summary>
    public async Task<JsonElement> GetJsonAsync(string path, CancellationToken cancellationToken = default)
    {
        using var response = await SendAsync(new HttpRequestMessage(HttpMethod.Get, path), cancellationToken);
        return await response.Content.ReadFromJsonAsync<JsonElement>(Json, cancellationToken);
    }

    /// <summary>Sends a JSON body (POST, PATCH) and reads the JSON answer.</summary>
    public async Task<JsonElement> SendJsonAsync(HttpMethod method, string path, object body, CancellationToken cancellationToken = default)
    {
        using var response = await SendAsync(new HttpRequestMessage(method, path) { Content = JsonContent.Create(body, options: Json) }, cancellationToken);
        return await response.Content.ReadFromJsonAsync<JsonElement>(Json, cancellationToken);
    }

    /// <inheritdoc />
    public void Dispose() => _http.Dispose();

    private async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken,
        HttpCompletionOption completion = HttpCompletionOption.ResponseContentRead)
    {
        HttpResponseMessage response;
        try
        {
            using (request)
            {
                response = await _http.SendAsync(request, completion, cancellationToken);
            }
        }
        catch (HttpRequestException e)
        {
            throw new GatewayUnreachableException(
                $"Passerelle injoignable ou connexion refusée ({_http.BaseAddress}) : {e.InnerException?.Message ?? e.Message}. "
                + "Vérifiez l'adresse et que votre certificat est valide et émis par une autorité reconnue par la passerelle.", e);
        }
        if (response.IsSuccessStatusCode)
        {
            return response;
        }
        using (response)
        {
            throw new GatewayProblemException(await ReadProblemAsync(response, cancellationToken));
        }
    }

    private static async Task<GatewayProblem> ReadProblemAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var status = (int)response.StatusCode;
        try
        {
            var doc = await response.Content.ReadFromJsonAsync<ProblemDocument>(Json, cancellationToken);
            if (doc?.Code is not null)
            {
                return new GatewayProblem(status, doc.Code, doc.Title ?? string.Empty, doc.Detail, doc.Errors ?? [], doc.ErrorCount ?? doc.Errors?.Count ?? 0);
            }
        }
        catch (JsonException)
        {
            // Not a problem document: described below from the status.
        }
        // Not the reason phrase (English): a French title from the status.
        var title = status switch
        {
            401 => "Authentification refusée",
            403 => "Accès refusé",
            404 => "Introuvable",
            429 => "Trop de requêtes",
            502 or 503 or 504 => "Passerelle indisponible",
            >= 500 => "Erreur de la passerelle",
            _ => $"Réponse HTTP {status}",
        };
        return new GatewayProblem(status, $"http.{status}", title,
            status == (int)HttpStatusCode.TooManyRequests ? "Trop de requêtes : réessayez plus tard." : $"Réponse HTTP {status} inattendue.", [], 0);
    }

    private static byte[]? ParseDigest(HttpResponseMessage response)
    {
        if (!response.Headers.TryGetValues("Repr-Digest", out var values) && !response.Content.Headers.TryGetValues("Repr-Digest", out values))
        {
            return null;
        }
        foreach (var value in values.SelectMany(v => v.Split(',')))
        {
            var trimmed = value.Trim();
            if (trimmed.StartsWith("sha-256=:", StringComparison.Ordinal) && trimmed.EndsWith(':'))
            {
                return Convert.FromBase64String(trimmed["sha-256=:".Length..^1]);
            }
        }
        return null;
    }

    private static bool ValidateServer(X509Certificate? certificate, SslPolicyErrors errors, X509Certificate2 ca)
    {
        if (certificate is null || errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch) || errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable))
        {
            return false;
        }
        using var server = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(server);
    }

    private sealed class ProblemDocument
    {
        public string? Code { get; set; }
        public string? Title { get; set; }
        public string? Detail { get; set; }
        public List<ProblemError>? Errors { get; set; }
        public long? ErrorCount { get; set; }
    }

    /// <summary>Streams a file as the request body, reporting progress.</summary>
    private sealed class ProgressStreamContent(Stream source, IProgress<long>? progress) : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
        {
            var buffer = new byte[81920];
            long sent = 0;
            int n;
            while ((n = await source.ReadAsync(buffer, cancellationToken)) > 0)
            {
                await stream.WriteAsync(buffer.AsMemory(0, n), cancellationToken);
                sent += n;
                progress?.Report(sent);
            }
        }

        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
            SerializeToStreamAsync(stream, context, CancellationToken.None);

        protected override bool TryComputeLength(out long length)
        {
            if (source.CanSeek)
            {
                length = source.Length - source.Position;
                return true;
            }
            length = 0;
            return false;
        }
    }
}
