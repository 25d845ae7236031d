namespace HyperBench.Storage;

/// <summary>How long the store keeps retrying a database that is down or busy before it gives up with a clear error.</summary>
public sealed class SweepStoreOptions
{
    /// <summary>Total time spent retrying one operation (connection refused, server restarting, SQLite busy).</summary>
    public TimeSpan RetryWindow { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>First back-off delay; doubled on each retry (with jitter) up to <see cref="MaxRetryDelay"/>.</summary>
    public TimeSpan FirstRetryDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(5);
}
