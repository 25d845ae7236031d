using System.Diagnostics;
using System.Globalization;
using HyperBench.Kernels.Measurement;
using MathNet.Numerics.Distributions;

namespace HyperBench.Kernels.Backends.Simulated;

/// <summary>
/// A device that computes nothing: each run of a case waits the time its <see cref="SimModel"/> gives (a timed wait on the
/// cancellation handle, never a spin), times an optional log-normal noise drawn from an RNG seeded by the case and the device. The
/// schedule of runs is the engine's (a first run, the warm-up runs, then samples until both the minimum count and the time budget
/// are reached, at most the cap), except that the warm-up time is not waited (there is no JIT to warm). Samples are the modelled
/// times; there are no tensors and no accuracy. Its model name is "simulated (model)", so its results are never mixed with a real
/// device's (docs/simulation.md).
/// </summary>
public sealed class SimulatedDevice : ICaseRunner
{
    private static readonly TimeSpan Millisecond = TimeSpan.FromMilliseconds(1);
    private readonly SimModel _model;
    private readonly int _index;

    public SimulatedDevice(int index, SimModel model)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentNullException.ThrowIfNull(model);
        _model = model;
        _index = index;
        Device = new DeviceInfo(DeviceKind.Simulated, DeviceSpec.SimulatedDevice(index).ToString(), ModelName(model), model.MemoryBytes, 0,
            $"simulated device, no computation; model {model.Name}" + (model.CalibratedFrom is { } from ? $" calibrated on {from}" : ""));
    }

    /// <summary>"simulated (cpu-default)": the device model every result of a simulated device carries.</summary>
    public static string ModelName(SimModel model) => $"simulated ({model.Name})";

    public DeviceInfo Device { get; }

    public SimModel Model => _model;

    /// <summary>The runs of a case (first, warm-up, samples) without noise: what <see cref="Run"/> waits, in seconds, when noise is 0.</summary>
    public static (int Runs, int Samples, double Seconds) Schedule(SimModel model, BenchmarkCase benchmarkCase, MeasurementOptions options)
    {
        double t = model.Seconds(benchmarkCase);
        int byBudget = options.BudgetSeconds > 0 ? (int)Math.Min(int.MaxValue, Math.Ceiling(options.BudgetSeconds / t)) : 0;
        int samples = Math.Min(options.MaxSamples, Math.Max(options.MinSamples, byBudget));
        int runs = 1 + options.WarmupRuns + samples;
        return (runs, samples, runs * t);
    }

    public CaseResult Run(BenchmarkCase benchmarkCase, MeasurementOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(benchmarkCase);
        ArgumentNullException.ThrowIfNull(options);
        benchmarkCase.Shape();
        long bytes = MemoryEstimate.TensorBytes(benchmarkCase);
        if (bytes > Device.MemoryBytes)
            return new CaseResult
            {
                Case = benchmarkCase,
                DeviceId = Device.Id,
                MemoryBytesEstimate = bytes,
                Error = string.Create(CultureInfo.InvariantCulture,
                    $"needs {bytes / (double)(1L << 30):F2} GiB; simulated device {Device.Id} has {Device.MemoryBytes / (double)(1L << 30):F2} GiB"),
            };
        double t = _model.Seconds(benchmarkCase);
        var (runs, count, _) = Schedule(_model, benchmarkCase, options);
        var random = new Random(Seed(benchmarkCase));
        double sigma = Math.Sqrt(Math.Log(1 + _model.NoiseCv * _model.NoiseCv));
        double Draw() => sigma == 0 ? t : t * LogNormal.Sample(random, -sigma * sigma / 2, sigma);

        long start = Stopwatch.GetTimestamp();
        double modelled = 0;
        double first = Draw();
        modelled += first;
        WaitUntil(start, modelled, last: false, cancellationToken);
        for (int i = 0; i < options.WarmupRuns; i++)
        {
            modelled += Draw();
            WaitUntil(start, modelled, last: false, cancellationToken);
        }
        var samples = new double[count];
        for (int i = 0; i < count; i++)
        {
            samples[i] = Draw();
            modelled += samples[i];
            WaitUntil(start, modelled, last: i == count - 1, cancellationToken);
        }
        Debug.Assert(runs == 1 + options.WarmupRuns + count);
        return new CaseResult
        {
            Case = benchmarkCase,
            DeviceId = Device.Id,
            Samples = samples,
            Statistics = SampleStatistics.From(samples),
            FirstRunSeconds = first,
            MemoryBytesEstimate = bytes,
        };
    }

    /// <summary>
    /// Waits until <paramref name="seconds"/> after <paramref name="start"/>: the deadlines are absolute, so the wait's millisecond
    /// granularity never accumulates; below a millisecond it waits only at the last run.
    /// </summary>
    private static void WaitUntil(long start, double seconds, bool last, CancellationToken cancellationToken)
    {
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var remaining = TimeSpan.FromSeconds(seconds) - Stopwatch.GetElapsedTime(start);
            if (remaining <= TimeSpan.Zero || (remaining < Millisecond && !last)) return;
            cancellationToken.WaitHandle.WaitOne(remaining < Millisecond ? Millisecond : TimeSpan.FromMilliseconds(Math.Ceiling(remaining.TotalMilliseconds)));
        }
    }

    private int Seed(BenchmarkCase benchmarkCase) =>
        unchecked((int)ulong.Parse(benchmarkCase.Id.AsSpan(0, 8), NumberStyles.HexNumber, CultureInfo.InvariantCulture) ^ (_index * 7919));

    public void Dispose()
    {
    }
}
