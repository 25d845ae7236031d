using ILGPU;

namespace HyperBench.Kernels.Backends.Ilgpu;

/// <summary>Everything one attention kernel launch reads or writes; one struct keeps launch signatures short.</summary>
internal struct KernelArgs
{
    public ArrayView<AttentionTile> Tiles;
    public ArrayView<float> Q;
    public ArrayView<float> K;
    public ArrayView<float> V;
    public ArrayView<float> Bias;
    public ArrayView<float> O;
    public ArrayView<float> Lse;
    public ArrayView<float> DO;
    public ArrayView<float> RowDot;
    public ArrayView<float> DQ;
    public ArrayView<float> DK;
    public ArrayView<float> DV;
    public float Scale;
    public int HasBias;
}
