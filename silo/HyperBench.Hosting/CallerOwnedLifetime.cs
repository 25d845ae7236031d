using Microsoft.Extensions.Hosting;

namespace HyperBench.Hosting;

/// <summary>
/// The lifetime of a host that a command starts and stops itself (the CLI's in-process silo or cluster client). The default
/// console lifetime would take SIGINT and SIGTERM for itself and only flag the host as stopping, which nobody waits on: the sweep
/// ran on. Here the signals stay with the command, which stops the host (handing leases back) and exits.
/// </summary>
public sealed class CallerOwnedLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
