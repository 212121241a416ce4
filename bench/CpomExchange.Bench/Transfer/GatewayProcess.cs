using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using CpomExchange.Cli.Client;
using CpomExchange.Infrastructure;
using CpomExchange.Infrastructure.Pki;
using CpomExchange.Infrastructure.Storage;
using CpomExchange.Rules.Policies;

namespace CpomExchange.Bench.Transfer;

/// <summary>
/// The gateway as it is deployed: the built <c>CpomExchange.Gateway.dll</c> run by <c>dotnet</c> in
/// a process of its own (Development environment: SQLite, local keys, the development PKI under its
/// state folder), so that its resident memory is its own and not the benchmark's. Killed when disposed.
/// </summary>
internal sealed class GatewayProcess : IAsyncDisposable
{
    private const string GatewayDll = "CpomExchange.Gateway.dll";
    private const int OutputLinesKept = 40;

    private readonly Process _process;
    private readonly Queue<string> _output;

    private GatewayProcess(Process process, Queue<string> output, Uri address, string dev)
    {
        _process = process;
        _output = output;
        Address = address;
        DevDirectory = dev;
    }

    public Uri Address { get; }

    /// <summary>The development PKI folder this gateway created: CA, gateway and agent certificates.</summary>
    public string DevDirectory { get; }

    public int ProcessId => _process.Id;

    /// <summary>
    /// The framework's precompiled (ReadyToRun) code, which only the environment can turn off: off
    /// for the gateway as README's "Runtime settings" deploys it, unless the shell sets
    /// <c>DOTNET_ReadyToRun</c> itself (<c>DOTNET_ReadyToRun=1</c> measures the gateway with it).
    /// </summary>
    public static string ReadyToRun => Environment.GetEnvironmentVariable(ReadyToRunVariable) ?? "0";

    private const string ReadyToRunVariable = "DOTNET_ReadyToRun";

    /// <summary>The garbage collector the gateway's runtimeconfig.json asks for.</summary>
    public static string GarbageCollector
    {
        get
        {
            try
            {
                using var config = JsonDocument.Parse(File.ReadAllText(Path.ChangeExtension(DllPath, ".runtimeconfig.json")));
                var server = config.RootElement.GetProperty("runtimeOptions").TryGetProperty("configProperties", out var properties)
                    && properties.TryGetProperty("System.GC.Server", out var value) && value.GetBoolean();
                return server ? "server GC" : "workstation GC";
            }
            catch (Exception e) when (e is IOException or JsonException or KeyNotFoundException or InvalidOperationException)
            {
                return "GC unknown";
            }
        }
    }

    // Copied beside the benchmark's binaries with its runtimeconfig.json and deps.json, since the
    // benchmark references the gateway's project: always built with the same configuration.
    private static string DllPath => Path.Combine(AppContext.BaseDirectory, GatewayDll);

    /// <summary>
    /// Starts a gateway on a free loopback port with its state under <paramref name="home"/> and waits
    /// until it answers <c>/health/live</c>.
    /// </summary>
    public static Task<GatewayProcess> StartAsync(string home, IEnumerable<string> extraArguments, CancellationToken cancellationToken) =>
        StartAsync(home, extraArguments, production: false, cancellationToken);

    /// <summary>As above; with <paramref name="production"/>, in the Production environment with the same development PKI.</summary>
    public static async Task<GatewayProcess> StartAsync(string home, IEnumerable<string> extraArguments, bool production, CancellationToken cancellationToken)
    {
        if (!File.Exists(DllPath))
        {
            throw new InvalidOperationException($"{DllPath} not found: build the benchmark (it references the gateway's project).");
        }
        var port = CpomExchange.Tests.Shared.LoopbackPort.Free().ToString(CultureInfo.InvariantCulture);
        var start = new ProcessStartInfo(DotnetHost())
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        start.Environment[ReadyToRunVariable] = ReadyToRun;
        // Production: the same development PKI and agents, made here before the start (the gateway makes them only in
        // Development), and the TLS files named as a deployment names its own; local keys and SQLite as before.
        var environment = production ? await ProductionArgumentsAsync(home, cancellationToken) : ["--environment", "Development"];
        string[] arguments =
        [
            DllPath, .. environment, "--urls", $"https://127.0.0.1:{port}", "--Cpom:Home", home,
            "--Cpom:Policies", Path.Combine(BenchGateway.FindRepository(), "policies"), "--Logging:LogLevel:Default", "Warning",
            // Benchmarks measure the gateway, not the rate and concurrency limiters.
            "--Cpom:Limits:RequestsPerMinutePerOrganisation", "100000000",
            "--Cpom:Limits:ConcurrentUploadsPerOrganisation", "100000",
            "--Cpom:Limits:ConcurrentDownloadsPerOrganisation", "100000",
            "--Cpom:Limits:ConcurrentIndicatorDraftsPerOrganisation", "100000",
            .. extraArguments,
        ];
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        var output = new Queue<string>();
        var process = new Process { StartInfo = start };
        DataReceivedEventHandler keep = (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }
            lock (output)
            {
                output.Enqueue(e.Data);
                if (output.Count > OutputLinesKept)
                {
                    output.Dequeue();
                }
            }
        };
        process.OutputDataReceived += keep;
        process.ErrorDataReceived += keep;
        if (!process.Start())
        {
            throw new InvalidOperationException("The gateway's process did not start.");
        }
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var gateway = new GatewayProcess(process, output, new Uri($"https://127.0.0.1:{port}/"), Path.Combine(home, "dev"));
        try
        {
            await gateway.WaitUntilLiveAsync(cancellationToken);
            return gateway;
        }
        catch
        {
            await gateway.DisposeAsync();
            throw;
        }
    }

    private static async Task<string[]> ProductionArgumentsAsync(string home, CancellationToken cancellationToken)
    {
        var cpomHome = new CpomHome(home);
        CpomHome.CreatePrivateDirectory(home);
        await using (var db = await CpomDatabase.OpenAsync(new StorageOptions(), cpomHome))
        {
            await DevPki.EnsureAsync(cpomHome, PolicyLoader.Load(Path.Combine(BenchGateway.FindRepository(), "policies")), db, cancellationToken);
        }
        CpomDatabase.ClearPools();
        return ["--environment", "Production", "--Cpom:Tls:ServerCertificate", Path.Combine(cpomHome.DevDirectory, "gateway.pem"),
            "--Cpom:Tls:ServerKey", Path.Combine(cpomHome.DevDirectory, "gateway.key"), "--Cpom:Tls:TrustAnchors:0", Path.Combine(cpomHome.DevDirectory, DevPki.CaFile)];
    }

    /// <summary><c>cpom</c>'s client (<see cref="GatewayClient"/>), as the CLI builds it: the agent's certificate, the development CA.</summary>
    public GatewayClient CpomClient(string identity) =>
        new(Address, DevPki.LoadIdentity(DevDirectory, identity), X509CertificateLoader.LoadCertificateFromFile(Path.Combine(DevDirectory, DevPki.CaFile)));

    /// <summary>A plain client presenting <paramref name="identity"/>'s certificate.</summary>
    public HttpClient HttpClient(string identity, int connections = 1) => BenchGateway.Client(Address, DevDirectory, identity, connections);

    /// <summary>The gateway process's resident set now and its peak since it started, in MiB (Linux: /proc/&lt;pid&gt;/status).</summary>
    public (double ResidentMiB, double PeakMiB)? Memory() => Memory(_process.Id);

    /// <summary>A process's resident set now and its peak since it started, in MiB (Linux: /proc/&lt;pid&gt;/status); null when gone or elsewhere.</summary>
    internal static (double ResidentMiB, double PeakMiB)? Memory(int processId)
    {
        try
        {
            double? rss = null, hwm = null;
            foreach (var line in File.ReadLines($"/proc/{processId.ToString(CultureInfo.InvariantCulture)}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    rss = Kib(line);
                }
                else if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                {
                    hwm = Kib(line);
                }
            }
            return rss is null || hwm is null ? null : (rss.Value / 1024, hwm.Value / 1024);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        static double? Kib(string line) =>
            double.TryParse(line.Split(':')[1].Trim().Split(' ')[0], NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : null;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                await _process.WaitForExitAsync(timeout.Token);
            }
        }
        catch (Exception e) when (e is InvalidOperationException or OperationCanceledException)
        {
            // Already gone, or slow to go: the state folder is deleted anyway.
        }
        _process.Dispose();
    }

    private async Task WaitUntilLiveAsync(CancellationToken cancellationToken)
    {
        // The gateway creates its development PKI, then listens: until then, no certificate or no answer.
        var watch = Stopwatch.StartNew();
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"The gateway stopped at once (exit {_process.ExitCode}):{Environment.NewLine}{OutputTail()}");
            }
            try
            {
                using var client = CpomClient("prevy-agent");
                await client.GetJsonAsync("health/live", cancellationToken);
                return;
            }
            catch (Exception e) when (e is GatewayUnreachableException or GatewayProblemException or IOException or CryptographicException or JsonException
                && watch.Elapsed < TimeSpan.FromSeconds(90))
            {
                await Task.Delay(100, cancellationToken);
            }
        }
    }

    private string OutputTail()
    {
        lock (_output)
        {
            return string.Join(Environment.NewLine, _output);
        }
    }

    // The host that runs this benchmark (dotnet run sets DOTNET_HOST_PATH), else the one beside its runtime, else PATH's.
    internal static string DotnetHost()
    {
        var fromHost = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (!string.IsNullOrEmpty(fromHost) && File.Exists(fromHost))
        {
            return fromHost;
        }
        var name = OperatingSystem.IsWindows() ? "dotnet.exe" : "dotnet";
        // <root>/shared/Microsoft.NETCore.App/<version>/
        var root = Path.GetFullPath(Path.Combine(RuntimeEnvironment.GetRuntimeDirectory(), "..", "..", ".."));
        var beside = Path.Combine(root, name);
        return File.Exists(beside) ? beside : name;
    }
}
