using HyperBench.Kernels.Attention;
using HyperBench.Kernels.Inputs;
using HyperBench.Kernels.Measurement;

namespace HyperBench.Kernels.Tests;

/// <summary>Hyper cases through the engine (accuracy filled in), the case distributions, the accuracy metrics and the memory estimate.</summary>
public sealed class HyperMeasurementTests(BackendFixture backends)
{
    [Fact]
    public void Engine_HyperForwardBackwardCase_ReportsAccuracyOfOAndGradientsAgainstFlash()
    {
        var c = new BenchmarkCase(KernelKind.Hyper, 512, false, AttentionPass.ForwardBackward, 1, 2, 64, Hyper: new HyperParameters(BlockSize: 64, Samples: 32));
        var result = new BenchmarkEngine(backends.Cpu, new MeasurementOptions(minSamples: 2, budgetSeconds: 0) { WarmupSeconds = 0 })
            .Run(c, null, TestContext.Current.CancellationToken);

        Assert.Null(result.Error);
        var accuracy = Assert.IsType<AccuracyReport>(result.Accuracy);
        Assert.Equal(["o", "dq", "dk", "dv"], accuracy.Metrics.Select(m => m.Tensor));
        Assert.Equal(2, accuracy.HeadsMeasured);
        Assert.Equal(2, accuracy.HeadsTotal);
        Assert.Equal("flash", accuracy.Reference);
        // An approximation of diffuse attention: an error that is there and finite (its size is reported, not required).
        Assert.All(accuracy.Metrics, m => Assert.InRange(m.RelativeFrobenius, 1e-3, 1e3));
        Assert.All(accuracy.Metrics, m => Assert.InRange(m.MeanRowCosine, -1, 1));
    }

    [Fact]
    public void Engine_HyperSingleBlockCase_HasNoError()
    {
        var c = new BenchmarkCase(KernelKind.Hyper, 200, false, AttentionPass.Forward, 1, 1, 64, Distribution: "clustered");
        var result = new BenchmarkEngine(backends.Cpu, new MeasurementOptions(minSamples: 1, budgetSeconds: 0) { WarmupSeconds = 0 })
            .Run(c, null, TestContext.Current.CancellationToken);
        var o = result.Accuracy!.Metrics.Single();
        Assert.True(o.RelativeFrobenius < 1e-5, $"b = 256 >= n = 200 is exact attention, got {o.RelativeFrobenius}");
        Assert.True(o.MeanRowCosine > 0.99999);
    }

    [Fact]
    public void SliceSubset_LargeN_IsDeterministicEvenlySpacedAndNonEmpty()
    {
        Assert.Equal([0, 1, 2, 3], AccuracyCalculator.SliceSubset(4, 4096));
        Assert.Equal([0], AccuracyCalculator.SliceSubset(32, 131072));
        Assert.Equal([0, 8, 16, 24], AccuracyCalculator.SliceSubset(32, 32768));
    }

    /// <summary>E = u w^T has ||E||_2 = |u| |w| and ||E||_F the same; cosines are exact for scaled rows.</summary>
    [Fact]
    public void AccuracyCalculator_RankOneError_GivesKnownSpectralAndFrobeniusNorms()
    {
        int n = 6, d = 4;
        var exact = new float[n * d];
        var approx = new float[n * d];
        var v = new float[n * d];
        float[] u = [1, 2, 0, -1, 3, 1], w = [1, 0, 2, 2];
        for (int i = 0; i < n; i++)
            for (int c = 0; c < d; c++)
            {
                exact[i * d + c] = 1 + i + c;
                approx[i * d + c] = exact[i * d + c] + u[i] * w[c];
                v[i * d + c] = i == 0 && c == 0 ? 2 : 0; // ||V||_2 = 2
            }
        var m = AccuracyCalculator.Compare("o", approx, exact, v, n, d, [0]);
        double uw = Math.Sqrt(16) * Math.Sqrt(9);
        double exactF = Math.Sqrt(exact.Sum(x => (double)x * x));
        Assert.Equal(uw / exactF, m.RelativeFrobenius, 9);
        Assert.Equal(uw / 2, m.SpectralOverV, 6);
    }

    [Fact]
    public void CaseInputs_SameSeed_SameData_AndNormalKeepsTheFlashStreams()
    {
        var shape = new AttentionShape(1, 2, 64, 64);
        foreach (var dist in new[] { "normal", "planted", "clustered" })
        {
            var a = CaseInputs.Generate(shape, dist, 9, true);
            var b = CaseInputs.Generate(shape, dist, 9, true);
            Assert.Equal(a.Q, b.Q);
            Assert.Equal(a.K, b.K);
            Assert.NotEqual(a.Q, CaseInputs.Generate(shape, dist, 10, false).Q);
        }
        Assert.Equal(InputGenerator.Normal(shape.TensorLength, InputGenerator.StreamSeed(9, 0)), CaseInputs.Generate(shape, "normal", 9, false).Q);
    }

    /// <summary>Planted inputs are peaked: the largest softmax weight of a row is near 1 (strength 2 puts the planted score ~16 above).</summary>
    [Fact]
    public void CaseInputs_Planted_GivesPeakedAttention_NormalDoesNot()
    {
        var shape = new AttentionShape(1, 1, 1024, 64);
        double TopWeight(string dist)
        {
            var x = CaseInputs.Generate(shape, dist, 3, false);
            var r = ReferenceAttention.Forward(shape, false, x.Q, x.K, x.V);
            double total = 0;
            for (int i = 0; i < 64; i++)
            {
                double best = double.NegativeInfinity;
                for (int j = 0; j < shape.N; j++)
                {
                    double s = 0;
                    for (int c = 0; c < shape.D; c++) s += (double)x.Q[i * shape.D + c] * x.K[j * shape.D + c];
                    best = Math.Max(best, s * shape.Scale);
                }
                total += Math.Exp(best - r.Lse[i]);
            }
            return total / 64;
        }
        Assert.True(TopWeight("planted") > 0.9);
        Assert.True(TopWeight("normal") < 0.2);
    }

    /// <summary>n = 131072, heads = 32, d = 64 must be possible on an 80 GiB GPU: HyperAttention's buffers are O(n).</summary>
    [Fact]
    public void MemoryEstimate_Hyper128kHeads32_IsLinearInN()
    {
        var big = new BenchmarkCase(KernelKind.Hyper, 131072, true, AttentionPass.ForwardBackward, 1, 32, 64);
        long bytes = MemoryEstimate.BytesNeeded(big, backends.Cpu);
        Assert.True(bytes < 60L << 30, $"{bytes / (double)(1L << 30):F1} GiB");
        long half = MemoryEstimate.BytesNeeded(big with { N = 65536 }, backends.Cpu);
        Assert.InRange(bytes / (double)half, 1.9, 2.2);
    }
}
