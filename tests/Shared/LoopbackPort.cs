using System.Net;
using System.Net.Sockets;

namespace CpomExchange.Tests.Shared;

/// <summary>Ports for the servers the tests and the benchmark start on loopback.</summary>
public static class LoopbackPort
{
    /// <summary>A port free on 127.0.0.1 now (the system's choice of an ephemeral port).</summary>
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
