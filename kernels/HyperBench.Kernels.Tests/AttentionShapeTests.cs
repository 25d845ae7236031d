namespace HyperBench.Kernels.Tests;

public sealed class AttentionShapeTests(BackendFixture backends)
{
    [Theory]
    [InlineData(1, 1, 0, 64, "n")]
    [InlineData(1, 1, -5, 64, "n")]
    [InlineData(1, 0, 16, 64, "heads")]
    [InlineData(0, 1, 16, 64, "batch")]
    [InlineData(1, 1, 16, 96, "d")]
    public void Constructor_BadValue_ThrowsNamingTheValue(int batch, int heads, int n, int d, string parameter)
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => new AttentionShape(batch, heads, n, d));
        Assert.Equal(parameter, ex.ParamName);
        int bad = parameter switch { "n" => n, "heads" => heads, "batch" => batch, _ => d };
        Assert.Contains(bad.ToString(System.Globalization.CultureInfo.InvariantCulture), ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_TensorOverInt32Elements_IsRefusedWithTheCount()
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => new AttentionShape(4, 64, 131072, 128));
        Assert.Contains("4294967296", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void HostAttention_MismatchedInputLength_NamesTheTensor()
    {
        var shape = new AttentionShape(1, 2, 8, 64);
        var good = new float[shape.TensorLength];
        var bad = new float[shape.TensorLength - 64];
        var ex = Assert.Throws<ArgumentException>(() => HyperBench.Kernels.Attention.HostAttention.Run(backends.IlgpuCpu, shape, false, good, bad, good));
        Assert.Equal("k", ex.ParamName);
        Assert.Contains("960", ex.Message, StringComparison.Ordinal);
    }
}
