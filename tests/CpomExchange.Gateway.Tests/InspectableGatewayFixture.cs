using Microsoft.AspNetCore.Builder;

namespace CpomExchange.Gateway.Tests;

/// <summary>
/// A real gateway (see <see cref="CpomExchange.Tests.Shared.GatewayFixture"/>, whose
/// <c>Services</c> the tests read) whose database waits long for a lock a test holds on purpose.
/// </summary>
public class InspectableGatewayFixture : CpomExchange.Tests.Shared.GatewayFixture
{
    protected override void Configure(WebApplicationBuilder builder)
    {
        // Requests held behind a database lock by a test wait for it, whatever the machine's load
        // (a hang guard: the tests release the lock as soon as they have seen what they look for).
        builder.Configuration["Cpom:Limits:DatabaseBusyTimeoutSeconds"] = "300";
    }
}
