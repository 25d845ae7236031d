using HyperBench.Kernels.Backends.Cpu;

namespace HyperBench.Kernels.Tests;

/// <summary>CPU tensors start on a cache line whatever the heap gives.</summary>
public sealed unsafe class CpuBufferTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(17)]
    [InlineData(4096)]
    public void Allocate_AnyLength_StartsOn64ByteBoundaryWithTheAskedLength(int length)
    {
        for (int i = 0; i < 8; i++)
        {
            var tensor = new CpuTensor(length);
            Assert.Equal(0, (long)tensor.Pointer % 64);
            Assert.Equal(length, tensor.Length);
            Assert.Equal(length, tensor.Span.Length);
            tensor.Span.Fill(1f);
            Assert.Equal(length, tensor.Span.ToArray().Sum());
        }
    }

    [Fact]
    public void Dispose_ThenSpan_Throws()
    {
        var tensor = new CpuTensor(8);
        tensor.Dispose();
        Assert.Throws<ObjectDisposedException>(() => tensor.Span.Length);
    }
}
