using HyperBench.Kernels.Backends.Ilgpu.Ptx;

namespace HyperBench.Kernels.Tests;

/// <summary>
/// ptxas and cuobjdump (HYPERBENCH_CUDA_TOOLS or PATH) and one sm_90 inspector for the PTX tests. Without the tools the
/// tests skip with the reason, unless HYPERBENCH_REQUIRE_PTXAS=1 (CI), when they fail.
/// </summary>
public sealed class PtxToolsFixture : IDisposable
{
    private readonly CudaToolchain? _tools;
    private readonly string _why;
    private PtxInspector? _inspector;

    public PtxToolsFixture() => _tools = CudaToolchain.Locate(null, out _why);

    public static bool Required => Environment.GetEnvironmentVariable("HYPERBENCH_REQUIRE_PTXAS") == "1";

    /// <summary>The inspector, or a skip (a failure when required) naming what is missing.</summary>
    public PtxInspector Inspector
    {
        get
        {
            if (_tools is null)
            {
                string reason = $"{_why}; {CudaToolchain.HowToGet}";
                if (Required) Assert.Fail(reason + " (HYPERBENCH_REQUIRE_PTXAS=1)");
                Assert.Skip(reason);
            }
            lock (this) return _inspector ??= new PtxInspector(_tools, "sm_90");
        }
    }

    /// <summary>The inspector compiles with one ILGPU context; the tests take turns.</summary>
    public SemaphoreSlim Gate { get; } = new(1, 1);

    public void Dispose()
    {
        _inspector?.Dispose();
        Gate.Dispose();
    }
}
