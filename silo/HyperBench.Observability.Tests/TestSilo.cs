using System.Globalization;
using System.Net;
using System.Net.Sockets;
using HyperBench.Hosting;
using HyperBench.Silo;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;

namespace HyperBench.Observability.Tests;

/// <summary>The standalone silo's wiring, as in its Program.cs, on free loopback ports.</summary>
internal static class TestSilo
{
    /// <summary>Store, Orleans, a cpu worker, /metrics and /health on <paramref name="http"/> (HyperBench:MetricsPort).</summary>
    public static WebApplication Build(string folder, int http, Action<WebApplicationBuilder>? configure = null)
    {
        int[] ports = FreePorts(2, except: http);
        var builder = WebApplication.CreateBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["HyperBench:Db"] = Path.Combine(folder, "results.db"),
            ["HyperBench:Devices"] = "cpu",
            ["HyperBench:SiloPort"] = ports[0].ToString(CultureInfo.InvariantCulture),
            ["HyperBench:GatewayPort"] = ports[1].ToString(CultureInfo.InvariantCulture),
            ["HyperBench:IdlePollMilliseconds"] = "20",
            ["HyperBench:MetricsPort"] = http.ToString(CultureInfo.InvariantCulture),
        });
        configure?.Invoke(builder);
        builder.AddHyperBenchStorage();
        builder.AddHyperBenchOrleans();
        builder.AddHyperBenchDeviceWorkers();
        builder.AddHyperBenchMetrics();
        var app = builder.Build();
        app.MapHyperBenchMetrics();
        return app;
    }

    public static int FreePort() => FreePorts(1, except: 0)[0];

    /// <summary>
    /// Distinct free loopback ports, found with all their listeners open at once: asked one after the other, the system can hand
    /// the same port back twice.
    /// </summary>
    public static int[] FreePorts(int count, int except)
    {
        var listeners = new List<TcpListener>();
        try
        {
            while (listeners.Count < count)
            {
                var listener = new TcpListener(IPAddress.Loopback, 0);
                listener.Start();
                if (((IPEndPoint)listener.LocalEndpoint).Port == except) { listener.Stop(); continue; }
                listeners.Add(listener);
            }
            return [.. listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port)];
        }
        finally
        {
            foreach (var l in listeners) l.Stop();
        }
    }
}
