using System.Diagnostics;
using HyperBench.Kernels.Backends;

namespace HyperBench.Kernels.Measurement;

/// <summary>
/// The one measurement engine (docs/measurement.md): the CLI and the orchestrator both call it. Inputs are generated and uploaded
/// before timing; the first launch (compilation) is recorded apart; each sample is bracketed by device synchronisation with
/// caches flushed before it; samples continue until both the minimum count and the time budget are reached; every sample is kept.
/// Every run, warm-up or sample, first queues the workload's untimed preparation (<see cref="IKernelWorkload.Prepare"/>: the
/// forward of a bwd case), then flushes (samples only), synchronises and times <see cref="IKernelWorkload.Run"/> alone.
/// </summary>
public sealed class BenchmarkEngine(IAttentionBackend backend, MeasurementOptions options)
{
    public IAttentionBackend Backend => backend;

    public MeasurementOptions Options => options;

    /// <summary>
    /// Measures one case. A case that cannot fit or whose kernel throws comes back with <see cref="CaseResult.Error"/> set;
    /// an invalid case (bad shape) throws <see cref="ArgumentException"/> before anything runs; a dtype the backend does not
    /// implement comes back failed, never computed in fp32.
    /// </summary>
    public CaseResult Run(BenchmarkCase benchmarkCase, IProgress<CaseProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        benchmarkCase.Shape();
        if (!backend.Supports(benchmarkCase.Dtype)) return Failed(benchmarkCase, 0, BackendDtypes.Refusal(benchmarkCase.Dtype, backend.Device.Id));
        if (BackendDtypes.Refusal(benchmarkCase.Dtype, benchmarkCase.Pass, backend.Device.Id) is { } refusal) return Failed(benchmarkCase, 0, refusal);
        long estimate = MemoryEstimate.BytesNeeded(benchmarkCase, backend);
        try
        {
            MemoryEstimate.EnsureFits(benchmarkCase, backend, estimate);
        }
        catch (InsufficientMemoryException ex)
        {
            return Failed(benchmarkCase, estimate, ex.Message);
        }

        progress?.Report(new CaseProgress(benchmarkCase, "preparing", 0, 0));
        try
        {
            using var workload = KernelWorkloads.Create(backend, benchmarkCase);
            backend.Synchronize();

            progress?.Report(new CaseProgress(benchmarkCase, "compiling", 0, 0));
            var warm = Stopwatch.StartNew();
            double first = TimeOnce(workload, flush: false);
            for (int i = 0; i < options.WarmupRuns || warm.Elapsed.TotalSeconds < options.WarmupSeconds; i++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                TimeOnce(workload, flush: false);
            }

            var samples = new List<double>();
            var budget = Stopwatch.StartNew();
            while (samples.Count < options.MaxSamples && (samples.Count < options.MinSamples || budget.Elapsed.TotalSeconds < options.BudgetSeconds))
            {
                cancellationToken.ThrowIfCancellationRequested();
                samples.Add(TimeOnce(workload, flush: true));
                // Sampling ends when both the count and the budget are reached: progress is the lesser of the two.
                double byCount = samples.Count / (double)options.MinSamples;
                double byTime = options.BudgetSeconds > 0 ? budget.Elapsed.TotalSeconds / options.BudgetSeconds : 1;
                progress?.Report(new CaseProgress(benchmarkCase, "sampling", samples.Count, Math.Min(1, Math.Min(byCount, byTime))));
            }

            var tensors = options.KeepTensors ? workload.Download() : null;
            progress?.Report(new CaseProgress(benchmarkCase, "accuracy", samples.Count, 1));
            var accuracy = workload.MeasureAccuracy();

            var stats = SampleStatistics.From(samples);
            double flopsPerSecond = benchmarkCase.Flops / stats.Median;
            // Hyper's TFLOP/s is "effective" (the exact kernel's FLOP count, docs/algorithms.md section 5) and exceeds the peak by
            // design at large n: the gate applies to exact kernels only; hyper's layout is checked by its accuracy instead.
            double peak = backend.Device.PeakFlops(benchmarkCase.Dtype);
            string? invalid = benchmarkCase.Kernel != KernelKind.Hyper && flopsPerSecond > peak
                ? $"{flopsPerSecond / 1e12:F2} TFLOP/s exceeds the device's {benchmarkCase.Dtype.Name()} peak of {peak / 1e12:F2} TFLOP/s: a measurement or layout bug, not a fast kernel"
                : null;
            return new CaseResult
            {
                Case = benchmarkCase,
                DeviceId = backend.Device.Id,
                Samples = samples,
                Statistics = stats,
                FirstRunSeconds = first,
                InvalidReason = invalid,
                MemoryBytesEstimate = estimate,
                Accuracy = accuracy,
                Tensors = tensors,
            };
        }
        catch (OperationCanceledException)
        {
            throw;
        }
        catch (Exception ex) when (ex is not ArgumentException)
        {
            return Failed(benchmarkCase, estimate, $"{ex.GetType().Name}: {ex.Message}");
        }
    }

    /// <summary>
    /// One run: the untimed preparation, the cache flush of a sample (after the preparation, so a bwd sample does not find the
    /// forward's rows in L2 either), then the timed part between two synchronisations.
    /// </summary>
    private double TimeOnce(IKernelWorkload workload, bool flush)
    {
        workload.Prepare();
        if (flush) backend.FlushCaches();
        backend.Synchronize();
        long start = Stopwatch.GetTimestamp();
        workload.Run();
        backend.Synchronize();
        return Stopwatch.GetElapsedTime(start).TotalSeconds;
    }

    private CaseResult Failed(BenchmarkCase benchmarkCase, long estimate, string error) => new()
    {
        Case = benchmarkCase,
        DeviceId = backend.Device.Id,
        Error = error,
        MemoryBytesEstimate = estimate,
    };
}
