using System.Net;
using CpomExchange.Tests.Shared;
using Microsoft.AspNetCore.Builder;

namespace CpomExchange.Gateway.Tests;

/// <summary>A gateway allowing 5 requests per minute per organisation.</summary>
public sealed class StrictLimitFixture : GatewayFixture
{
    protected override void Configure(WebApplicationBuilder builder) =>
        builder.Configuration["Cpom:Limits:RequestsPerMinutePerOrganisation"] = "5";
}

/// <summary>Rate limiting per organisation: 429 with Retry-After, and the other organisations are not slowed down.</summary>
public sealed class RateLimitTests(StrictLimitFixture gateway) : IClassFixture<StrictLimitFixture>
{
    [Fact]
    public async Task BeyondTheLimit_Answers429WithRetryAfter_OnlyForThatOrganisation()
    {
        using var agent = gateway.ClientFor("satm-agent");
        using var dpo = gateway.ClientFor("satm-dpo");
        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage? limited = null;
        for (var i = 0; i < 8; i++)
        {
            var response = await (i % 2 == 0 ? agent : dpo).GetAsync("api/v1/me");
            statuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                limited = response;
            }
        }
        Assert.Equal(5, statuses.Count(s => s == HttpStatusCode.OK));
        Assert.NotNull(limited);
        Assert.Equal("request.rate-limited", (await limited.ReadProblemAsync(HttpStatusCode.TooManyRequests)).Code());
        // A fixed window of one minute: the caller is told to come back when it has passed.
        Assert.Equal(TimeSpan.FromSeconds(60), limited.Headers.RetryAfter?.Delta);

        using var other = gateway.ClientFor("prevy-agent");
        Assert.Equal(HttpStatusCode.OK, (await other.GetAsync("api/v1/me")).StatusCode);
    }
}
