using HyperBench.Kernels.Attention;
using HyperBench.Kernels.Backends;

namespace HyperBench.Kernels.Tests;

/// <summary>HyperAttention's forward on both backends: degenerate cases equal exact attention, general cases equal the sparse pattern they claim.</summary>
public sealed class HyperForwardTests(BackendFixture backends)
{
    private const double ExactTolerance = 1e-4;

    public static TheoryData<string> Backends() => ["cpu", "ilgpu-cpu"];

    /// <summary>b &gt;= n: one block holds every key, so every sampled key lies in the query's own block and is masked.</summary>
    [Theory]
    [MemberData(nameof(Backends))]
    public void Forward_SingleBlockAllSamplesMasked_EqualsExactAttention(string backend)
    {
        var shape = new AttentionShape(1, 2, 100, 64);
        var inputs = TestData.Make(shape, 21);
        var parameters = new HyperParameters(LshProjections: 3, BlockSize: 128, Samples: 16);
        var actual = Run(backend, shape, false, parameters, inputs, null);
        var expected = ReferenceAttention.Forward(shape, false, inputs.Q, inputs.K, inputs.V);

        Assert.DoesNotContain(actual.O, float.IsNaN);
        Assert.All(actual.Pattern, e => Assert.Equal(0f, e.LogWeight)); // no sampled term survived its own-block mask
        Assert.True(TestData.MaxAbsDiff(actual.O, expected.O) <= ExactTolerance);
        Assert.True(TestData.MaxAbsDiff(actual.Lse, expected.Lse) <= ExactTolerance);
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public void Forward_CausalAtOrBelowMinSeqLen_EqualsExactCausalAttention(string backend)
    {
        var shape = new AttentionShape(2, 1, 96, 64);
        var inputs = TestData.Make(shape, 22);
        var actual = Run(backend, shape, true, new HyperParameters(BlockSize: 16, Samples: 8, MinSeqLen: 96), inputs, null);
        var expected = ReferenceAttention.Forward(shape, true, inputs.Q, inputs.K, inputs.V);

        Assert.True(TestData.MaxAbsDiff(actual.O, expected.O) <= ExactTolerance);
        Assert.True(TestData.MaxAbsDiff(actual.Lse, expected.Lse) <= ExactTolerance);
    }

    public static TheoryData<string, bool> BackendsAndMasks() => new()
    {
        { "cpu", false }, { "cpu", true }, { "ilgpu-cpu", false }, { "ilgpu-cpu", true },
    };

    /// <summary>n not a multiple of b (padding), several blocks, samples that fall inside and outside their block, the causal recursion.</summary>
    [Theory]
    [MemberData(nameof(BackendsAndMasks))]
    public void Forward_GeneralCase_EqualsItsSparsePatternInDouble(string backend, bool causal)
    {
        var shape = new AttentionShape(1, 2, 201, 64);
        var inputs = TestData.Make(shape, 23);
        var parameters = new HyperParameters(LshProjections: 4, BlockSize: 32, Samples: 24, MinSeqLen: 40);
        var actual = Run(backend, shape, causal, parameters, inputs, null);
        var expected = SparseReference.Run(actual.Pattern, shape.RowsLength, shape.D, shape.Scale, inputs.Q, inputs.K, inputs.V, null);

        Assert.Contains(actual.Pattern, e => e.LogWeight != 0f); // the sampled part is exercised
        Assert.True(TestData.MaxAbsDiff(actual.O, expected.O) <= ExactTolerance);
        Assert.True(TestData.MaxAbsDiff(actual.Lse, expected.Lse) <= ExactTolerance);
    }

    /// <summary>
    /// Causality: with the recursion exercised (n well above min_seq_len), changing K and V rows j &gt;= j0 leaves every output
    /// row i &lt; j0 bit-identical: no piece lets a query see a later key, sorting and sampling included.
    /// </summary>
    [Theory]
    [InlineData("cpu", 1000, 64)]
    [InlineData("ilgpu-cpu", 300, 32)]
    public void Causal_ChangingLaterKeysAndValues_NeverChangesEarlierRows(string backend, int n, int minSeqLen)
    {
        var shape = new AttentionShape(1, 1, n, 64);
        var inputs = TestData.Make(shape, 24);
        var parameters = new HyperParameters(LshProjections: 5, BlockSize: 16, Samples: 16, MinSeqLen: minSeqLen);
        var before = Run(backend, shape, true, parameters, inputs, null);
        int j0 = n * 5 / 8 + 3;
        var k2 = (float[])inputs.K.Clone();
        var v2 = (float[])inputs.V.Clone();
        var noise = TestData.Make(shape, 99);
        for (int x = j0 * shape.D; x < k2.Length; x++)
        {
            k2[x] = noise.K[x] * 3;
            v2[x] = noise.V[x] * 3;
        }
        var after = Run(backend, shape, true, parameters, inputs with { K = k2, V = v2 }, null);

        for (int x = 0; x < j0 * shape.D; x++) Assert.Equal(before.O[x], after.O[x]);
        for (int i = 0; i < j0; i++) Assert.Equal(before.Lse[i], after.Lse[i]);
        Assert.NotEqual(before.O[(n - 1) * shape.D], after.O[(n - 1) * shape.D]); // the change did reach the later rows
        Assert.All(before.Pattern, e => Assert.True(e.Key <= e.Query, $"query {e.Query} sees later key {e.Key}"));
    }

    /// <summary>Layout: batch 2 x heads 3 with different data per head, n with padding; every term stays inside its (batch, head).</summary>
    [Theory]
    [InlineData(4097)]
    [InlineData(5000)]
    public void Forward_Batch2Heads3PaddedN_EqualsSparsePatternWithinEachHead(int n)
    {
        var shape = new AttentionShape(2, 3, n, 64);
        var inputs = TestData.Make(shape, (ulong)n);
        var parameters = new HyperParameters(BlockSize: 256, Samples: 32);
        var actual = Run("cpu", shape, false, parameters, inputs, null);

        Assert.All(actual.Pattern, e => Assert.Equal(e.Query / n, e.Key / n));
        var covered = new bool[shape.RowsLength];
        foreach (var e in actual.Pattern) covered[e.Query] = true;
        Assert.All(covered, Assert.True);
        var expected = SparseReference.Run(actual.Pattern, shape.RowsLength, shape.D, shape.Scale, inputs.Q, inputs.K, inputs.V, null);
        Assert.True(TestData.MaxAbsDiff(actual.O, expected.O) <= ExactTolerance);
        Assert.True(TestData.MaxAbsDiff(actual.Lse, expected.Lse) <= ExactTolerance);
    }

    [Fact]
    public void GrayCodeRank_IsTheInverseOfTheReflectedGrayCode()
    {
        for (int rank = 0; rank < 1 << 12; rank++) Assert.Equal(rank, GrayCode.Rank(rank ^ (rank >> 1)));
        Assert.Equal([0, 1, 3, 2, 7, 6, 4, 5], Enumerable.Range(0, 8).Select(GrayCode.Rank).ToArray());
    }

    internal HyperHost.Result Run(string backend, AttentionShape shape, bool causal, HyperParameters parameters, TestData.Inputs inputs, float[]? dO, ulong seed = 7)
    {
        if (backend == "cpu") return HyperHost.Run(backends.Cpu, shape, causal, parameters, seed, inputs.Q, inputs.K, inputs.V, dO);
        lock (backends.Gate) return HyperHost.Run(backends.IlgpuCpu, shape, causal, parameters, seed, inputs.Q, inputs.K, inputs.V, dO);
    }
}
