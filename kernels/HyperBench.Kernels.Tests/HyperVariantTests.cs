using System.Numerics;
using HyperBench.Kernels.Attention;
using HyperBench.Kernels.Backends;
using HyperBench.Kernels.Measurement;

namespace HyperBench.Kernels.Tests;

/// <summary>The authors' variants of HyperAttention (docs/variants.md): each does what it says, and each is part of the case id.</summary>
public sealed class HyperVariantTests(BackendFixture backends)
{
    private static readonly HyperParameters Small = new(LshProjections: 4, BlockSize: 32, Samples: 20, MinSeqLen: 40);

    // ---- bucket order ----

    /// <summary>Hand-built sign-bit codes c: the kernels emit Rank(c); the host sort must order rows by c ^ (c &gt;&gt; 1) for gray, by Rank(c) for rank, stably.</summary>
    [Fact]
    public void BucketOrder_HandBuiltCodes_GraySortsByGrayCodeOfBucketId_RankByPositionInGraySequence()
    {
        int[] c = [5, 0, 3, 7, 1, 6, 2, 4, 3, 5, 6, 1, 7, 0, 2];
        int[] emitted = [.. c.Select(GrayCode.Rank)];

        int[] gray = Sort(emitted, 3, BucketOrder.Gray);
        int[] rank = Sort(emitted, 3, BucketOrder.Rank);

        Assert.Equal(Enumerable.Range(0, c.Length).OrderBy(i => c[i] ^ (c[i] >> 1)).ToArray(), gray); // OrderBy is stable
        Assert.Equal(Enumerable.Range(0, c.Length).OrderBy(i => GrayCode.Rank(c[i])).ToArray(), rank);
        Assert.NotEqual(gray, rank);
    }

    /// <summary>
    /// r = 7, one row per bucket: in rank order all 127 neighbouring buckets differ in one bit (Hamming-adjacent); in the
    /// authors' gray order 96 of 127 do.
    /// </summary>
    [Theory]
    [InlineData(BucketOrder.Rank, 127)]
    [InlineData(BucketOrder.Gray, 96)]
    public void BucketOrder_R7_NeighbouringBucketsOneBitApart(BucketOrder order, int expected)
    {
        int[] c = [.. Enumerable.Range(0, 128)];
        int[] sorted = Sort([.. c.Select(GrayCode.Rank)], 7, order);

        int oneBit = 0;
        for (int i = 0; i + 1 < sorted.Length; i++)
            if (BitOperations.PopCount((uint)(c[sorted[i]] ^ c[sorted[i + 1]])) == 1) oneBit++;
        Assert.Equal(expected, oneBit);
    }

    /// <summary>Wiring: a gray hyper run sorts its keys by c ^ (c &gt;&gt; 1) of the codes it computed, and still equals its sparse pattern.</summary>
    [Theory]
    [InlineData("cpu")]
    [InlineData("ilgpu-cpu")]
    public void BucketOrder_Gray_HyperRunSortsKeysByGrayCode_AndEqualsItsSparsePattern(string backend)
    {
        var shape = new AttentionShape(1, 2, 200, 64);
        var inputs = TestData.Make(shape, 61);
        var gray = Small with { BucketOrder = BucketOrder.Gray };
        var (result, keyOrders, codes) = RunKeepingOrders(backend, shape, gray, inputs);
        var (_, rankOrders, _) = RunKeepingOrders(backend, shape, Small, inputs);

        for (int p = 0; p < shape.Slices; p++)
        {
            int start = p * shape.N;
            int[] raw = [.. Enumerable.Range(0, shape.N).Select(j => codes[start + j] ^ (codes[start + j] >> 1))]; // sign bits c
            Assert.Equal(Enumerable.Range(0, shape.N).OrderBy(j => raw[j] ^ (raw[j] >> 1)).ToArray(), keyOrders[p]);
            Assert.NotEqual(rankOrders[p], keyOrders[p]);
        }
        var expected = SparseReference.Run(result.Pattern, shape.RowsLength, shape.D, shape.Scale, inputs.Q, inputs.K, inputs.V, null);
        Assert.True(TestData.MaxAbsDiff(result.O, expected.O) <= 1e-4);
    }

    // ---- resampling ----

    /// <summary>
    /// per-run: consecutive runs of one prepared case draw different samples; a rerun of the case (a fresh workload, same seed)
    /// draws the same sequence. once: every run keeps the first draw.
    /// </summary>
    [Fact]
    public void Resample_PerRun_ConsecutiveRunsDiffer_RerunOfTheCaseRepeatsTheSequence()
    {
        var perRun = new BenchmarkCase(KernelKind.Hyper, 256, false, AttentionPass.Forward, 1, 2, 64, Seed: 5,
            Hyper: Small with { Resample = Resample.PerRun });
        var first = SampledKeysOfRuns(perRun, 3);
        var rerun = SampledKeysOfRuns(perRun, 3);
        var once = SampledKeysOfRuns(perRun with { Hyper = Small }, 2);

        Assert.NotEqual(first[0], first[1]);
        Assert.NotEqual(first[1], first[2]);
        Assert.Equal(first, rerun);
        Assert.Equal(once[0], once[1]);
        Assert.NotEqual(perRun.Id, (perRun with { Seed = 6 }).Id);
        Assert.NotEqual(first, SampledKeysOfRuns(perRun with { Seed = 6 }, 3));
    }

    /// <summary>A per-run draw is a correct approximation too: the second run's output equals the sparse pattern of its own draw.</summary>
    [Fact]
    public void Resample_PerRun_SecondRunEqualsItsOwnSparsePattern()
    {
        var shape = new AttentionShape(1, 2, 150, 64);
        var inputs = TestData.Make(shape, 62);
        var backend = backends.Cpu;
        using var hyper = new HyperAttention(backend, shape, true, Small with { Resample = Resample.PerRun }, 9);
        var firstO = HostAttention.Run(backend, hyper, shape, inputs.Q, inputs.K, inputs.V).O;
        var second = HostAttention.Run(backend, hyper, shape, inputs.Q, inputs.K, inputs.V);
        var expected = SparseReference.Run(hyper.PatternEntries(), shape.RowsLength, shape.D, shape.Scale, inputs.Q, inputs.K, inputs.V, null);

        Assert.True(TestData.MaxAbsDiff(second.O, expected.O) <= 1e-4);
        Assert.True(TestData.MaxAbsDiff(second.Lse, expected.Lse) <= 1e-4);
        Assert.NotEqual(firstO, second.O);
    }

    // ---- short-exact ----

    /// <summary>Non-causal n &lt; min_seq_len with short-exact is exact attention (one flash segment per head); without it, hyper's approximation.</summary>
    [Theory]
    [InlineData("cpu")]
    [InlineData("ilgpu-cpu")]
    public void ShortExact_NonCausalShorterThanMinSeqLen_EqualsExactAttention(string backend)
    {
        var shape = new AttentionShape(1, 2, 200, 64);
        var inputs = TestData.Make(shape, 63);
        var parameters = Small with { MinSeqLen = 256 };
        var exact = Run(backend, shape, false, parameters with { ShortExact = true }, inputs, null);
        var approximate = Run(backend, shape, false, parameters, inputs, null);
        var expected = ReferenceAttention.Forward(shape, false, inputs.Q, inputs.K, inputs.V);

        Assert.True(TestData.MaxAbsDiff(exact.O, expected.O) <= 1e-5, $"O error {TestData.MaxAbsDiff(exact.O, expected.O):E2}");
        Assert.True(TestData.MaxAbsDiff(exact.Lse, expected.Lse) <= 1e-5, $"lse error {TestData.MaxAbsDiff(exact.Lse, expected.Lse):E2}");
        Assert.True(TestData.MaxAbsDiff(approximate.O, expected.O) > 1e-2); // the option is what made it exact
    }

    /// <summary>
    /// Unchanged where the authors' rule does not apply: non-causal n &gt;= min_seq_len, and causal n = 2^k x min_seq_len (every
    /// off-diagonal part has min_seq_len queries or more): bit-identical outputs with and without short-exact.
    /// </summary>
    [Theory]
    [InlineData(false, 200, 200)]
    [InlineData(false, 200, 64)]
    [InlineData(true, 256, 64)]
    public void ShortExact_WhereNoSubproblemIsShort_ChangesNothing(bool causal, int n, int minSeqLen)
    {
        var shape = new AttentionShape(1, 2, n, 64);
        var inputs = TestData.Make(shape, 64);
        var parameters = Small with { MinSeqLen = minSeqLen };
        var with = Run("cpu", shape, causal, parameters with { ShortExact = true }, inputs, null);
        var without = Run("cpu", shape, causal, parameters, inputs, null);

        Assert.Equal(without.O, with.O);
        Assert.Equal(without.Lse, with.Lse);
        Assert.Contains(with.Pattern, e => e.LogWeight != 0f); // hyper did run
    }

    /// <summary>
    /// Causal: a split whose off-diagonal part has fewer than min_seq_len queries is exact under the authors' rule, and so are its
    /// halves, so the whole is exact causal attention (n = 300, min_seq_len = 160: 150 &lt; 160). Without the option it is not.
    /// </summary>
    [Fact]
    public void ShortExact_CausalWhoseOffDiagonalIsShort_EqualsExactCausalAttention()
    {
        var shape = new AttentionShape(1, 2, 300, 64);
        var inputs = TestData.Make(shape, 65);
        var parameters = Small with { MinSeqLen = 160 };
        var exact = Run("cpu", shape, true, parameters with { ShortExact = true }, inputs, null);
        var approximate = Run("cpu", shape, true, parameters, inputs, null);
        var expected = ReferenceAttention.Forward(shape, true, inputs.Q, inputs.K, inputs.V);

        Assert.True(TestData.MaxAbsDiff(exact.O, expected.O) <= 1e-5);
        Assert.True(TestData.MaxAbsDiff(exact.Lse, expected.Lse) <= 1e-5);
        Assert.True(TestData.MaxAbsDiff(approximate.O, expected.O) > 1e-2);
    }

    // ---- detached-lse gradient ----

    public static TheoryData<string, bool> BackendsAndMasks() => new()
    {
        { "cpu", false }, { "cpu", true }, { "ilgpu-cpu", false }, { "ilgpu-cpu", true },
    };

    /// <summary>
    /// detached-lse equals a float64 reference of the authors' rule built from the same sorted orders and samples (every lse
    /// merge a constant: each piece's D from its own output); dV equals the exact gradient's, dQ and dK differ from it.
    /// </summary>
    [Theory]
    [MemberData(nameof(BackendsAndMasks))]
    public void DetachedLse_EqualsFloat64ReferenceOfTheRule_AndDiffersFromTheExactGradient(string backend, bool causal)
    {
        var shape = new AttentionShape(1, 2, 150, 64);
        var inputs = TestData.Make(shape, 66);
        var actual = Run(backend, shape, causal, Small with { Gradient = HyperGradient.DetachedLse }, inputs, inputs.DO);
        var detached = SparseReference.RunDetached(actual.Pieces, shape.RowsLength, shape.D, shape.Scale, inputs.Q, inputs.K, inputs.V, inputs.DO);
        var exact = SparseReference.Run(actual.Pattern, shape.RowsLength, shape.D, shape.Scale, inputs.Q, inputs.K, inputs.V, inputs.DO);

        Assert.Contains(actual.Pieces, e => e.Piece % 2 == 1); // a sampled part exists
        Assert.True(TestData.MaxAbsDiff(actual.O, exact.O) <= 1e-4); // the forward is the same approximation
        for (int x = 0; x < exact.O.Length; x++) Assert.True(Math.Abs(detached.O[x] - exact.O[x]) <= 1e-9); // the reference's pieces merge to it
        FlashBackwardTests.AssertGradientClose(actual.DQ!, detached.DQ!, "dQ");
        FlashBackwardTests.AssertGradientClose(actual.DK!, detached.DK!, "dK");
        FlashBackwardTests.AssertGradientClose(actual.DV!, detached.DV!, "dV");
        FlashBackwardTests.AssertGradientClose(actual.DV!, exact.DV!, "dV against the exact gradient");
        double tolerance = 1e-5 + 2e-5 * TestData.MaxAbs(exact.DQ!);
        Assert.True(TestData.MaxAbsDiff(actual.DQ!, exact.DQ!) > 100 * tolerance, "dQ should miss the merge-weight term");
        Assert.True(TestData.MaxAbsDiff(actual.DK!, exact.DK!) > 100 * (1e-5 + 2e-5 * TestData.MaxAbs(exact.DK!)), "dK should miss the merge-weight term");
    }

    // ---- all four together, through the engine ----

    /// <summary>
    /// The authors' setting (all four variants) runs through the engine as a measured case; its bwd pass (forward untimed in the
    /// preparation, with that run's own draw) gives the gradients its fwdbwd pass gives, up to the order of parallel adds.
    /// </summary>
    [Fact]
    public void AuthorsSetting_Engine_BwdGradientsEqualFwdbwd()
    {
        var authors = Small with { BucketOrder = BucketOrder.Gray, Resample = Resample.PerRun, ShortExact = true, Gradient = HyperGradient.DetachedLse };
        var options = new MeasurementOptions(minSamples: 2, budgetSeconds: 0, warmupRuns: 1, maxSamples: 2) { WarmupSeconds = 0, KeepTensors = true };
        var engine = new BenchmarkEngine(backends.Cpu, options);
        var c = new BenchmarkCase(KernelKind.Hyper, 200, true, AttentionPass.Backward, 1, 2, 64, Seed: 3, Hyper: authors);
        var bwd = engine.Run(c, null, TestContext.Current.CancellationToken);
        var both = engine.Run(c with { Pass = AttentionPass.ForwardBackward }, null, TestContext.Current.CancellationToken);

        Assert.True(bwd.Valid, bwd.Error ?? bwd.InvalidReason);
        Assert.True(both.Valid, both.Error ?? both.InvalidReason);
        Assert.Contains(";order=gray;resample=per-run;short_exact=1;grad=detached-lse", c.Canonical);
        foreach (var (x, y, name) in new[] { (both.Tensors!.DQ!, bwd.Tensors!.DQ!, "dQ"), (both.Tensors.DK!, bwd.Tensors.DK!, "dK"), (both.Tensors.DV!, bwd.Tensors.DV!, "dV") })
        {
            double scale = Math.Max(1, x.Max(Math.Abs));
            Assert.True(TestData.MaxAbsDiff(y, [.. x.Select(v => (double)v)]) <= 1e-5 * scale, name);
            Assert.Contains(y, v => v != 0);
        }
    }

    // ---- identity ----

    /// <summary>Each variant is part of the case id (and so of what is stored); the defaults keep the id pinned before the variants existed.</summary>
    [Fact]
    public void CaseId_EachVariantChangesIt_DefaultsKeepThePinnedId()
    {
        var hyper = new BenchmarkCase(KernelKind.Hyper, 8192, true, AttentionPass.ForwardBackward, 1, 1, 64, Dtype.Fp32, "normal", 1, HyperParameters.Default);
        var variants = new[]
        {
            HyperParameters.Default with { BucketOrder = BucketOrder.Gray },
            HyperParameters.Default with { Resample = Resample.PerRun },
            HyperParameters.Default with { ShortExact = true },
            HyperParameters.Default with { Gradient = HyperGradient.DetachedLse },
        };

        Assert.Equal("f0e8d33abd5e16fc", hyper.Id);
        Assert.Equal("f0e8d33abd5e16fc", (hyper with { Hyper = new HyperParameters(BucketOrder: BucketOrder.Rank, Resample: Resample.Once) }).Id);
        var ids = variants.Select(v => (hyper with { Hyper = v }).Id).ToArray();
        Assert.Equal(5, ids.Append(hyper.Id).Distinct().Count());
        Assert.Equal(
            ["order=gray", "resample=per-run", "short_exact=1", "grad=detached-lse"],
            variants.Select(v => v.Canonical.Split(';')[^1]).ToArray());
    }

    private static int[] Sort(int[] emitted, int bits, BucketOrder order)
    {
        var destination = new int[emitted.Length];
        HyperLevel.CountingSort(emitted, 0, emitted.Length, GrayCode.SortKeys(bits, order), new int[(1 << bits) + 1], destination);
        return destination;
    }

    private (HyperHost.Result Result, int[][] KeyOrders, int[] Codes) RunKeepingOrders(string backend, AttentionShape shape, HyperParameters parameters, TestData.Inputs inputs)
    {
        if (backend == "cpu") return RunKeepingOrders(backends.Cpu, shape, parameters, inputs);
        lock (backends.Gate) return RunKeepingOrders(backends.IlgpuCpu, shape, parameters, inputs);
    }

    private static (HyperHost.Result Result, int[][] KeyOrders, int[] Codes) RunKeepingOrders(IAttentionBackend device, AttentionShape shape, HyperParameters parameters, TestData.Inputs inputs)
    {
        using var hyper = new HyperAttention(device, shape, false, parameters, 7);
        var r = HostAttention.Run(device, hyper, shape, inputs.Q, inputs.K, inputs.V);
        var level = hyper.Levels[0];
        return (new HyperHost.Result(r.O, r.Lse, null, null, null, [.. hyper.PatternEntries()]),
            [.. Enumerable.Range(0, level.Problems.Count).Select(level.KeyOrder)], hyper.KeyCodes.ToArray());
    }

    private List<int[]> SampledKeysOfRuns(BenchmarkCase benchmarkCase, int runs)
    {
        using var workload = KernelWorkloads.Create(backends.Cpu, benchmarkCase);
        var draws = new List<int[]>();
        for (int i = 0; i < runs; i++)
        {
            workload.Run();
            draws.Add([.. workload.Download().Hyper!.SampledKeys.SelectMany(s => s)]);
        }
        return draws;
    }

    private HyperHost.Result Run(string backend, AttentionShape shape, bool causal, HyperParameters parameters, TestData.Inputs inputs, float[]? dO) =>
        new HyperForwardTests(backends).Run(backend, shape, causal, parameters, inputs, dO);
}
