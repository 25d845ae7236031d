using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;

namespace HyperBench.Hosting;

/// <summary>
/// Cluster membership from <see cref="HyperBenchSiloOptions"/>, the one place for silos and clients alike: localhost, or ADO.NET on
/// PostgreSQL (provider invariant, connection string, cluster identity, and the membership tables: a silo creates the missing
/// ones before it joins, a client checks they are there, <see cref="OrleansClusteringSchema"/>).
/// </summary>
public static class ClusteringExtensions
{
    /// <summary>The ADO.NET provider of the membership table: PostgreSQL through Npgsql.</summary>
    public const string AdoNetInvariant = "Npgsql";

    public static ISiloBuilder UseHyperBenchClustering(this ISiloBuilder silo, HyperBenchSiloOptions options)
    {
        if (!IsAdoNet(options))
        {
            var primary = string.IsNullOrWhiteSpace(options.PrimarySiloEndpoint) ? null : IPEndPoint.Parse(options.PrimarySiloEndpoint);
            return silo.UseLocalhostClustering(options.SiloPort, options.GatewayPort, primary, options.ServiceId, options.ClusterId);
        }
        AddAdoNetIdentity(silo.Services, options);
        silo.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>, OrleansClusteringSchemaMigration>();
        silo.UseAdoNetClustering(a => (a.Invariant, a.ConnectionString) = (AdoNetInvariant, options.ClusteringConnectionString));
        // Failure detection in seconds rather than Orleans' quarter of a minute (docs/fleet.md): a killed silo's leases go back sooner.
        silo.Configure<ClusterMembershipOptions>(options.Membership.Apply);
        // Schedules' reminder (docs/schedules.md) in the same database: it outlives every silo of the cluster.
        silo.UseAdoNetReminderService(a => (a.Invariant, a.ConnectionString) = (AdoNetInvariant, options.ClusteringConnectionString));
        // Listening on the advertised address only, unless ListenAddress opens more: the gateway takes any client without
        // authentication, so 0.0.0.0 must be a choice, not a default.
        if (string.IsNullOrWhiteSpace(options.AdvertisedIp))
            silo.ConfigureEndpoints(options.SiloPort, options.GatewayPort);
        else
            silo.ConfigureEndpoints(IPAddress.Parse(options.AdvertisedIp), options.SiloPort, options.GatewayPort);
        if (!string.IsNullOrWhiteSpace(options.ListenAddress))
        {
            var listen = IPAddress.Parse(options.ListenAddress);
            silo.Configure<EndpointOptions>(e =>
            {
                e.SiloListeningEndpoint = new IPEndPoint(listen, options.SiloPort);
                e.GatewayListeningEndpoint = new IPEndPoint(listen, options.GatewayPort);
            });
        }
        return silo;
    }

    /// <summary>
    /// A client of the cluster the same options describe: the gateway port (localhost) or the membership table (adonet). Never in
    /// the same host as a silo (a silo is its own client).
    /// </summary>
    public static IClientBuilder UseHyperBenchClustering(this IClientBuilder client, HyperBenchSiloOptions options)
    {
        if (!IsAdoNet(options)) return client.UseLocalhostClustering(options.GatewayPort, options.ServiceId, options.ClusterId);
        AddAdoNetIdentity(client.Services, options);
        client.Services.AddHostedService<OrleansClusteringSchemaCheck>();
        // A client re-reads the gateway list as often as silos re-read the table: a dead silo's gateway is dropped in seconds.
        client.Configure<GatewayOptions>(g => g.GatewayListRefreshPeriod = TimeSpan.FromSeconds(options.Membership.TableRefreshSeconds));
        return client.UseAdoNetClustering(a => (a.Invariant, a.ConnectionString) = (AdoNetInvariant, options.ClusteringConnectionString));
    }

    private static bool IsAdoNet(HyperBenchSiloOptions options) => options.Clustering == "adonet";

    private static void AddAdoNetIdentity(IServiceCollection services, HyperBenchSiloOptions options) =>
        services.Configure<ClusterOptions>(c => (c.ClusterId, c.ServiceId) = (options.ClusterId, options.ServiceId));
}
