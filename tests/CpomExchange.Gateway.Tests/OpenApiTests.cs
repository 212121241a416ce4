using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using CpomExchange.Infrastructure.Pki;
using CpomExchange.Rules.Errors;
using CpomExchange.Tests.Shared;

namespace CpomExchange.Gateway.Tests;

/// <summary>
/// The OpenAPI document (<c>/openapi/v1.json</c>) against its committed copy, its access rule, its
/// problem codes, and the reference page (<c>/docs</c>, Development).
/// </summary>
public sealed partial class OpenApiTests(GatewayFixture gateway) : IClassFixture<GatewayFixture>
{
    /// <summary>Set to 1 to rewrite the committed copy from the running gateway.</summary>
    public const string UpdateVariable = "CPOM_UPDATE_OPENAPI";

    private static string CommittedPath => Path.Combine(TestPaths.RepositoryRoot, "docs", "openapi-v1.json");

    private async Task<string> DocumentAsync()
    {
        using var agent = gateway.ClientFor("prevy-agent");
        var response = await agent.GetAsync("openapi/v1.json");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        return await response.Content.ReadAsStringAsync();
    }

    /// <summary>The document as committed: indented, LF line ends, a final line feed.</summary>
    private static string Normalise(string json) =>
        JsonNode.Parse(json)!.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping })
            .ReplaceLineEndings("\n") + "\n";

    [Fact]
    public async Task Document_IsTheCommittedCopy()
    {
        var generated = Normalise(await DocumentAsync());
        if (Environment.GetEnvironmentVariable(UpdateVariable) == "1")
        {
            await File.WriteAllTextAsync(CommittedPath, generated);
        }
        var committed = File.Exists(CommittedPath) ? (await File.ReadAllTextAsync(CommittedPath)).ReplaceLineEndings("\n") : "";
        if (committed != generated)
        {
            var at = Enumerable.Range(0, Math.Min(committed.Length, generated.Length)).FirstOrDefault(i => committed[i] != generated[i], Math.Min(committed.Length, generated.Length));
            var line = generated[..at].Count(c => c == '\n') + 1;
            Assert.Fail($"The API's OpenAPI document differs from docs/openapi-v1.json (first at line {line}). If the change is intended, " +
                $"refresh the copy and commit it: {UpdateVariable}=1 dotnet test tests/CpomExchange.Gateway.Tests --filter \"FullyQualifiedName~OpenApiTests.Document_IsTheCommittedCopy\"");
        }
    }

    [Fact]
    public async Task Document_IsOpenApi31_CoversEveryApiRoute_WithItsProblemCodes_AndNoConsolePage()
    {
        using var doc = JsonDocument.Parse(await DocumentAsync());
        var root = doc.RootElement;
        Assert.StartsWith("3.1.", root.GetProperty("openapi").GetString(), StringComparison.Ordinal);
        var paths = root.GetProperty("paths").EnumerateObject().ToList();
        // Every path is the API's or a health probe's: the console's pages, /metrics and /docs stay out.
        Assert.Equal(paths.Count, paths.Count(p => p.Name.StartsWith("/api/v1/", StringComparison.Ordinal) || p.Name.StartsWith("/health/", StringComparison.Ordinal)));
        var operations = paths.SelectMany(p => p.Value.EnumerateObject().Select(o => (Key: $"{o.Name.ToUpperInvariant()} {p.Name}", Operation: o.Value))).ToList();
        var api = operations.Where(o => o.Key.Contains(" /api/v1/", StringComparison.Ordinal)).ToList();
        // Each route of the API is described, with its refusals (and nothing is listed for a route that is gone).
        Assert.Equal(OpenApi.ApiProblems.ByRoute.Keys.Order(StringComparer.Ordinal), api.Select(o => o.Key).Order(StringComparer.Ordinal));
        Assert.Equal(["GET /health/live", "GET /health/ready"], operations.Select(o => o.Key).Where(k => k.Contains(" /health/", StringComparison.Ordinal)).Order(StringComparer.Ordinal));
        Assert.Contains(api, o => o.Key == "POST /api/v1/datasets");
        foreach (var (key, operation) in operations)
        {
            Assert.True(operation.TryGetProperty("summary", out var summary) && !string.IsNullOrWhiteSpace(summary.GetString()),
                $"{key} has no summary: add it to gateway/CpomExchange.Gateway/OpenApi/ApiTexts.cs.");
            Assert.True(operation.TryGetProperty("description", out var text) && !string.IsNullOrWhiteSpace(text.GetString()),
                $"{key} has no description: add it to gateway/CpomExchange.Gateway/OpenApi/ApiTexts.cs.");
        }
        foreach (var (key, operation) in api)
        {
            var responses = operation.GetProperty("responses");
            var unauthorised = CodesOf(responses, "401");
            Assert.Contains(ErrorCatalog.UnknownCertificate, unauthorised);
        }
        // Each listed code is one of the catalogue's, at the status the route answers it with.
        var upload = api.Single(o => o.Key == "POST /api/v1/datasets").Operation.GetProperty("responses");
        Assert.Contains(ErrorCatalog.InvalidFile, CodesOf(upload, "422"));
        Assert.Contains(ErrorCatalog.BadSiret, CodesOf(upload, "422"));
        Assert.Contains(ErrorCatalog.NoContract, CodesOf(upload, "403"));
        Assert.Contains(ErrorCatalog.UnsupportedMediaType, CodesOf(upload, "415"));
        var known = ErrorCatalog.Codes.ToHashSet(StringComparer.Ordinal);
        var every = api.SelectMany(o => o.Operation.GetProperty("responses").EnumerateObject().Where(r => r.Name.Length == 3 && r.Name[0] is '4' or '5')
            .SelectMany(r => CodesOf(o.Operation.GetProperty("responses"), r.Name))).ToList();
        Assert.NotEmpty(every);
        Assert.DoesNotContain(every, c => !known.Contains(c));
        // The query parameters an integrator needs are described.
        var purpose = upload.ValueKind == JsonValueKind.Object
            ? api.Single(o => o.Key == "POST /api/v1/datasets").Operation.GetProperty("parameters").EnumerateArray().Single(p => p.GetProperty("name").GetString() == "purpose")
            : default;
        Assert.Contains("purpose", purpose.GetProperty("description").GetString(), StringComparison.Ordinal);
    }

    private static List<string> CodesOf(JsonElement responses, string status) =>
        responses.GetProperty(status).GetProperty("content").GetProperty("application/problem+json").GetProperty("schema")
            .GetProperty("properties").GetProperty("code").GetProperty("enum").EnumerateArray().Select(e => e.GetString()!).ToList();

    [Fact]
    public async Task Document_NeedsARegisteredAgent_LikeTheApi()
    {
        // A certificate of the trusted CA that no agent holds (what /metrics and /health accept): refused.
        using var probe = DevPki.IssueClientCertificate(gateway.Ca, "sonde", null, null, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        using var monitoring = gateway.Client(probe);
        var refused = await monitoring.GetAsync("openapi/v1.json");
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.DoesNotContain("\"paths\"", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        // No certificate: refused at the handshake.
        using var anonymous = gateway.Client(null);
        await Assert.ThrowsAsync<HttpRequestException>(() => anonymous.GetAsync("openapi/v1.json"));
    }

    [Fact]
    public async Task Docs_InDevelopment_AreServedByTheGateway_WithNothingFromElsewhere()
    {
        using var agent = gateway.ClientFor("prevy-agent");
        var page = await agent.GetAsync("docs");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        var html = await page.Content.ReadAsStringAsync();
        Assert.True(html.Contains("openapi/v1.json", StringComparison.Ordinal) || html.Contains("openapi/{documentName}.json", StringComparison.Ordinal), html);
        // Every script and style the page loads comes from the gateway, and the gateway serves it.
        var sources = SourcePattern().Matches(html).Select(m => m.Groups[1].Value).ToList();
        Assert.NotEmpty(sources);
        foreach (var source in sources)
        {
            Assert.False(Uri.TryCreate(source, UriKind.Absolute, out var absolute) && absolute.Scheme is "http" or "https", $"The page loads {source} from elsewhere.");
            var asset = await agent.GetAsync(new Uri(new Uri(gateway.BaseAddress, "docs/"), source));
            Assert.Equal(HttpStatusCode.OK, asset.StatusCode);
        }
        // A strict policy: no script from elsewhere, no eval; the page's own inline script by its hash.
        var csp = page.Headers.GetValues("Content-Security-Policy").Single();
        Assert.Contains("default-src 'none'", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-eval", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("script-src 'self' 'unsafe-inline'", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("http", csp, StringComparison.Ordinal);
    }

    [GeneratedRegex("""<(?:script|link)[^>]*\b(?:src|href)="([^"]+)"[^>]*>""")]
    private static partial Regex SourcePattern();
}
