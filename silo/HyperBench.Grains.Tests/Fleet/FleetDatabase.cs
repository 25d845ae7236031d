using HyperBench.TestSupport;

namespace HyperBench.Grains.Tests.Fleet;

internal static class FleetDatabase
{
    /// <summary>The fleet tests' database on a server of their own, created at its start.</summary>
    public const string Name = "hyperbench";

    /// <summary>
    /// A connection string to <see cref="Name"/>, unpooled: these tests stop and start the server under their clients, which must not
    /// meet a pool's dead connections (a test that wants pooling, as users have it, sets it).
    /// </summary>
    public static string HyperBenchDb(this PostgresServer server) => server.ConnectionString(Name, pooling: false);
}
