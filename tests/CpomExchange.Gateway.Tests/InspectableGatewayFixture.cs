using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace CpomExchange.Gateway.Tests;

/// <summary>
/// A real gateway (see <see cref="CpomExchange.Tests.Shared.GatewayFixture"/>) whose services the
/// tests can read, and whose database waits long for a lock a test holds on purpose.
/// </summary>
public class InspectableGatewayFixture : CpomExchange.Tests.Shared.GatewayFixture
{
    /// <summary>The running gateway's services.</summary>
    public IServiceProvider Services { get; private set; } = null!;

    protected override void Configure(WebApplicationBuilder builder)
    {
        // Requests held behind a database lock by a test wait for it, whatever the machine's load
        // (a hang guard: the tests release the lock as soon as they have seen what they look for).
        builder.Configuration["Cpom:Limits:DatabaseBusyTimeoutSeconds"] = "300";
        builder.Services.AddHostedService(sp => new ServicesCapture(sp, this));
    }

    private sealed class ServicesCapture(IServiceProvider services, InspectableGatewayFixture fixture) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            fixture.Services = services;
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
