using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Xunit;

namespace CpomExchange.Tests.Shared;

/// <summary>
/// The Azure Storage emulator, Azurite (its blob service only), as a real process: the version
/// pinned in <c>tools/azurite/package-lock.json</c>, on a free loopback port, with a fresh folder
/// for its data; stopped and its folder deleted on dispose. When <c>tools/azurite/node_modules</c>
/// is missing it runs <c>npm ci --prefix tools/azurite</c> first, so that <c>dotnet test</c> works on a
/// clean clone; without npm (Node.js) the tests that use it fail, they are not skipped.
/// </summary>
public sealed partial class Azurite : IAsyncLifetime
{
    /// <summary>The emulator's well-known account (public, the same for every Azurite).</summary>
    public const string AccountName = "devstoreaccount1";

    /// <summary>The emulator's well-known account key (public, the same for every Azurite).</summary>
    public const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private static readonly TimeSpan InstallTimeout = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private readonly StringBuilder _output = new();
    private Process? _process;
    private DirectoryInfo? _location;

    /// <summary>The blob service's port on 127.0.0.1.</summary>
    public int Port { get; private set; }

    /// <summary>The account's blob endpoint, such as <c>http://127.0.0.1:41234/devstoreaccount1</c>.</summary>
    public Uri BlobEndpoint => new($"http://127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}/{AccountName}");

    /// <summary>A connection string for the emulator's account.</summary>
    public string ConnectionString =>
        $"DefaultEndpointsProtocol=http;AccountName={AccountName};AccountKey={AccountKey};BlobEndpoint={BlobEndpoint};";

    /// <summary>The folder of the pinned emulator.</summary>
    public static string ToolDirectory => Path.Combine(TestPaths.RepositoryRoot, "tools", "azurite");

    public async Task InitializeAsync()
    {
        var executable = await EnsureInstalledAsync();
        _location = Directory.CreateTempSubdirectory("cpom-azurite-");
        var start = new ProcessStartInfo(executable)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = _location.FullName,
        };
        foreach (var argument in new[]
        {
            "--blobHost", "127.0.0.1",
            "--blobPort", "0", // the system picks a free port; Azurite prints it
            "--location", _location.FullName,
            "--silent",
            "--skipApiVersionCheck", // the SDK may speak a newer service version than the pinned emulator
            "--disableTelemetry",
        })
        {
            start.ArgumentList.Add(argument);
        }
        var listening = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        _process = new Process { StartInfo = start, EnableRaisingEvents = true };
        _process.OutputDataReceived += (_, e) => OnOutput(e.Data, listening);
        _process.ErrorDataReceived += (_, e) => OnOutput(e.Data, listening);
        _process.Exited += (_, _) => listening.TrySetException(new InvalidOperationException($"Azurite exited at start:{Environment.NewLine}{Output}"));
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        try
        {
            Port = await listening.Task.WaitAsync(StartTimeout);
            await WaitForConnectionAsync(Port);
        }
        catch (Exception e) when (e is TimeoutException or OperationCanceledException)
        {
            throw new InvalidOperationException($"Azurite did not start within {StartTimeout.TotalSeconds} s:{Environment.NewLine}{Output}", e);
        }
    }

    public async Task DisposeAsync()
    {
        if (_process is not null)
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
            catch (InvalidOperationException)
            {
                // Already gone.
            }
            _process.Dispose();
            _process = null;
        }
        if (_location is not null)
        {
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    _location.Refresh();
                    if (_location.Exists)
                    {
                        _location.Delete(recursive: true);
                    }
                    break;
                }
                catch (IOException) when (attempt < 5)
                {
                    // Windows keeps the files of a killed process locked for a moment.
                    await Task.Delay(200);
                }
            }
            _location = null;
        }
    }

    private string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    private void OnOutput(string? line, TaskCompletionSource<int> listening)
    {
        if (line is null)
        {
            return;
        }
        lock (_output)
        {
            _output.AppendLine(line);
        }
        // "Azurite Blob service successfully listens on http://127.0.0.1:41234"
        if (ListeningLine().Match(line) is { Success: true } match)
        {
            listening.TrySetResult(int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture));
        }
    }

    private static async Task WaitForConnectionAsync(int port)
    {
        using var timeout = new CancellationTokenSource(StartTimeout);
        while (true)
        {
            using var client = new TcpClient();
            try
            {
                await client.ConnectAsync(IPAddress.Loopback, port, timeout.Token);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(50, timeout.Token);
            }
        }
    }

    /// <summary>The emulator's executable, after <c>npm ci</c> when it is not installed yet.</summary>
    private static async Task<string> EnsureInstalledAsync()
    {
        var tools = ToolDirectory;
        var executable = Path.Combine(tools, "node_modules", ".bin", OperatingSystem.IsWindows() ? "azurite-blob.cmd" : "azurite-blob");
        if (File.Exists(executable))
        {
            return executable;
        }
        // Several test processes may start at once (dotnet test runs the projects in parallel): one installs, the others wait.
        var lockPath = Path.Combine(Path.GetTempPath(), "cpom-azurite-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(tools)))[..16] + ".lock");
        await using var installLock = await AcquireAsync(lockPath);
        if (File.Exists(executable))
        {
            return executable;
        }
        var npm = new ProcessStartInfo(OperatingSystem.IsWindows() ? "npm.cmd" : "npm")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = tools,
        };
        foreach (var argument in new[] { "ci", "--prefix", tools, "--no-audit", "--no-fund" })
        {
            npm.ArgumentList.Add(argument);
        }
        Process process;
        try
        {
            process = Process.Start(npm) ?? throw new InvalidOperationException("npm did not start.");
        }
        catch (Win32Exception e)
        {
            throw new InvalidOperationException(
                $"The Azure Blob Storage tests need the Azurite emulator, and npm was not found to install it: install Node.js (20 or later, with npm), then run `npm ci --prefix tools/azurite` at the root of the repository. ({e.Message})", e);
        }
        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(InstallTimeout);
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw new InvalidOperationException($"`npm ci --prefix tools/azurite` did not finish within {InstallTimeout.TotalMinutes} minutes.");
            }
            if (process.ExitCode != 0 || !File.Exists(executable))
            {
                throw new InvalidOperationException(
                    $"`npm ci --prefix tools/azurite` failed (exit code {process.ExitCode}); the Azure Blob Storage tests need the Azurite emulator:{Environment.NewLine}{await stdout}{await stderr}");
            }
        }
        return executable;
    }

    private static async Task<FileStream> AcquireAsync(string path)
    {
        using var timeout = new CancellationTokenSource(InstallTimeout);
        while (true)
        {
            try
            {
                // Left in place afterwards: deleting it would let two processes lock two different files.
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException)
            {
                await Task.Delay(200, timeout.Token);
            }
        }
    }

    [GeneratedRegex(@"listens on https?://[^\s:/]+:(\d+)")]
    private static partial Regex ListeningLine();
}
