using Orleans.Networking.Shared;
using Orleans.Runtime.Messaging;

namespace HyperBench.Hosting;

/// <summary>
/// Grain calls that may fail for a while and then work again: the silo hosting the grain died and the cluster has not yet declared it
/// dead and re-activated the grain elsewhere (messages rejected, timeouts), or a gateway is busy or reconnecting. Retried with a
/// back-off for a bounded time; any other exception (the grain's own) is not.
/// </summary>
public static class ClusterRetry
{
    /// <summary>Long enough to outlast failure detection with the default membership settings (about 15 s after a kill).</summary>
    public static readonly TimeSpan DefaultBound = TimeSpan.FromSeconds(90);

    public static bool IsTransient(Exception ex) => ex is OrleansMessageRejectionException or GatewayTooBusyException or ConnectionFailedException
        or SocketConnectionException or TimeoutException;

    /// <summary>Calls until it succeeds, a non-transient exception, the token, or <paramref name="bound"/> of failures in a row.</summary>
    /// <param name="alsoTransient">More exceptions the caller knows will pass (e.g. the grain's database being restarted).</param>
    public static async Task<T> CallAsync<T>(Func<Task<T>> call, Action<Exception, TimeSpan>? onRetry = null, TimeSpan? bound = null,
        Func<Exception, bool>? alsoTransient = null, CancellationToken cancellationToken = default)
    {
        var deadline = DateTime.UtcNow + (bound ?? DefaultBound);
        var delay = TimeSpan.FromMilliseconds(200);
        while (true)
        {
            try
            {
                return await call().WaitAsync(cancellationToken);
            }
            catch (Exception ex) when ((IsTransient(ex) || alsoTransient?.Invoke(ex) == true) && !cancellationToken.IsCancellationRequested && DateTime.UtcNow + delay < deadline)
            {
                onRetry?.Invoke(ex, delay);
                await Task.Delay(delay, cancellationToken);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(5).Ticks));
            }
        }
    }
}
