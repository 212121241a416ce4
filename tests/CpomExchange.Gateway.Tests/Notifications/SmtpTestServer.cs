using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using MimeKit;
using SmtpServer;
using SmtpServer.ComponentModel;
using SmtpServer.Protocol;
using SmtpServer.Storage;

namespace CpomExchange.Gateway.Tests.Notifications;

/// <summary>A message as the SMTP server received it: the envelope's recipients, whether the session was under TLS, the message.</summary>
internal sealed record ReceivedMail(IReadOnlyList<string> EnvelopeTo, bool Secure, MimeMessage Message)
{
    public string Text => Message.TextBody ?? string.Empty;

    public string Html => Message.HtmlBody ?? string.Empty;

    public string Event => Message.Headers["X-Cpom-Event"] ?? string.Empty;
}

/// <summary>
/// A real SMTP server on a loopback port (the <c>SmtpServer</c> package), offering STARTTLS with the
/// certificate given, keeping what it received. It can be stopped and started again on the same port
/// (a relay that goes down and comes back).
/// </summary>
internal sealed class SmtpTestServer(int port, X509Certificate2 certificate) : IAsyncDisposable
{
    private readonly ConcurrentQueue<ReceivedMail> _received = new();
    private SmtpServer.SmtpServer? _server;
    private CancellationTokenSource? _stop;
    private Task? _running;

    public int Port => port;

    public IReadOnlyList<ReceivedMail> Received => [.. _received];

    public void Start()
    {
        var options = new SmtpServerOptionsBuilder()
            .ServerName("localhost")
            .Endpoint(b => b.Endpoint(new IPEndPoint(IPAddress.Loopback, port)).IsSecure(false).Certificate(certificate))
            .Build();
        var services = new ServiceProvider();
        services.Add(new Store(_received));
        _server = new SmtpServer.SmtpServer(options, services);
        _stop = new CancellationTokenSource();
        _running = _server.StartAsync(_stop.Token);
    }

    public async Task StopAsync()
    {
        if (_server is null)
        {
            return;
        }
        _server.Shutdown();
        await _stop!.CancelAsync();
        try
        {
            await _running!;
        }
        catch (OperationCanceledException)
        {
        }
        _stop.Dispose();
        _server = null;
    }

    /// <summary>Waits until a message matches, failing after <paramref name="seconds"/> (a liveness bound, not a speed check).</summary>
    public async Task<ReceivedMail> WaitForAsync(Func<ReceivedMail, bool> match, int seconds = 60)
    {
        for (var i = 0; i < seconds * 10; i++)
        {
            if (Received.FirstOrDefault(match) is { } mail)
            {
                return mail;
            }
            await Task.Delay(100);
        }
        throw new TimeoutException($"No matching message among {Received.Count} received.");
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        certificate.Dispose();
    }

    private sealed class Store(ConcurrentQueue<ReceivedMail> received) : MessageStore
    {
        public override async Task<SmtpResponse> SaveAsync(ISessionContext context, IMessageTransaction transaction, ReadOnlySequence<byte> buffer,
            CancellationToken cancellationToken)
        {
            using var stream = new MemoryStream(buffer.ToArray());
            var message = await MimeMessage.LoadAsync(stream, cancellationToken);
            received.Enqueue(new ReceivedMail(transaction.To.Select(m => $"{m.User}@{m.Host}").ToList(), context.Pipe.IsSecure, message));
            return SmtpResponse.Ok;
        }
    }
}
