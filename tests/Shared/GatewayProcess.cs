using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;

namespace CpomExchange.Tests.Shared;

/// <summary>
/// A gateway in a process of its own (the built <c>CpomExchange.Gateway.dll</c> beside the tests, run
/// by <c>dotnet</c>), on a free loopback port, with what it prints kept for the test to read.
/// </summary>
public sealed class GatewayProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();

    private GatewayProcess(Process process, Uri baseAddress)
    {
        _process = process;
        BaseAddress = baseAddress;
    }

    /// <summary>The instance's address.</summary>
    public Uri BaseAddress { get; }

    /// <summary>What the process printed so far (standard output and error).</summary>
    public IReadOnlyList<string> Output => [.. _output];

    /// <summary>True while the process runs.</summary>
    public bool Running => !_process.HasExited;

    /// <summary>Starts a gateway with <paramref name="settings"/> (<c>--Key value</c> pairs) in the Development environment.</summary>
    public static GatewayProcess Start(IEnumerable<string> settings)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "CpomExchange.Gateway.dll");
        if (!File.Exists(dll))
        {
            throw new InvalidOperationException($"{dll} not found: the test project references the gateway, which builds it there.");
        }
        var port = LoopbackPort.Free();
        var address = new Uri($"https://127.0.0.1:{port}/");
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        foreach (var arg in new[] { dll, "--environment", "Development", "--urls", $"https://127.0.0.1:{port}" }.Concat(settings))
        {
            start.ArgumentList.Add(arg);
        }
        // Plain console lines, one per message, so that the test can count them.
        start.Environment["Logging__Console__FormatterName"] = "simple";
        start.Environment["Logging__Console__FormatterOptions__SingleLine"] = "true";
        var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start.");
        var gateway = new GatewayProcess(process, address);
        process.OutputDataReceived += (_, e) => gateway.Keep(e.Data);
        process.ErrorDataReceived += (_, e) => gateway.Keep(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return gateway;
    }

    /// <summary>Waits until <c>/health/ready</c> answers 200 through <paramref name="client"/>; throws with the output if the process dies or a minute passes.</summary>
    public async Task WaitReadyAsync(HttpClient client)
    {
        var deadline = DateTime.UtcNow.AddMinutes(1);
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"The gateway exited with {_process.ExitCode}:\n{string.Join('\n', Output)}");
            }
            try
            {
                using var response = await client.GetAsync(new Uri(BaseAddress, "health/ready"));
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            await Task.Delay(200);
        }
        throw new TimeoutException($"The gateway was not ready within a minute:\n{string.Join('\n', Output)}");
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }

    private void Keep(string? line)
    {
        if (line is not null)
        {
            _output.Enqueue(line);
        }
    }
}
