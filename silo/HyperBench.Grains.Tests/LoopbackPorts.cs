using System.Net;
using System.Net.Sockets;

namespace HyperBench.Grains.Tests;

/// <summary>Ports for the tests' silos, gateways, metrics endpoints and PostgreSQL servers: loopback only.</summary>
internal static class LoopbackPorts
{
    /// <summary>A port free on 127.0.0.1 now (the system's choice; another process may take it before the caller binds it).</summary>
    public static int Free() => Free(1)[0];

    /// <summary>Free loopback ports, distinct: all listeners open at once, since ports asked for one at a time can come back equal.</summary>
    public static int[] Free(int count)
    {
        var listeners = new List<TcpListener>();
        try
        {
            for (int i = 0; i < count; i++)
            {
                var listener = new TcpListener(IPAddress.Loopback, 0);
                listeners.Add(listener);
                listener.Start();
            }
            return [.. listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port)];
        }
        finally
        {
            foreach (var listener in listeners) listener.Dispose();
        }
    }
}
