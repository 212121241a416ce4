using System.Collections.Concurrent;
using CpomExchange.Tests.Shared;
using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;

namespace CpomExchange.Console.Tests;

/// <summary>
/// One real gateway (Kestrel, real TLS, the repository's policies, the development PKI made for the
/// run) and one headless Chromium driven by Playwright, shared by the console's test classes. Each
/// page is opened in a browser context of its own that presents one development identity's client
/// certificate, as an agent's browser does.
/// </summary>
public sealed class ConsoleFixture : IAsyncLifetime
{
    /// <summary>Debian's Chromium (no browser can be downloaded here); <c>CPOM_CHROMIUM</c> overrides it.</summary>
    public static string ChromiumPath => Environment.GetEnvironmentVariable("CPOM_CHROMIUM") is { Length: > 0 } path ? path : "/usr/bin/chromium";

    private IPlaywright? _playwright;
    private IBrowser? _browser;
    private readonly System.Runtime.CompilerServices.ConditionalWeakTable<IPage, ConcurrentQueue<string>> _pageErrors = new();

    /// <summary>The gateway under test.</summary>
    public GatewayFixture Gateway { get; } = new();

    /// <summary>The gateway's origin, as the browser sees it.</summary>
    public string Origin => Gateway.BaseAddress.GetLeftPart(UriPartial.Authority);

    /// <summary>Every console message and page error of every page, with the page's address.</summary>
    public ConcurrentQueue<string> BrowserErrors { get; } = new();

    public async Task InitializeAsync()
    {
        if (!File.Exists(ChromiumPath))
        {
            throw new InvalidOperationException($"Chromium is required at {ChromiumPath} (apt-get install chromium; .ci/run installs it), or set CPOM_CHROMIUM.");
        }
        await Gateway.InitializeAsync();
        // Playwright's driver presents client certificates through its own TLS client, which must
        // trust the gateway's development CA: it reads this variable when it starts.
        Environment.SetEnvironmentVariable("NODE_EXTRA_CA_CERTS", Path.Combine(Gateway.DevDirectory, "ca.pem"));
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            // No connection anywhere but the gateway (this machine's network is closed).
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
    }

    public async Task DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.DisposeAsync();
        }
        _playwright?.Dispose();
        await Gateway.DisposeAsync();
    }

    private const int OpenContexts = 12;

    private readonly ConcurrentQueue<IBrowserContext> _contexts = new();

    /// <summary>
    /// A new page in a browser that presents the certificate of development identity <paramref name="identity"/>
    /// (with scripts disabled when <paramref name="javaScript"/> is false: the console must work without them).
    /// </summary>
    public async Task<IPage> OpenAsync(string identity, string path = "/", bool javaScript = true)
    {
        var context = await _browser!.NewContextAsync(new BrowserNewContextOptions
        {
            ClientCertificates =
            [
                new ClientCertificate
                {
                    Origin = Origin,
                    CertPath = Path.Combine(Gateway.DevDirectory, identity + ".pem"),
                    KeyPath = Path.Combine(Gateway.DevDirectory, identity + ".key"),
                },
            ],
            Locale = "fr-FR",
            JavaScriptEnabled = javaScript,
            ViewportSize = new ViewportSize { Width = 1280, Height = 900 },
        });
        // The tests of the collection run one after another and use a few pages each: the oldest
        // contexts are closed, or every page of the run stays open (a renderer each) until the end.
        _contexts.Enqueue(context);
        while (_contexts.Count > OpenContexts && _contexts.TryDequeue(out var oldest))
        {
            await oldest.CloseAsync();
        }
        var page = await context.NewPageAsync();
        var errors = _pageErrors.GetOrCreateValue(page);
        page.Console += (_, message) =>
        {
            // A page that answers a refusal (403, 404...) makes the browser report its own document's
            // status: that is the page's answer, not an error of the page.
            var ownStatus = message.Text.StartsWith("Failed to load resource: the server responded with a status of 4", StringComparison.Ordinal)
                && message.Location.StartsWith(page.Url, StringComparison.Ordinal);
            if (message.Type is "error" or "warning" && !ownStatus)
            {
                BrowserErrors.Enqueue($"{page.Url}: {message.Type}: {message.Text}");
                errors.Enqueue($"{page.Url}: {message.Type}: {message.Text}");
            }
        };
        page.PageError += (_, error) =>
        {
            BrowserErrors.Enqueue($"{page.Url}: page error: {error}");
            errors.Enqueue($"{page.Url}: page error: {error}");
        };
        var response = await page.GotoAsync(Origin + path);
        Assert.NotNull(response);
        Assert.True(response.Ok, $"{Origin + path}: {response.Status} {await response.TextAsync()}");
        return page;
    }

    /// <summary>
    /// Asserts the page has no accessibility violation of impact serious or critical (axe-core; RGAA
    /// is the law for these services), and no browser error (a Content-Security-Policy violation is one).
    /// </summary>
    public async Task AssertAccessibleAsync(IPage page)
    {
        var result = await page.RunAxe();
        var serious = result.Violations.Where(v => v.Impact is "serious" or "critical")
            .Select(v => $"{v.Id} ({v.Impact}): {v.Help} — {string.Join(" | ", v.Nodes.Select(n => n.Html))}").ToList();
        Assert.True(serious.Count == 0, $"{page.Url}: accessibility violations:\n{string.Join("\n", serious)}");
        // This page's errors at its current address only (another page, or this one elsewhere, has its own).
        var errors = (_pageErrors.TryGetValue(page, out var own) ? own : new ConcurrentQueue<string>())
            .Where(e => e.StartsWith(page.Url + ": ", StringComparison.Ordinal)).ToList();
        Assert.True(errors.Count == 0, string.Join("\n", errors));
    }

    /// <summary>
    /// Takes a screenshot of the whole page; with <c>CPOM_UPDATE_SCREENSHOTS=1</c> it replaces the one
    /// the README shows under <c>docs/console/</c>.
    /// </summary>
    public static async Task ScreenshotAsync(IPage page, string name)
    {
        var folder = Environment.GetEnvironmentVariable("CPOM_UPDATE_SCREENSHOTS") == "1"
            ? Path.Combine(TestPaths.RepositoryRoot, "docs", "console")
            : Path.Combine(AppContext.BaseDirectory, "screenshots");
        Directory.CreateDirectory(folder);
        var bytes = await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(folder, name + ".png"), FullPage = true });
        Assert.True(bytes.Length > 1000, "empty screenshot");
    }
}

/// <summary>The console's test classes share one gateway and one browser (one development CA for the driver).</summary>
[CollectionDefinition(Name)]
public sealed class ConsoleCollection : ICollectionFixture<ConsoleFixture>
{
    public const string Name = "console";
}
