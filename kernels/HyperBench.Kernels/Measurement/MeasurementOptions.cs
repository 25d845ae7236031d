namespace HyperBench.Kernels.Measurement;

/// <summary>How long to measure a case: samples are taken until both the minimum count and the time budget are reached.</summary>
public sealed record MeasurementOptions
{
    /// <summary>The sample cap when none is given: enough for tight statistics, bounded so a microsecond case ends.</summary>
    public const int DefaultMaxSamples = 1000;

    /// <summary>
    /// Messages start with the bad value and ParamName is the setting (the parameter or property name), so a caller can put its own name for the setting in
    /// front (the CLI writes "--min-samples: 0 must be >= 1 (min samples).").
    /// </summary>
    public MeasurementOptions(int minSamples = 5, double budgetSeconds = 1.0, int maxSamples = DefaultMaxSamples, int warmupRuns = 1)
    {
        if (minSamples < 1) throw new ArgumentOutOfRangeException(nameof(minSamples), minSamples, $"{minSamples} must be >= 1 (min samples).");
        if (maxSamples < minSamples)
            throw new ArgumentOutOfRangeException(nameof(maxSamples), maxSamples, $"{maxSamples} must be >= min samples ({minSamples}) (max samples).");
        if (!(budgetSeconds >= 0) || double.IsInfinity(budgetSeconds))
            throw new ArgumentOutOfRangeException(nameof(budgetSeconds), budgetSeconds, $"{budgetSeconds} must be >= 0 seconds (time budget).");
        if (warmupRuns < 0) throw new ArgumentOutOfRangeException(nameof(warmupRuns), warmupRuns, $"{warmupRuns} must be >= 0 (warm-up runs).");
        MinSamples = minSamples;
        BudgetSeconds = budgetSeconds;
        MaxSamples = maxSamples;
        WarmupRuns = warmupRuns;
    }

    /// <summary>
    /// The one rule for options given as a minimum sample count: the cap is <see cref="DefaultMaxSamples"/>, raised to the minimum
    /// when that is larger (a plan never stores a cap of its own).
    /// </summary>
    public static MeasurementOptions ForMinSamples(int minSamples, double budgetSeconds, int warmupRuns, double warmupSeconds) =>
        new(minSamples, budgetSeconds, Math.Max(DefaultMaxSamples, minSamples), warmupRuns) { WarmupSeconds = warmupSeconds };

    public int MinSamples { get; }

    public double BudgetSeconds { get; }

    public int MaxSamples { get; }

    /// <summary>Untimed runs after the first (compiling) one.</summary>
    public int WarmupRuns { get; }

    /// <summary>
    /// Keep warming up (untimed) until this much time has passed since the first launch: the .NET JIT promotes hot loops to
    /// optimised code only after some calls, and a sample taken before that measures the JIT, not the kernel.
    /// </summary>
    public double WarmupSeconds
    {
        get;
        init => field = value >= 0 && !double.IsInfinity(value)
            ? value
            : throw new ArgumentOutOfRangeException(nameof(WarmupSeconds), value, $"{value} must be >= 0 seconds (warm-up time).");
    } = 0.5;

    /// <summary>Keep the case's inputs and outputs on the host after timing (for --dump).</summary>
    public bool KeepTensors { get; init; }
}
