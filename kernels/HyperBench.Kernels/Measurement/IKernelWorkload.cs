namespace HyperBench.Kernels.Measurement;

/// <summary>
/// A case with its device tensors in place. Each run is <see cref="Prepare"/> (untimed) then <see cref="Run"/> (timed): for fwd
/// and fwdbwd the preparation is empty and Run queues the whole pass; for bwd the preparation is the forward on the same inputs
/// (O, lse and, for hyper, the forward's sorted orders, samples and gathered rows) and Run queues the backward alone.
/// </summary>
public interface IKernelWorkload : IDisposable
{
    /// <summary>Queues the untimed work a run needs before its timed part (the caller synchronises before starting the timer).</summary>
    void Prepare()
    {
    }

    /// <summary>Queues the kernel launches of one sample, exactly the work being timed (the caller synchronises).</summary>
    void Run();

    CaseTensors Download();

    /// <summary>
    /// For approximate kernels: error against the exact kernel on the same device inputs (docs/algorithms.md section 4), run after
    /// timing and never inside a sample. Exact kernels have nothing to report.
    /// </summary>
    AccuracyReport? MeasureAccuracy() => null;
}
