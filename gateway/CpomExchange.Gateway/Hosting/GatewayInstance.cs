using CpomExchange.Infrastructure.Storage;

namespace CpomExchange.Gateway.Hosting;

/// <summary>This running gateway among those sharing a database: the name its leases are held under.</summary>
public sealed class GatewayInstance
{
    /// <summary>Host, process and a random part.</summary>
    public string Id { get; } = Leases.NewHolder();
}
