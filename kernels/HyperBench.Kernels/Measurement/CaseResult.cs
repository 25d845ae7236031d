using HyperBench.Kernels.Telemetry;

namespace HyperBench.Kernels.Measurement;

/// <summary>
/// Everything measured for one case: every raw sample, its statistics, the work done and whether the number is plausible.
/// A case that failed has <see cref="Error"/> set and no samples.
/// </summary>
public sealed record CaseResult
{
    public required BenchmarkCase Case { get; init; }

    public string CaseId => Case.Id;

    public required string DeviceId { get; init; }

    /// <summary>Seconds, in the order they were taken.</summary>
    public IReadOnlyList<double> Samples { get; init; } = [];

    public SampleStatistics? Statistics { get; init; }

    /// <summary>The first launch: kernel compilation (ILGPU, PTX JIT) plus one run. Never part of the samples.</summary>
    public double FirstRunSeconds { get; init; }

    /// <summary>First run minus the median sample: the compile cost, estimated.</summary>
    public double CompileSecondsEstimate => Statistics is null ? 0 : Math.Max(0, FirstRunSeconds - Statistics.Median);

    public double Flops => Case.Flops;

    /// <summary>TFLOP/s at the median sample.</summary>
    public double Tflops => Statistics is null || Statistics.Median <= 0 ? 0 : Flops / Statistics.Median / 1e12;

    /// <summary>False when the sanity gate rejected the number (faster than the device's peak) or the case failed.</summary>
    public bool Valid => Error is null && InvalidReason is null;

    public string? InvalidReason { get; init; }

    public string? Error { get; init; }

    /// <summary>Failed (an error), invalid (rejected by the sanity gate) or ok; a measured case is never skipped.</summary>
    public ResultStatus Status => Error is not null ? ResultStatus.Failed : InvalidReason is not null ? ResultStatus.Invalid : ResultStatus.Ok;

    public long MemoryBytesEstimate { get; init; }

    /// <summary>For approximate kernels: error against the exact kernel on the same inputs (docs/algorithms.md section 4).</summary>
    public AccuracyReport? Accuracy { get; init; }

    /// <summary>When the device worker started the case (wall clock, UTC): inputs, compilation and every sample lie between start and end.</summary>
    public DateTime? StartedUtc { get; init; }

    /// <summary>When the case ended (wall clock, UTC).</summary>
    public DateTime? EndedUtc { get; init; }

    /// <summary>The device's clocks, temperature, power and throttle reasons while the case ran, or why there are none; null when not sampled at all.</summary>
    public CaseTelemetry? Telemetry { get; init; }

    /// <summary>Inputs and outputs on the host, only when <see cref="MeasurementOptions.KeepTensors"/> was set.</summary>
    public CaseTensors? Tensors { get; init; }
}
