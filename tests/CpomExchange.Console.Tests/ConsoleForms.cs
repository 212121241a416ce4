using System.Net;
using System.Security.Claims;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace CpomExchange.Console.Tests;

/// <summary>
/// Form posts outside the browser, as an attacker makes them: with the client certificate of an
/// identity, with or without a VALID antiforgery token for that identity (made by the gateway's own
/// antiforgery service, as a page would have given it), so that a refusal is shown to come from the
/// role check and not from a missing token.
/// </summary>
internal static class ConsoleForms
{
    /// <summary>
    /// axe-core alone, no serious or critical violation, for a page under an error status (Chromium
    /// reports the page's own 4xx status as a console error, which is the point there).
    /// </summary>
    public static async Task AssertAxeAsync(Microsoft.Playwright.IPage page)
    {
        var result = await Deque.AxeCore.Playwright.PageExtensions.RunAxe(page);
        var serious = result.Violations.Where(v => v.Impact is "serious" or "critical").Select(v => $"{v.Id}: {v.Help}").ToList();
        Assert.True(serious.Count == 0, string.Join("\n", serious));
    }

    /// <summary>A valid token pair (cookie, form field) for agent <paramref name="agentId"/>.</summary>
    public static (string Cookie, string Field) TokensFor(ConsoleFixture console, string agentId)
    {
        var antiforgery = console.Gateway.Services.GetRequiredService<IAntiforgery>();
        var http = new DefaultHttpContext
        {
            RequestServices = console.Gateway.Services,
            // The claim the gateway binds the token to: the agent's identifier (AgentBinding).
            User = new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.NameIdentifier, agentId)], "Certificate")),
        };
        http.Request.Scheme = "https";
        var tokens = antiforgery.GetTokens(http);
        return (tokens.CookieToken!, tokens.RequestToken!);
    }

    /// <summary>
    /// Posts <paramref name="fields"/> to <paramref name="path"/> as <paramref name="identity"/>, with
    /// that identity's valid antiforgery token when <paramref name="withToken"/>, and returns the status and the page.
    /// </summary>
    public static async Task<(HttpStatusCode Status, string Body)> PostAsync(ConsoleFixture console, string identity, string path,
        IEnumerable<KeyValuePair<string, string>> fields, bool withToken = true)
    {
        using var client = console.Gateway.ClientFor(identity);
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(console.Gateway.BaseAddress, path.TrimStart('/')));
        var all = fields.ToList();
        if (withToken)
        {
            var (cookie, field) = TokensFor(console, identity);
            request.Headers.Add("Cookie", "cpom-antiforgery=" + cookie);
            all.Add(new("__cpom_antiforgery", field));
        }
        request.Content = new FormUrlEncodedContent(all);
        using var response = await client.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }
}
