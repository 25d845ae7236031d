namespace HyperBench.Kernels.Backends.Ilgpu.Ptx;

/// <summary>Resident blocks and warps per SM for one kernel launch shape, and what limits them.</summary>
/// <param name="Limiter">"warps", "blocks", "registers", "shared memory", or why the kernel cannot launch.</param>
public sealed record Occupancy(int ThreadsPerBlock, int BlocksPerSm, int ActiveWarps, int MaxWarpsPerSm, string Limiter)
{
    /// <summary>Active warps over the SM's maximum, 0..1.</summary>
    public double Fraction => MaxWarpsPerSm == 0 ? 0 : (double)ActiveWarps / MaxWarpsPerSm;
}
