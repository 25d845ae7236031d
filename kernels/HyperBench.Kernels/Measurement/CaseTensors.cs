namespace HyperBench.Kernels.Measurement;

/// <summary>A case's tensors on the host, [batch, heads, n, d] (lse: [batch, heads, n]). Gradients only for forward+backward; <see cref="Hyper"/> only for non-causal hyper cases.</summary>
public sealed record CaseTensors(float[] Q, float[] K, float[] V, float[] O, float[] Lse, float[]? DO, float[]? DQ, float[]? DK, float[]? DV,
    HyperLayout? Hyper = null);
