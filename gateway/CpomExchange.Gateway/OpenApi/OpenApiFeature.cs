using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using Scalar.AspNetCore;

namespace CpomExchange.Gateway.OpenApi;

/// <summary>
/// The OpenAPI 3.1 document of the API (<c>/openapi/v1.json</c>, for registered agents, like the
/// API itself) and, in Development, its browsable reference (<c>/docs</c>, Scalar, served from the
/// gateway with no CDN). The web console's pages are not API and stay out of the document.
/// </summary>
internal static class OpenApiFeature
{
    /// <summary>The document's name (its path is <c>/openapi/v1.json</c>).</summary>
    public const string DocumentName = "v1";

    /// <summary>Where the reference is served in Development.</summary>
    public const string DocsPath = "/docs";

    private const string ProblemJson = "application/problem+json";

    public static IServiceCollection AddGatewayOpenApi(this IServiceCollection services)
    {
        services.AddOpenApi(DocumentName, options =>
        {
            options.OpenApiVersion = OpenApiSpecVersion.OpenApi3_1;
            // The API and the health probes; not the console's pages or forms, not /metrics.
            options.ShouldInclude = description => description.RelativePath is { } path
                && (path.StartsWith("api/", StringComparison.Ordinal) || path.StartsWith("health/", StringComparison.Ordinal));
            options.AddDocumentTransformer((document, _, _) =>
            {
                document.Info = new OpenApiInfo
                {
                    Title = "CpomExchange gateway API",
                    Version = DocumentName,
                    Description = ApiTexts.Document,
                };
                // The address depends on the deployment: clients use their own base address.
                document.Servers = [];
                return Task.CompletedTask;
            });
            options.AddOperationTransformer(async (operation, context, cancellationToken) =>
            {
                var description = context.Description;
                // The document writes a path without its route constraints ({id:long} is {id}): so do the keys.
                var key = $"{description.HttpMethod} /{System.Text.RegularExpressions.Regex.Replace(description.RelativePath ?? string.Empty, @"\{(\w+):[^}]+\}", "{$1}")}";
                // What the handlers read and write themselves (streamed bodies), which the metadata cannot say.
                switch (key)
                {
                    case "POST /api/v1/datasets":
                        operation.RequestBody = Body("text/csv", Text("The CSV file, streamed: its first line names the exchange's columns."), required: true);
                        // A document exchange (type=document) takes the file with its own type, decided again from its content.
                        operation.RequestBody.Content!["application/pdf"] = new OpenApiMediaType { Schema = Binary("A PDF (no script, launch action nor attached file), with title=.") };
                        operation.RequestBody.Content["application/vnd.oasis.opendocument.text"] = new OpenApiMediaType { Schema = Binary("An OpenDocument text (no macro nor embedded object), with title=.") };
                        operation.Responses ??= [];
                        operation.Responses.Remove("200");
                        operation.Responses["201"] = new OpenApiResponse
                        {
                            Description = "Stored: the dataset (or, for a file split between SPSTI, each share and what matched none).",
                            Content = new Dictionary<string, OpenApiMediaType>(StringComparer.Ordinal)
                            {
                                ["application/json"] = new OpenApiMediaType
                                {
                                    Schema = new OpenApiSchema
                                    {
                                        OneOf =
                                        [
                                            await context.GetOrCreateSchemaAsync(typeof(Datasets.DatasetInfo), null, cancellationToken),
                                            await context.GetOrCreateSchemaAsync(typeof(Datasets.SplitUploadResponse), null, cancellationToken),
                                        ],
                                    },
                                },
                            },
                        };
                        break;
                    case "POST /api/v1/datasets/{id}/consent-withdrawals":
                        operation.RequestBody = Body("application/json",
                            await context.GetOrCreateSchemaAsync(typeof(Datasets.ConsentWithdrawalRequest), null, cancellationToken), required: true);
                        break;
                    case "GET /api/v1/datasets/{id}/content":
                        operation.Responses ??= [];
                        operation.Responses["200"] = new OpenApiResponse
                        {
                            Description = "The CSV as it was stored (after minimisation and masking); `Repr-Digest` carries its SHA-256.",
                            Content = new Dictionary<string, OpenApiMediaType>(StringComparer.Ordinal)
                            {
                                ["text/csv"] = new OpenApiMediaType { Schema = Text("The dataset's rows.") },
                                ["application/pdf"] = new OpenApiMediaType { Schema = Binary("A document (type=document), as sent.") },
                                ["application/vnd.oasis.opendocument.text"] = new OpenApiMediaType { Schema = Binary("A document (type=document), as sent.") },
                            },
                        };
                        break;
                    case "GET /api/v1/audit/export":
                        operation.Responses ??= [];
                        operation.Responses["200"] = new OpenApiResponse
                        {
                            Description = "The log: JSON lines (header, signed checkpoints, entries) to verify offline with `cpom audit verify`, or CSV.",
                            Content = new Dictionary<string, OpenApiMediaType>(StringComparer.Ordinal)
                            {
                                ["application/jsonl"] = new OpenApiMediaType { Schema = Text("One JSON document per line.") },
                                ["text/csv"] = new OpenApiMediaType { Schema = Text("One entry per row.") },
                            },
                        };
                        break;
                    default:
                        break;
                }
                if (ApiTexts.Operations.TryGetValue(key, out var text))
                {
                    operation.Summary = text.Summary;
                    operation.Description = text.Description;
                }
                if (operation.Parameters is { } declared)
                {
                    foreach (var parameter in declared.OfType<OpenApiParameter>())
                    {
                        if (parameter.Name is { } name && (ApiTexts.RouteParameters.TryGetValue($"{key} {name}", out var about) || ApiTexts.Parameters.TryGetValue(name, out about)))
                        {
                            parameter.Description = about;
                        }
                    }
                }
                if (description.RelativePath?.StartsWith("api/", StringComparison.Ordinal) == true)
                {
                    operation.Responses ??= [];
                    var routeProblems = ApiProblems.ByRoute.TryGetValue(key, out var listed) ? listed : new Dictionary<int, string[]>();
                    foreach (var status in routeProblems.Keys.Union(ApiProblems.Common.Keys).Order())
                    {
                        var codes = (routeProblems.TryGetValue(status, out var own) ? own : [])
                            .Concat(ApiProblems.Common.TryGetValue(status, out var common) ? common : [])
                            .Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
                        operation.Responses[status.ToString(CultureInfo.InvariantCulture)] = ProblemResponse(status, codes);
                    }
                }
            });
        });
        return services;
    }

    public static WebApplication MapGatewayOpenApi(this WebApplication app)
    {
        // The same rule as the API it describes: a registered agent's certificate.
        app.MapOpenApi("/openapi/{documentName}.json").RequireAuthorization();
        if (app.Environment.IsDevelopment())
        {
            // Scalar's page and scripts are embedded in its package and served from here: no CDN.
            app.MapScalarApiReference(DocsPath, options => options
                .WithTitle("CpomExchange — référence de l'API")
                .WithOpenApiRoutePattern("/openapi/{documentName}.json")
                .AddDocument(DocumentName)
                .WithNonce()
                // Nothing from Scalar's servers: no web fonts, no telemetry, no AI agent or MCP.
                .DisableDefaultFonts()
                .DisableTelemetry()
                .DisableAgent()
                .DisableMcp())
                .RequireAuthorization();
        }
        return app;
    }

    /// <summary>
    /// The reference page's Content-Security-Policy: scripts from the gateway and the page's own
    /// (by Scalar's per-request nonce), nothing from elsewhere, no eval. Scalar's components set
    /// styles from script, hence <c>style-src 'unsafe-inline'</c> on this page only (Development).
    /// </summary>
    public static IApplicationBuilder UseDocsContentSecurityPolicy(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        if (context.Request.Path.StartsWithSegments(DocsPath, StringComparison.Ordinal))
        {
            context.Response.OnStarting(() =>
            {
                var nonce = context.Items.TryGetValue(ScalarOptions.NonceHttpContextItemKey, out var value) && value is string text ? $" 'nonce-{text}'" : "";
                context.Response.Headers.ContentSecurityPolicy =
                    $"default-src 'none'; script-src 'self'{nonce}; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; " +
                    "connect-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'";
                return Task.CompletedTask;
            });
        }
        await next();
    });

    private static OpenApiSchema Text(string description) => new() { Type = JsonSchemaType.String, Description = description };

    private static OpenApiSchema Binary(string description) => new() { Type = JsonSchemaType.String, Format = "binary", Description = description };

    private static OpenApiRequestBody Body(string mediaType, IOpenApiSchema schema, bool required) => new()
    {
        Required = required,
        Content = new Dictionary<string, OpenApiMediaType>(StringComparer.Ordinal) { [mediaType] = new OpenApiMediaType { Schema = schema } },
    };

    /// <summary>A problem response whose <c>code</c> is one of <paramref name="codes"/> (a catalogue extract).</summary>
    private static OpenApiResponse ProblemResponse(int status, IReadOnlyList<string> codes)
    {
        var codeSchema = new OpenApiSchema
        {
            Type = JsonSchemaType.String,
            Description = "Stable code of the refusal (gateway/CpomExchange.Rules/Errors/ErrorCatalog.cs): match on it, not on the French texts.",
            Enum = codes.Select(c => (JsonNode)JsonValue.Create(c)!).ToList(),
        };
        return new OpenApiResponse
        {
            Description = ApiTexts.Status(status) + ": " + string.Join(", ", codes.Select(c => $"`{c}`")),
            Content = new Dictionary<string, OpenApiMediaType>(StringComparer.Ordinal)
            {
                [ProblemJson] = new OpenApiMediaType
                {
                    Schema = new OpenApiSchema
                    {
                        Type = JsonSchemaType.Object,
                        Description = "RFC 9457 problem document; title and detail in French for people.",
                        Required = new HashSet<string>(StringComparer.Ordinal) { "status", "title", "code" },
                        Properties = new Dictionary<string, IOpenApiSchema>(StringComparer.Ordinal)
                        {
                            ["type"] = new OpenApiSchema { Type = JsonSchemaType.String },
                            ["title"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "The code's French title." },
                            ["status"] = new OpenApiSchema { Type = JsonSchemaType.Integer, Enum = [JsonValue.Create(status)!] },
                            ["detail"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "What happened and what to do, in French." },
                            ["code"] = codeSchema,
                        },
                    },
                },
            },
        };
    }
}
