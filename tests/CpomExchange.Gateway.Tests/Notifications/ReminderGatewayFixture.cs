using CpomExchange.Gateway.Notifications;
using CpomExchange.Infrastructure.Notifications;
using CpomExchange.Infrastructure.Pki;
using CpomExchange.Infrastructure.Agents;
using Microsoft.AspNetCore.Builder;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace CpomExchange.Gateway.Tests.Notifications;

/// <summary>
/// A notifying gateway (real SMTP server, STARTTLS) whose clock the test sets, and whose reminders and
/// nightly log check the test runs round by round (their own timers are off). The administrators' address is <see cref="Administrator"/>.
/// </summary>
public class ReminderGatewayFixture : NotifyGatewayFixture
{
    public const string Administrator = "exploitation@cpom.example.test";

    /// <summary>The gateway's clock (every instance of this fixture shares it): the system's until a test sets it.</summary>
    public MovableClock Clock { get; } = new();

    protected override void Configure(WebApplicationBuilder builder)
    {
        base.Configure(builder);
        builder.Services.AddSingleton<TimeProvider>(Clock);
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            // The tests run the rounds themselves, on the instance they choose.
            ["Notifications:Reminders:Enabled"] = "false",
            ["Notifications:LogCheck:Enabled"] = "false",
            ["Notifications:Administrators:0"] = Administrator,
        });
    }

    /// <summary>Moves the clock by <paramref name="by"/> from where it is.</summary>
    public void Advance(TimeSpan by) => Clock.Set(Clock.GetUtcNow() + by);

    /// <summary>One round of the reminders on <paramref name="services"/> (this gateway when null); how many it wrote.</summary>
    internal Task<int> RemindAsync(IServiceProvider? services = null) =>
        (services ?? Services).GetRequiredService<ReminderService>().RoundAsync(TimeSpan.FromHours(1), CancellationToken.None);

    /// <summary>One poll of the nightly log check on <paramref name="services"/>: the logs that did not verify, or null when it did not run.</summary>
    internal Task<IReadOnlyList<string>?> CheckLogsAsync(IServiceProvider? services = null) =>
        (services ?? Services).GetRequiredService<LogCheckService>().RoundAsync(CancellationToken.None);

    /// <summary>The outbox rows of <paramref name="eventName"/>, in order.</summary>
    public async Task<List<NotificationEntity>> OutboxOfAsync(string eventName)
    {
        await using var db = await OpenDatabaseAsync();
        return await db.Notifications.AsNoTracking().Where(n => n.Event == eventName).OrderBy(n => n.Id).ToListAsync();
    }

    /// <summary>An HTTP client for a new agent whose certificate is valid until <paramref name="notAfter"/> (the development identities: two years from now).</summary>
    public async Task<HttpClient> AgentUntilAsync(string id, string organisation, string name, string siren, string[] roles, DateTimeOffset notAfter)
    {
        // Not disposed: the client presents it for as long as it lives.
        var certificate = DevPki.IssueClientCertificate(Ca, id, name, siren, DateTimeOffset.UtcNow.AddMinutes(-5), notAfter);
        await using (var db = await OpenDatabaseAsync())
        {
            await AgentDirectory.RegisterIfAbsentAsync(db, id, id, organisation, roles, certificate);
        }
        return Client(certificate);
    }
}
