using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace CpomExchange.Bench.Transfer;

/// <summary>
/// The floor a user would otherwise get: nginx (Debian's package) with mutual TLS against the same
/// development CA and server certificate as the gateway, storing uploads with WebDAV PUT and serving
/// files from a folder. Runs in the foreground as a child process and is killed when disposed.
/// </summary>
internal sealed class NginxBaseline : IDisposable
{
    private readonly Process _process;

    private NginxBaseline(Process process, Uri address, string root)
    {
        _process = process;
        Address = address;
        WebRoot = root;
    }

    public Uri Address { get; }

    /// <summary>The folder nginx serves; files put here are served at the same relative path.</summary>
    public string WebRoot { get; }

    /// <summary>How to get nginx on Debian or Ubuntu.</summary>
    public const string InstallCommand = "apt-get install -y nginx";

    /// <summary>nginx's binary, or null when the machine lacks it (<see cref="InstallCommand"/>).</summary>
    public static string? FindBinary() =>
        new[] { "/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/bin/nginx" }.FirstOrDefault(File.Exists);

    /// <summary>What <c>nginx -v</c> says (<c>nginx/1.22.1</c>), or null.</summary>
    public static async Task<string?> VersionAsync(string binary, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(binary)
        {
            ArgumentList = { "-v" },
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(start);
        if (process is null)
        {
            return null;
        }
        // nginx writes "nginx version: nginx/1.22.1" on its standard error.
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        var output = await process.StandardOutput.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        var text = ((await error) + output).Trim();
        const string Prefix = "nginx version:";
        return text.StartsWith(Prefix, StringComparison.Ordinal) ? text[Prefix.Length..].Trim() : text.Length == 0 ? null : text;
    }

    public static async Task<NginxBaseline> StartAsync(string binary, string directory, string dev, CancellationToken cancellationToken)
    {
        var root = Path.Combine(directory, "www");
        Directory.CreateDirectory(Path.Combine(root, "upload"));
        Directory.CreateDirectory(Path.Combine(directory, "tmp"));
        var port = CpomExchange.Tests.Shared.LoopbackPort.Free();
        var tmp = Path.Combine(directory, "tmp");
        // As root, nginx's workers would otherwise run as nobody, who cannot read the private state folder.
        var user = Environment.UserName == "root" ? "user root;" : "";
        var configuration = $$"""
            {{user}}
            worker_processes auto;
            daemon off;
            pid {{directory}}/nginx.pid;
            error_log {{directory}}/error.log warn;
            events { worker_connections 1024; }
            http {
                access_log off;
                sendfile on;
                keepalive_requests 10000000;
                types { application/json json; text/csv csv; }
                client_body_temp_path {{tmp}}/body;
                proxy_temp_path {{tmp}}/proxy;
                fastcgi_temp_path {{tmp}}/fastcgi;
                uwsgi_temp_path {{tmp}}/uwsgi;
                scgi_temp_path {{tmp}}/scgi;
                server {
                    listen 127.0.0.1:{{port.ToString(CultureInfo.InvariantCulture)}} ssl;
                    ssl_protocols TLSv1.2 TLSv1.3;
                    ssl_certificate {{dev}}/gateway.pem;
                    ssl_certificate_key {{dev}}/gateway.key;
                    ssl_client_certificate {{dev}}/ca.pem;
                    ssl_verify_client on;
                    root {{root}};
                    location /upload/ {
                        dav_methods PUT;
                        client_max_body_size 0;
                    }
                }
            }
            """;
        var file = Path.Combine(directory, "nginx.conf");
        await File.WriteAllTextAsync(file, configuration, cancellationToken);
        var start = new ProcessStartInfo(binary)
        {
            ArgumentList = { "-p", directory, "-c", file },
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        var process = Process.Start(start) ?? throw new InvalidOperationException("nginx did not start.");
        var watch = Stopwatch.StartNew();
        while (true)
        {
            if (process.HasExited)
            {
                var error = await process.StandardError.ReadToEndAsync(cancellationToken);
                throw new InvalidOperationException($"nginx stopped at once (exit {process.ExitCode}): {error}");
            }
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(IPAddress.Loopback, port, cancellationToken);
                break;
            }
            catch (SocketException) when (watch.Elapsed < TimeSpan.FromSeconds(10))
            {
                await Task.Delay(50, cancellationToken);
            }
        }
        return new NginxBaseline(process, new Uri($"https://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}/"), root);
    }

    public void Dispose()
    {
        try
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(5_000);
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
        _process.Dispose();
    }
}
