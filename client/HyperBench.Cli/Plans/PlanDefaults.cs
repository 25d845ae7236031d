namespace HyperBench.Cli.Plans;

/// <summary>
/// What a plan option means when it is not given, per command and per machine: the full grid on a GPU, a reduced one on the CPU
/// that finishes within minutes on 2 cores.
/// </summary>
public sealed record PlanDefaults(string Kernel, string N, string Heads)
{
    /// <summary>n = 4k..128k: the paper's range.</summary>
    public const string GpuSeqLens = "4k,8k,16k,32k,64k,128k";

    /// <summary>The CPU sweep: both kernels, both masks, both passes at three lengths (about a minute on 2 cores).</summary>
    public const string CpuSeqLens = "4k,8k,16k";

    public static PlanDefaults Sweep(bool gpu) => new("flash,hyper", gpu ? GpuSeqLens : CpuSeqLens, "1");

    public static PlanDefaults KernelsBench(bool gpu) => new("flash", gpu ? GpuSeqLens : "1k,2k,4k", gpu ? "32" : "2");
}
