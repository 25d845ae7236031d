namespace HyperBench.Kernels.Measurement;

/// <summary>A case with its device tensors in place: <see cref="Run"/> queues exactly the work being timed.</summary>
public interface IKernelWorkload : IDisposable
{
    /// <summary>Queues the kernel launches of one sample (the caller synchronises).</summary>
    void Run();

    CaseTensors Download();

    /// <summary>
    /// For approximate kernels: error against the exact kernel on the same device inputs (docs/algorithms.md section 4), run after
    /// timing and never inside a sample. Exact kernels have nothing to report.
    /// </summary>
    AccuracyReport? MeasureAccuracy() => null;
}
