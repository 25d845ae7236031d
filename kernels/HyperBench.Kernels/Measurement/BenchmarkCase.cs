using System.Security.Cryptography;
using System.Text;

namespace HyperBench.Kernels.Measurement;

/// <summary>
/// One point of a sweep (docs/measurement.md, "A case"). Its identity is a stable hash of every field, so a stored result can be
/// keyed by (sweep, case) and a retried case is never stored twice.
/// </summary>
public sealed record BenchmarkCase(
    KernelKind Kernel,
    int N,
    bool Causal,
    AttentionPass Pass,
    int Batch,
    int Heads,
    int D,
    Dtype Dtype = Dtype.Fp32,
    string Distribution = "normal",
    ulong Seed = 1,
    HyperParameters? Hyper = null)
{
    public static IReadOnlyList<string> SupportedDistributions { get; } = ["normal", "planted", "clustered"];

    /// <summary>
    /// Validates the case; throws with a message naming the bad value. Whether a backend implements the dtype is the backend's
    /// answer (<see cref="Backends.IAttentionBackend.Supports"/>), not the case's.
    /// </summary>
    public AttentionShape Shape()
    {
        if (!SupportedDistributions.Contains(Distribution))
            throw new ArgumentOutOfRangeException(nameof(Distribution), Distribution,
                $"input distribution '{Distribution}' is not supported; supported: {string.Join(", ", SupportedDistributions)}.");
        if (Kernel == KernelKind.Hyper) HyperOrDefault.Validate();
        return new AttentionShape(Batch, Heads, N, D);
    }

    /// <summary>The hyper parameters in effect (the defaults when none were given); meaningless for exact kernels.</summary>
    public HyperParameters HyperOrDefault => Hyper ?? HyperParameters.Default;

    public string Canonical =>
        $"kernel={Kernel.ToString().ToLowerInvariant()};n={N};causal={(Causal ? 1 : 0)};pass={PassName};batch={Batch};heads={Heads};d={D};dtype={Dtype.Name()};dist={Distribution};seed={Seed}" +
        (Kernel == KernelKind.Hyper ? ";" + HyperOrDefault.Canonical : "");

    /// <summary>First 16 hex digits of SHA-256 over <see cref="Canonical"/>.</summary>
    public string Id => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Canonical)))[..16];

    public string PassName => Pass.Name();

    /// <summary>Work by the FlashAttention convention (docs/algorithms.md section 5): 4 b h n^2 d forward, half when causal, x3.5 with backward, x2.5 for the backward alone.</summary>
    public double Flops
    {
        get
        {
            double forward = 4.0 * Batch * Heads * (double)N * N * D;
            if (Causal) forward *= 0.5;
            return Pass switch
            {
                AttentionPass.ForwardBackward => forward * 3.5,
                AttentionPass.Backward => forward * 2.5,
                _ => forward,
            };
        }
    }

    public override string ToString() =>
        $"{Kernel.ToString().ToLowerInvariant()} n={N} {(Causal ? "causal" : "full")} {PassName} b{Batch} h{Heads} d{D} {Dtype.Name()}";
}
