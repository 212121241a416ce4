using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using CpomExchange.Gateway.Notifications;
using CpomExchange.Infrastructure.Notifications;
using CpomExchange.Tests.Shared;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;

namespace CpomExchange.Gateway.Tests.Notifications;

/// <summary>A request the webhook receiver got: its signature header, its body, and what it answered.</summary>
internal sealed record WebhookCall(string Signature, string Body, int Status);

/// <summary>
/// A notifying gateway whose CARSAT Languedoc-Roussillon has a webhook: a real HTTPS server of the test
/// (the development CA's certificate for 127.0.0.1), which answers 503 to the first <see cref="FailFirst"/> calls.
/// </summary>
public sealed class WebhookGatewayFixture : NotifyGatewayFixture
{
    public const string Secret = "secret-de-test-du-webhook-carsat-lr-0123456789";

    private readonly int _port = LoopbackPort.Free();
    private WebApplication? _receiver;
    private int _calls;

    /// <summary>How many first calls get a 503.</summary>
    public int FailFirst { get; set; } = 1;

    internal ConcurrentQueue<WebhookCall> Calls { get; } = new();

    protected override void Configure(WebApplicationBuilder builder)
    {
        base.Configure(builder);
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Notifications:Webhooks:carsat-lr:Url"] = $"https://127.0.0.1:{_port}/cpom",
            ["Notifications:Webhooks:carsat-lr:Secret"] = Secret,
            ["Notifications:WebhookTrustAnchor"] = Path.Combine(DevDirectory, "ca.pem"),
        });
    }

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        using var pem = X509Certificate2.CreateFromPemFile(Path.Combine(DevDirectory, "gateway.pem"), Path.Combine(DevDirectory, "gateway.key"));
        var certificate = X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrelHttpsConfiguration();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, _port, l => l.UseHttps(certificate)));
        _receiver = builder.Build();
        _receiver.MapPost("/cpom", async (HttpRequest request) =>
        {
            using var reader = new StreamReader(request.Body);
            var body = await reader.ReadToEndAsync();
            var status = Interlocked.Increment(ref _calls) <= FailFirst ? 503 : 200;
            Calls.Enqueue(new WebhookCall(request.Headers["X-Cpom-Signature"].ToString(), body, status));
            return Results.StatusCode(status);
        });
        await _receiver.StartAsync();
    }

    public override async Task DisposeAsync()
    {
        if (_receiver is not null)
        {
            await _receiver.StopAsync();
            await _receiver.DisposeAsync();
        }
        await base.DisposeAsync();
    }
}

/// <summary>
/// Issue 20 (optional part): an organisation's system is told through a webhook, from the same outbox:
/// the body signed with HMAC-SHA-256 over a timestamp and the body, no identifier of the file in it,
/// retried after a 503 with the same body.
/// </summary>
public sealed class WebhookTests(WebhookGatewayFixture gateway) : IClassFixture<WebhookGatewayFixture>
{
    [Fact]
    public async Task Upload_IsPostedSigned_WithoutIdentifiers_AndRetriedAfterA503()
    {
        var sirets = TestSirets.From(744_000_000).Take(2).ToArray();
        const string caseObject = "dossier Marchetti";
        var id = await (await gateway.PostCsvAsync("prevy-agent", $"type=adherents&to=carsat-lr&purpose=sinistralite&object={Uri.EscapeDataString(caseObject)}",
            $"siret;raison_sociale\n{sirets[0]};SCIERIE ROCHE\n{sirets[1]};FROMAGERIE BLANC\n")).IdAsync();

        for (var i = 0; i < 600 && !gateway.Calls.Any(c => c.Status == 200 && c.Body.Contains(id, StringComparison.Ordinal)); i++)
        {
            await Task.Delay(100);
        }
        var calls = gateway.Calls.Where(c => c.Body.Contains(id, StringComparison.Ordinal)).ToList();
        Assert.Equal([503, 200], calls.Select(c => c.Status));
        // The same delivery (body) at each attempt, so that the receiver can deduplicate.
        Assert.Single(calls.Select(c => c.Body).Distinct());

        foreach (var call in calls)
        {
            var t = long.Parse(call.Signature[2..call.Signature.IndexOf(',', StringComparison.Ordinal)], System.Globalization.CultureInfo.InvariantCulture);
            // Computed here as a receiver would, not with the gateway's code: HMAC-SHA-256 of "t.body" with the shared secret.
            var mac = System.Security.Cryptography.HMACSHA256.HashData(System.Text.Encoding.UTF8.GetBytes(WebhookGatewayFixture.Secret),
                System.Text.Encoding.UTF8.GetBytes($"{t}.{call.Body}"));
            Assert.Equal($"t={t},v1={Convert.ToHexStringLower(mac)}", call.Signature);
        }

        // What the body may say, and nothing else: the event, the organisation, the gateway's reference, the time, the delivery.
        using var json = JsonDocument.Parse(calls[0].Body);
        Assert.Equal(["dataset", "delivery", "event", "occurredAt", "organisation"], json.RootElement.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        Assert.Equal((NotificationEvents.FileReceived, "carsat-lr", id),
            (json.RootElement.GetProperty("event").GetString(), json.RootElement.GetProperty("organisation").GetString(), json.RootElement.GetProperty("dataset").GetString()));
        string[] forbidden = [.. sirets, .. sirets.Select(s => s[..9]), "SCIERIE ROCHE", "FROMAGERIE BLANC", caseObject, "Marchetti"];
        foreach (var value in forbidden)
        {
            Assert.DoesNotContain(value, calls[0].Body, StringComparison.OrdinalIgnoreCase);
        }

        var row = Assert.Single(await gateway.OutboxAsync(id), n => n.Recipients == WebhookSender.Recipient);
        for (var i = 0; i < 100 && row.State != NotificationStates.Sent; i++)
        {
            await Task.Delay(100);
            row = Assert.Single(await gateway.OutboxAsync(id), n => n.Recipients == WebhookSender.Recipient);
        }
        Assert.Equal((NotificationStates.Sent, 2), (row.State, row.Attempts));
    }
}
