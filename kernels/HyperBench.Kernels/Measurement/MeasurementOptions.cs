namespace HyperBench.Kernels.Measurement;

/// <summary>How long to measure a case: samples are taken until both the minimum count and the time budget are reached.</summary>
public sealed record MeasurementOptions
{
    public MeasurementOptions(int minSamples = 5, double budgetSeconds = 1.0, int maxSamples = 1000, int warmupRuns = 1)
    {
        if (minSamples < 1) throw new ArgumentOutOfRangeException(nameof(minSamples), minSamples, $"min samples must be >= 1, got {minSamples}.");
        if (maxSamples < minSamples)
            throw new ArgumentOutOfRangeException(nameof(maxSamples), maxSamples, $"max samples ({maxSamples}) must be >= min samples ({minSamples}).");
        if (budgetSeconds < 0 || double.IsNaN(budgetSeconds))
            throw new ArgumentOutOfRangeException(nameof(budgetSeconds), budgetSeconds, $"time budget must be >= 0 seconds, got {budgetSeconds}.");
        if (warmupRuns < 0) throw new ArgumentOutOfRangeException(nameof(warmupRuns), warmupRuns, $"warm-up runs must be >= 0, got {warmupRuns}.");
        MinSamples = minSamples;
        BudgetSeconds = budgetSeconds;
        MaxSamples = maxSamples;
        WarmupRuns = warmupRuns;
    }

    public int MinSamples { get; }

    public double BudgetSeconds { get; }

    public int MaxSamples { get; }

    /// <summary>Untimed runs after the first (compiling) one.</summary>
    public int WarmupRuns { get; }

    /// <summary>
    /// Keep warming up (untimed) until this much time has passed since the first launch: the .NET JIT promotes hot loops to
    /// optimised code only after some calls, and a sample taken before that measures the JIT, not the kernel.
    /// </summary>
    public double WarmupSeconds { get; init; } = 0.5;

    /// <summary>Keep the case's inputs and outputs on the host after timing (for --dump).</summary>
    public bool KeepTensors { get; init; }
}
