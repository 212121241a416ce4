namespace CpomExchange.Console.Tests;

/// <summary>
/// The API reference (<c>/docs</c>, Development): Scalar, served by the gateway, renders the OpenAPI
/// document in a browser that can reach nothing else, under the page's Content-Security-Policy.
/// </summary>
[Collection(ConsoleCollection.Name)]
public sealed class ApiReferencePageTests(ConsoleFixture console)
{
    [Fact]
    public async Task Docs_RenderTheApi_OfflineAndWithoutAPolicyViolation()
    {
        var page = await console.OpenAsync("prevy-agent", "/docs");
        // The operations of the document, rendered by the page's scripts (nothing is in the HTML itself).
        await page.GetByText("Upload a dataset").First.WaitForAsync(new() { Timeout = 60_000 });
        Assert.Contains("CpomExchange gateway API", await page.Locator("body").InnerTextAsync(), StringComparison.Ordinal);
        var errors = console.BrowserErrors.Where(e => e.Contains("/docs", StringComparison.Ordinal)).ToList();
        Assert.True(errors.Count == 0, string.Join("\n", errors));
    }
}
