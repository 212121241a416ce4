using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using CpomExchange.Tests.Shared;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CpomExchange.Cli.Tests;

/// <summary>
/// What a DPO's <c>cpom</c> would meet if the gateway (or whoever holds its certificate) lied about
/// its checkpoints: an HTTPS server with the gateway's own certificate that forwards every request
/// to the real gateway as one DPO, and rewrites the list of signed checkpoints with <see cref="Rewrite"/>.
/// </summary>
internal sealed class CheckpointProxy : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly HttpClient _upstream;

    private CheckpointProxy(WebApplication app, HttpClient upstream, Uri baseAddress)
    {
        _app = app;
        _upstream = upstream;
        BaseAddress = baseAddress;
    }

    /// <summary>The proxy's address, for <c>--gateway</c>.</summary>
    public Uri BaseAddress { get; }

    /// <summary>What the proxy answers for <c>GET /api/v1/audit/checkpoints</c>, given the gateway's answer.</summary>
    public Func<JsonArray, Task<JsonArray>> Rewrite { get; set; } = Task.FromResult;

    public static async Task<CheckpointProxy> StartAsync(GatewayFixture gateway, string identity)
    {
        using var pem = X509Certificate2.CreateFromPemFile(Path.Combine(gateway.DevDirectory, "gateway.pem"), Path.Combine(gateway.DevDirectory, "gateway.key"));
        var certificate = X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
        var upstream = gateway.Client(gateway.Identity(identity));
        var builder = WebApplication.CreateBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen => listen.UseHttps(certificate)));
        var app = builder.Build();
        CheckpointProxy? proxy = null;
        app.Run(async http =>
        {
            using var answer = await upstream.GetAsync(http.Request.Path.Value!.TrimStart('/') + http.Request.QueryString, http.RequestAborted);
            var body = await answer.Content.ReadAsByteArrayAsync(http.RequestAborted);
            if (http.Request.Path == "/api/v1/audit/checkpoints" && answer.IsSuccessStatusCode)
            {
                var rewritten = await proxy!.Rewrite(JsonNode.Parse(body)!.AsArray());
                body = System.Text.Encoding.UTF8.GetBytes(rewritten.ToJsonString());
            }
            http.Response.StatusCode = (int)answer.StatusCode;
            http.Response.ContentType = answer.Content.Headers.ContentType?.ToString();
            await http.Response.Body.WriteAsync(body, http.RequestAborted);
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        proxy = new CheckpointProxy(app, upstream, new Uri(address.TrimEnd('/') + "/"));
        return proxy;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _upstream.Dispose();
    }
}
