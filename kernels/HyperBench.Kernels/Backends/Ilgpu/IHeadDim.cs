namespace HyperBench.Kernels.Backends.Ilgpu;

/// <summary>
/// A head dimension known when the kernel is compiled: ILGPU needs constant sizes for shared and local memory,
/// so each supported d gets its own specialisation of the same kernel source.
/// </summary>
internal interface IHeadDim
{
    int Value { get; }
}

internal readonly struct HeadDim64 : IHeadDim
{
    public int Value => 64;
}

internal readonly struct HeadDim128 : IHeadDim
{
    public int Value => 128;
}
