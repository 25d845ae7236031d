namespace HyperBench.Storage;

/// <summary>How <see cref="BufferedResultWriter"/> waits for a database that is down.</summary>
public sealed class BufferedResultWriterOptions
{
    /// <summary>Pause after the store gave up (its own retry window spent) before trying the same result again; doubled up to <see cref="MaxRetryDelay"/>.</summary>
    public TimeSpan FirstRetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>At most this many queued results go in one transaction.</summary>
    public int MaxBatch { get; set; } = 64;

    /// <summary>
    /// How long <see cref="BufferedResultWriter.DisposeAsync"/> waits for the buffer to drain. After it, what is left is
    /// logged as an error naming each (sweep, case) and its task faults: the host must not hang for ever on shutdown.
    /// </summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromMinutes(5);
}
