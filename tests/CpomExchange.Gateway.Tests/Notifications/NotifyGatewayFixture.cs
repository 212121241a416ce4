using System.Security.Cryptography.X509Certificates;
using CpomExchange.Infrastructure.Notifications;
using CpomExchange.Tests.Shared;
using Microsoft.AspNetCore.Builder;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;

namespace CpomExchange.Gateway.Tests.Notifications;

/// <summary>
/// A gateway whose notifications go to a real SMTP server of the test (STARTTLS required, the relay's
/// certificate issued by the development CA the gateway is told to trust), polled every second, retried
/// after one or two seconds. The server starts with the fixture; a test may stop it.
/// </summary>
public class NotifyGatewayFixture : GatewayFixture
{
    public const string ConsoleUrl = "https://cpom.example.test/";

    public int SmtpPort { get; } = LoopbackPort.Free();

    internal SmtpTestServer Smtp { get; private set; } = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        // The gateway's development certificate names 127.0.0.1 and chains to the development CA: a relay's certificate.
        var certificate = X509Certificate2.CreateFromPemFile(Path.Combine(DevDirectory, "gateway.pem"), Path.Combine(DevDirectory, "gateway.key"));
        Smtp = new SmtpTestServer(SmtpPort, X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), null));
        certificate.Dispose();
        Smtp.Start();
    }

    protected override void Configure(WebApplicationBuilder builder)
    {
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Notifications:Smtp:Host"] = "127.0.0.1",
            ["Notifications:Smtp:Port"] = SmtpPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Notifications:Smtp:TrustAnchor"] = Path.Combine(DevDirectory, "ca.pem"),
            ["Notifications:From"] = "CpomExchange <ne-pas-repondre@cpom.example.test>",
            ["Notifications:ConsoleUrl"] = ConsoleUrl,
            ["Notifications:PollSeconds"] = "1",
            ["Notifications:RetryBaseSeconds"] = "1",
            ["Notifications:RetryMaxSeconds"] = "2",
        });
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        if (Smtp is not null)
        {
            await Smtp.DisposeAsync();
        }
    }

    /// <summary>The outbox rows of <paramref name="datasetId"/>.</summary>
    public async Task<List<NotificationEntity>> OutboxAsync(string datasetId)
    {
        await using var db = await OpenDatabaseAsync();
        return await db.Notifications.AsNoTracking().Where(n => n.DatasetId == datasetId).OrderBy(n => n.Id).ToListAsync();
    }
}
