using System.Net;
using System.Net.Http.Json;
using CpomExchange.Gateway.Authentication;
using CpomExchange.Infrastructure.Pki;
using CpomExchange.Rules.AccessLog;
using CpomExchange.Tests.Shared;
using Microsoft.AspNetCore.Builder;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CpomExchange.Gateway.Tests;

/// <summary>A gateway allowing 3 refused attempts per certificate in a window of 10 minutes, no limit per address.</summary>
public sealed class CertificateFloodFixture : GatewayFixture
{
    protected override void Configure(WebApplicationBuilder builder)
    {
        builder.Configuration["Cpom:Refusals:PerCertificate"] = "3";
        builder.Configuration["Cpom:Refusals:PerAddress"] = "0";
        builder.Configuration["Cpom:Refusals:Window"] = "00:10:00";
    }
}

/// <summary>A gateway allowing 4 refused attempts per address in a window of 10 minutes, no limit per certificate.</summary>
public sealed class AddressFloodFixture : GatewayFixture
{
    protected override void Configure(WebApplicationBuilder builder)
    {
        builder.Configuration["Cpom:Refusals:PerCertificate"] = "0";
        builder.Configuration["Cpom:Refusals:PerAddress"] = "4";
        builder.Configuration["Cpom:Refusals:Window"] = "00:10:00";
    }
}

/// <summary>A certificate refused again and again: cut off after its budget, and logged as a count, not as a flood of entries.</summary>
public sealed class CertificateFloodTests(CertificateFloodFixture gateway) : IClassFixture<CertificateFloodFixture>
{
    [Fact]
    public async Task UnknownCertificate_IsCutOffAfterItsBudget_AndItsRefusalsAreCountedInTheLog()
    {
        // Valid chain, PREVY's organizationIdentifier, registered to no agent: refusals go to PREVY's log.
        using var certificate = DevPki.IssueClientCertificate(gateway.Ca, "inconnu-insistant", "PREVY", "999000045",
            DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        var fingerprint = CertificateFacts.Sha256Fingerprint(certificate);
        using var client = gateway.Client(certificate);
        var codes = new List<string>();
        HttpResponseMessage? limited = null;
        for (var i = 0; i < 20; i++)
        {
            var response = await client.GetAsync("api/v1/inbox");
            var status = response.StatusCode;
            codes.Add($"{(int)status} {(await response.ReadProblemAsync(status)).Code()}");
            limited ??= status == HttpStatusCode.TooManyRequests ? response : null;
        }
        Assert.Equal([.. Enumerable.Repeat("401 auth.unknown-certificate", 3), .. Enumerable.Repeat("429 auth.too-many-refusals", 17)], codes);
        var retryAfter = limited!.Headers.RetryAfter?.Delta;
        Assert.NotNull(retryAfter);
        Assert.InRange(retryAfter.Value, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(10));

        // Before the window ends: the first refusal of each kind, each written at once.
        var entries = await EntriesAsync(fingerprint);
        Assert.Equal(["auth.unknown-certificate -", "auth.too-many-refusals -"], entries.Select(e => $"{e.ReasonCode} {e.Rows?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-"}"));

        // The window ends (or the gateway stops): one entry counts the identical refusals that followed.
        await gateway.Services.GetRequiredService<RefusalJournal>().FlushAsync(all: true);
        entries = await EntriesAsync(fingerprint);
        Assert.Equal(["auth.unknown-certificate -", "auth.too-many-refusals -", "auth.unknown-certificate 2", "auth.too-many-refusals 16"],
            entries.Select(e => $"{e.ReasonCode} {e.Rows?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-"}"));
        Assert.Equal(20, entries.Sum(e => e.Rows ?? 1));
        Assert.All(entries, e => Assert.Equal((LogActions.Authenticate, AccessLogEntry.Denied, "(non enregistré)"), (e.Action, e.Outcome, e.AgentId)));
        Assert.StartsWith("2 refus identiques de plus, du ", entries[2].Object);
        Assert.StartsWith("16 refus identiques de plus, du ", entries[3].Object);
        Assert.Equal("127.0.0.1", entries[3].ClientAddress);

        // The log stays verifiable as it is: same entries, same canonical form.
        using var dpo = gateway.ClientFor("prevy-dpo");
        var verification = await dpo.GetFromJsonAsync<VerificationShape>("api/v1/audit/verify");
        Assert.True(verification!.Valid, verification.Problem);
    }

    private async Task<List<CpomExchange.Infrastructure.AccessLog.AccessLogEntryEntity>> EntriesAsync(string fingerprint)
    {
        await using var db = await gateway.OpenDatabaseAsync();
        return await db.AccessLogEntries.AsNoTracking().Where(e => e.Controller == "prevy" && e.CertificateSha256 == fingerprint).OrderBy(e => e.Seq).ToListAsync();
    }

    private sealed record VerificationShape(bool Valid, string? Problem);
}

/// <summary>Refused handshakes from one address: its next connections are closed, whatever certificate they bring, without building a chain.</summary>
public sealed class AddressFloodTests(AddressFloodFixture gateway) : IClassFixture<AddressFloodFixture>
{
    [Fact]
    public async Task RefusedHandshakes_CloseTheAddressesNextConnections_AndABadChainIsBuiltOnce()
    {
        var validator = gateway.Services.GetRequiredService<ClientCertificateValidator>();
        using var otherCa = DevPki.CreateCa("Autorité inconnue");
        using var intruder = DevPki.IssueClientCertificate(otherCa, "intrus", "PREVY", "999000045", DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        using (var before = gateway.ClientFor("prevy-agent"))
        {
            Assert.Equal(HttpStatusCode.OK, (await before.GetAsync("health/live")).StatusCode);
        }
        var built = validator.ChainsBuilt;
        for (var i = 0; i < 4; i++)
        {
            using var client = gateway.Client(intruder);
            await AssertConnectionClosedAsync(() => client.GetAsync("health/live"));
        }
        // The same bad certificate four times: its chain was built once, then its refusal remembered.
        Assert.Equal(built + 1, validator.ChainsBuilt);

        // The address has used its budget: even a registered agent's new connection is closed.
        using (var agent = gateway.ClientFor("prevy-agent"))
        {
            await AssertConnectionClosedAsync(() => agent.GetAsync("health/live"));
        }
        Assert.Equal(built + 1, validator.ChainsBuilt);
    }

    /// <summary>
    /// The request gets no response: its connection is closed. HttpClient reports that as an
    /// <see cref="HttpRequestException"/>, or, when the gateway closed the socket before the client read its
    /// remote end point, as the bare <see cref="System.Net.Sockets.SocketException"/> (seen in CI on 2 December 2026).
    /// </summary>
    private static async Task AssertConnectionClosedAsync(Func<Task<HttpResponseMessage>> request)
    {
        var refused = await Record.ExceptionAsync(request);
        Assert.True(refused is HttpRequestException or System.Net.Sockets.SocketException,
            refused is null ? "the request got a response" : $"unexpected {refused.GetType().Name}: {refused.Message}");
    }
}
