using CpomExchange.Infrastructure.Notifications;
using CpomExchange.Infrastructure.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace CpomExchange.Gateway.Notifications;

/// <summary>The notifications feature's wiring: settings (validated at start), the outbox writer, the sender.</summary>
internal static class NotificationsFeature
{
    public static IServiceCollection AddNotifications(this IServiceCollection services)
    {
        services.AddOptions<NotificationOptions>().BindConfiguration(NotificationOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<NotificationOptions>, NotificationOptionsValidator>();
        // Scoped: it writes in the caller's transaction and takes the legal time zone from AccessDecisions.
        services.AddScoped<Notifier>();
        services.AddScoped<NotificationAddressBook>();
        services.AddSingleton<NotificationSender>();
        services.AddHostedService(sp => sp.GetRequiredService<NotificationSender>());
        services.AddSingleton<WebhookSender>();
        services.AddHostedService(sp => sp.GetRequiredService<WebhookSender>());
        services.AddSingleton<ReminderService>();
        services.AddHostedService(sp => sp.GetRequiredService<ReminderService>());
        services.AddSingleton<LogCheckService>();
        services.AddHostedService(sp => sp.GetRequiredService<LogCheckService>());
        return services;
    }

    /// <summary>
    /// Development only: every agent of an organisation without an address of its own gets the demo
    /// address <c>&lt;agent id&gt;@&lt;organisation id&gt;.example</c>, for every event, so that the
    /// walkthrough shows mail (in maildev) with no set-up.
    /// </summary>
    public static async Task EnsureDemoAddressesAsync(CpomDbContext db, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(db);
        var agents = await db.Agents.AsNoTracking().Where(a => a.OrganisationId != null).Select(a => new { a.Id, a.OrganisationId }).ToListAsync();
        var known = (await db.NotificationAddresses.AsNoTracking().Where(a => a.AgentId != null).Select(a => a.AgentId!).ToListAsync()).ToHashSet(StringComparer.Ordinal);
        foreach (var agent in agents.Where(a => !known.Contains(a.Id)))
        {
            db.NotificationAddresses.Add(new NotificationAddressEntity
            {
                OrganisationId = agent.OrganisationId!, AgentId = agent.Id, Address = $"{agent.Id}@{agent.OrganisationId}.example", UpdatedAtUtc = time.GetUtcNow().UtcDateTime,
            });
        }
        await db.SaveChangesAsync();
    }
}
