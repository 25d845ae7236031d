using HyperBench.Kernels.Measurement;

namespace HyperBench.Kernels.Tests;

public sealed class BenchmarkGridTests
{
    [Fact]
    public void Expand_KernelInnermost_FlashAndHyperOfSameNAdjacent_NAscending()
    {
        var grid = new BenchmarkGrid
        {
            Kernels = [KernelKind.Flash, KernelKind.Hyper], SeqLens = [4096, 1024, 2048], Causal = [false, true], Batches = [1, 2], Heads = [1],
        };

        var cases = grid.Expand();

        Assert.Equal(24, cases.Count);
        for (int i = 0; i < cases.Count; i += 2)
        {
            Assert.Equal(KernelKind.Flash, cases[i].Kernel);
            Assert.Equal(KernelKind.Hyper, cases[i + 1].Kernel);
            Assert.Equal(cases[i].N, cases[i + 1].N);
            Assert.Equal(cases[i].Causal, cases[i + 1].Causal);
        }
        Assert.Equal([1024, 1024, 2048, 2048, 4096, 4096], cases.Take(6).Select(c => c.N));
        Assert.Equal([1, 2], cases.Select(c => c.Batch).Distinct());
        Assert.Equal(cases.Count, cases.Select(c => c.Id).Distinct().Count());
    }

    [Fact]
    public void Expand_RepeatedValuesOnEveryAxis_GivesEachCaseOnce()
    {
        var grid = new BenchmarkGrid
        {
            Kernels = [KernelKind.Hyper, KernelKind.Flash, KernelKind.Hyper], SeqLens = [2048, 1024, 2048], Causal = [true, true], Batches = [2, 2],
            Heads = [1, 1], HeadDims = [64, 64], Passes = [AttentionPass.Forward, AttentionPass.Forward], Dtypes = [Dtype.Fp32, Dtype.Fp32],
            Distributions = ["normal", "normal"],
        };

        var cases = grid.Expand();

        Assert.Equal(4, cases.Count);
        Assert.Equal(4, cases.Select(c => c.Id).Distinct().Count());
        Assert.Equal([(1024, KernelKind.Hyper), (1024, KernelKind.Flash), (2048, KernelKind.Hyper), (2048, KernelKind.Flash)], cases.Select(c => (c.N, c.Kernel)));
    }

    [Theory]
    [InlineData("SeqLens", "0 must be >= 1")]
    [InlineData("Batches", "0 must be >= 1")]
    [InlineData("Heads", "0 must be >= 1")]
    [InlineData("HeadDims", "96 is not supported")]
    [InlineData("Distributions", "'uniformish'")]
    [InlineData("Kernels", "no value given")]
    [InlineData("Causal", "no value given")]
    [InlineData("Passes", "no value given")]
    [InlineData("Dtypes", "no value given")]
    [InlineData("BlockSize", "block size b = 3")]
    public void Validate_BadAxis_ThrowsNamingAxisAndValue(string axis, string text)
    {
        var ok = new BenchmarkGrid { Kernels = [KernelKind.Flash, KernelKind.Hyper] };
        var grid = axis switch
        {
            "SeqLens" => ok with { SeqLens = [256, 0] },
            "Batches" => ok with { Batches = [0] },
            "Heads" => ok with { Heads = [0] },
            "HeadDims" => ok with { HeadDims = [96] },
            "Distributions" => ok with { Distributions = ["uniformish"] },
            "Kernels" => ok with { Kernels = [] },
            "Causal" => ok with { Causal = [] },
            "Passes" => ok with { Passes = [] },
            "Dtypes" => ok with { Dtypes = [] },
            "BlockSize" => ok with { Hyper = HyperParameters.Default with { BlockSize = 3 } },
            _ => throw new ArgumentOutOfRangeException(nameof(axis)),
        };

        var ex = Assert.ThrowsAny<ArgumentException>(grid.Validate);

        Assert.Equal(axis, ex.ParamName);
        Assert.Contains(text, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_TensorTooLarge_NamesTheCase()
    {
        var grid = new BenchmarkGrid { SeqLens = [131072], Batches = [4], Heads = [64], HeadDims = [128] };

        var ex = Assert.ThrowsAny<ArgumentException>(grid.Validate);

        Assert.Contains("n=131072", ex.Message, StringComparison.Ordinal);
    }
}
