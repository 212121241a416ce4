using CpomExchange.Gateway.Hosting;
using CpomExchange.Infrastructure.PolicyHistory;
using CpomExchange.Infrastructure.Storage;
using CpomExchange.Rules.Policies;

namespace CpomExchange.Gateway.Registre;

/// <summary>
/// The policy in force as a service: <see cref="PolicyState"/> once, <see cref="PolicySet"/> resolved through
/// it at each use (so that an authorisation an administrator adds applies to the next decision), and the job
/// that brings in those another instance added (every <c>Cpom:Policy:RefreshSeconds</c>, validated with the other settings).
/// </summary>
internal static class PolicyStateSetup
{
    public static IServiceCollection AddPolicyState(this IServiceCollection services, PolicyState state, TimeSpan refresh)
    {
        services.AddSingleton(state);
        services.AddTransient(sp => sp.GetRequiredService<PolicyState>().Current);
        services.AddScoped<AuthorisationService>();
        services.AddScoped<RegistreService>();
        services.AddHostedService(sp => new PolicyRefreshService(sp.GetRequiredService<IServiceScopeFactory>(), state, refresh,
            sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<PolicyRefreshService>>()));
        return services;
    }
}

/// <summary>
/// Every few seconds (<c>Cpom:Policy:RefreshSeconds</c>, 10 by default), applies the authorisations that
/// administrators added on other instances sharing the database.
/// </summary>
internal sealed partial class PolicyRefreshService(IServiceScopeFactory scopes, PolicyState state, TimeSpan period, TimeProvider time, ILogger<PolicyRefreshService> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // The start-up already applied the history: the first refresh waits one period.
        await PeriodicRounds.RunAsync(period, time, async ct =>
        {
            await using var scope = scopes.CreateAsyncScope();
            var before = state.Current.Hash;
            var errors = await state.RefreshAsync(scope.ServiceProvider.GetRequiredService<CpomDbContext>(), ct);
            if (errors.Count > 0)
            {
                LogRefused(logger, string.Join(" ; ", errors));
            }
            else if (state.Current.Hash != before)
            {
                LogRefreshed(logger, PolicyFiles.Short(state.Current.Hash));
            }
        }, e => LogFailed(logger, e), stoppingToken, atStart: false);
    }

    [LoggerMessage(EventId = 7101, Level = LogLevel.Information, Message = "Politique mise à jour depuis l'historique (autorisation ajoutée sur une autre instance) : version {Hash}.")]
    private static partial void LogRefreshed(ILogger logger, string hash);

    [LoggerMessage(EventId = 7102, Level = LogLevel.Error, Message = "Autorisations de l'historique refusées par la politique de cette instance, non appliquées : {Errors}")]
    private static partial void LogRefused(ILogger logger, string errors);

    [LoggerMessage(EventId = 7103, Level = LogLevel.Warning, Message = "Relecture de l'historique de la politique impossible ; nouvel essai au prochain tour.")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
