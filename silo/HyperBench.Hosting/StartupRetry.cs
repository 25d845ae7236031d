using System.Diagnostics;
using System.Net.Sockets;
using HyperBench.Storage;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace HyperBench.Hosting;

/// <summary>
/// A silo's first contact with its database (results store migration, Orleans' membership tables): a database that cannot be
/// reached yet (down, restarting, its host not up) is waited for with back-off up to HyperBench:StartupRetrySeconds, logging each
/// wait, so silos and PostgreSQL can start in any order. A refused login, a missing database or a bad setting fails at once.
/// </summary>
public static class StartupRetry
{
    private static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(5);

    /// <summary>Runs <paramref name="action"/> until it succeeds, fails for another reason, or <paramref name="bound"/> has passed.</summary>
    public static async Task RunAsync(string what, Func<CancellationToken, Task> action, TimeSpan bound, ILogger logger, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var delay = TimeSpan.FromMilliseconds(500);
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                await action(cancellationToken);
                if (attempt > 1) logger.LogInformation("{What}: database reachable after {Seconds:0.0} s", what, clock.Elapsed.TotalSeconds);
                return;
            }
            catch (Exception ex) when (IsUnreachable(ex) && !cancellationToken.IsCancellationRequested && clock.Elapsed + delay < bound)
            {
                logger.LogWarning("{What}: database unreachable ({Reason}); waiting {Delay:0.0} s (attempt {Attempt}, {Seconds:0} of {Bound:0} s, " +
                    "HyperBench:StartupRetrySeconds)", what, FirstLine(ex), delay.TotalSeconds, attempt, clock.Elapsed.TotalSeconds, bound.TotalSeconds);
                await Task.Delay(delay, cancellationToken);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxDelay.Ticks));
            }
        }
    }

    /// <summary>
    /// The database is not there yet (connection refused or reset, server starting or shutting down, the store's own retries spent);
    /// not a refused login (28xxx) or a database that does not exist (3D000): waiting would not change those.
    /// </summary>
    public static bool IsUnreachable(Exception exception)
    {
        for (Exception? e = exception; e is not null; e = e.InnerException)
        {
            if (e is PostgresException pg)
                return pg.SqlState is "57P01" or "57P02" or "57P03" || pg.SqlState.StartsWith("08", StringComparison.Ordinal);
        }
        for (Exception? e = exception; e is not null; e = e.InnerException)
        {
            if (e is StorageUnavailableException or SocketException or TimeoutException) return true;
            if (e is NpgsqlException { IsTransient: true }) return true;
        }
        return false;
    }

    private static string FirstLine(Exception ex) => SweepStoreFactory.Redact(ex.Message.Split('\n', 2)[0].TrimEnd('\r'));
}
