using HyperBench.Kernels.Backends;
using HyperBench.Kernels.Measurement;

namespace HyperBench.Kernels.Tests;

public sealed class MeasurementTests(BackendFixture backends)
{
    [Fact]
    public void Statistics_KnownSamples_GiveExactQuantilesAndMoments()
    {
        double[] samples = [5, 1, 4, 2, 3];
        var s = SampleStatistics.From(samples);
        Assert.Equal(5, s.Count);
        Assert.Equal(3, s.Median);
        Assert.Equal(1, s.Min);
        Assert.Equal(5, s.Max);
        Assert.Equal(3, s.Mean);
        Assert.Equal(Math.Sqrt(2.5), s.StdDev, 12);
        Assert.Equal(Math.Sqrt(2.5) / 3, s.CoefficientOfVariation, 12);
        Assert.True(s.P20 < s.Median && s.Median < s.P80);
    }

    [Fact]
    public void MedianCi_TwentyFiveSamples_UsesOrderStatistics8And18()
    {
        // For n = 25 the distribution-free 95% CI of the median is [x(8), x(18)] (P = 0.957).
        var samples = Enumerable.Range(1, 25).Select(i => (double)i).ToArray();
        var s = SampleStatistics.From(samples);
        Assert.Equal(8, s.MedianCiLower);
        Assert.Equal(18, s.MedianCiUpper);
        Assert.InRange(s.MedianCiLevel, 0.95, 0.96);
    }

    [Fact]
    public void MedianCi_TooFewSamples_FallsBackToRangeAndSaysSo()
    {
        var s = SampleStatistics.From([3.0, 1.0, 2.0]);
        Assert.Equal(1, s.MedianCiLower);
        Assert.Equal(3, s.MedianCiUpper);
        Assert.Equal(0.75, s.MedianCiLevel, 12);
    }

    [Fact]
    public void Engine_StopsAfterMinSamplesAndBudget_KeepsEverySample()
    {
        var engine = new BenchmarkEngine(backends.Cpu, new MeasurementOptions(minSamples: 7, budgetSeconds: 0));
        var result = engine.Run(new BenchmarkCase(KernelKind.Flash, 128, false, AttentionPass.Forward, 1, 2, 64), null, TestContext.Current.CancellationToken);
        Assert.Null(result.Error);
        Assert.Equal(7, result.Samples.Count);
        Assert.All(result.Samples, x => Assert.True(x > 0));
        Assert.Equal(result.Samples.Order().ElementAt(3), result.Statistics!.Median);
        Assert.True(result.FirstRunSeconds > 0);
        Assert.Equal(4.0 * 2 * 128 * 128 * 64, result.Flops);
        Assert.Equal(result.Flops / result.Statistics.Median / 1e12, result.Tflops, 12);
    }

    [Fact]
    public void Flops_FollowTheFlashConvention()
    {
        var full = new BenchmarkCase(KernelKind.Flash, 4096, false, AttentionPass.Forward, 2, 3, 64);
        Assert.Equal(4.0 * 2 * 3 * 4096.0 * 4096 * 64, full.Flops);
        Assert.Equal(full.Flops / 2, (full with { Causal = true }).Flops);
        Assert.Equal(full.Flops * 3.5, (full with { Pass = AttentionPass.ForwardBackward }).Flops);
    }

    [Fact]
    public void CaseId_IsStable_AndDiffersWhenAnyFieldDiffers()
    {
        var a = new BenchmarkCase(KernelKind.Flash, 4096, true, AttentionPass.Forward, 1, 2, 64, Seed: 3);
        Assert.Equal(a.Id, new BenchmarkCase(KernelKind.Flash, 4096, true, AttentionPass.Forward, 1, 2, 64, Seed: 3).Id);
        Assert.Equal(16, a.Id.Length);
        Assert.NotEqual(a.Id, (a with { Seed = 4 }).Id);
        Assert.NotEqual(a.Id, (a with { Causal = false }).Id);
        Assert.NotEqual(a.Id, (a with { Heads = 3 }).Id);
    }

    [Fact]
    public void SanityGate_NumberAboveDevicePeak_IsMarkedInvalid()
    {
        using var slow = new DeviceOverride(backends.Cpu, backends.Cpu.Device with { PeakFp32Flops = 1e3 });
        var result = new BenchmarkEngine(slow, new MeasurementOptions(minSamples: 3, budgetSeconds: 0))
            .Run(new BenchmarkCase(KernelKind.Flash, 64, false, AttentionPass.Forward, 1, 1, 64), null, TestContext.Current.CancellationToken);
        Assert.False(result.Valid);
        Assert.Contains("exceeds the device's fp32 peak", result.InvalidReason, StringComparison.Ordinal);
        Assert.Equal(3, result.Samples.Count);
    }

    [Fact]
    public void Preflight_CaseTooLargeForDevice_FailsBeforeAllocatingWithBytesNeededAndAvailable()
    {
        using var small = new DeviceOverride(backends.Cpu, backends.Cpu.Device with { Kind = DeviceKind.Cuda, MemoryBytes = 1 << 20 });
        var c = new BenchmarkCase(KernelKind.Flash, 4096, false, AttentionPass.ForwardBackward, 1, 4, 64);
        var result = new BenchmarkEngine(small, new MeasurementOptions()).Run(c, null, TestContext.Current.CancellationToken);
        Assert.NotNull(result.Error);
        Assert.Contains(MemoryEstimate.BytesNeeded(c, small).ToString("N0", System.Globalization.CultureInfo.CurrentCulture), result.Error, StringComparison.Ordinal);
        Assert.Contains("1,048,576", result.Error, StringComparison.Ordinal);
        Assert.Equal(0, small.Allocations);
        Assert.Empty(result.Samples);
    }

    [Fact]
    public void Engine_InvalidCase_ThrowsNamingTheValue()
    {
        var engine = new BenchmarkEngine(backends.Cpu, new MeasurementOptions());
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => engine.Run(new BenchmarkCase(KernelKind.Flash, 64, false, AttentionPass.Forward, 1, 1, 80), null, TestContext.Current.CancellationToken));
        Assert.Contains("80", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0, 1.0, "min samples")]
    [InlineData(5, -1.0, "time budget")]
    public void MeasurementOptions_BadValue_NamesIt(int minSamples, double budget, string what)
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => new MeasurementOptions(minSamples, budget));
        Assert.Contains(what, ex.Message, StringComparison.Ordinal);
    }

    /// <summary>The real CPU backend reporting a different device (smaller memory, lower peak), counting allocations.</summary>
    private sealed class DeviceOverride(IAttentionBackend inner, DeviceInfo device) : IAttentionBackend
    {
        public int Allocations { get; private set; }

        public DeviceInfo Device => device;

        public bool Supports(Dtype dtype) => inner.Supports(dtype);

        public IDeviceTensor Allocate(long length)
        {
            Allocations++;
            return inner.Allocate(length);
        }

        public IDeviceTensor Upload(ReadOnlySpan<float> data)
        {
            Allocations++;
            return inner.Upload(data);
        }

        public void Download(IDeviceTensor tensor, Span<float> destination) => inner.Download(tensor, destination);

        public void Clear(IDeviceTensor tensor) => inner.Clear(tensor);

        public void Write(IDeviceTensor destination, ReadOnlySpan<float> source) => inner.Write(destination, source);

        public IIndexTensor AllocateIndices(long length)
        {
            Allocations++;
            return inner.AllocateIndices(length);
        }

        public void WriteIndices(IIndexTensor destination, ReadOnlySpan<int> source) => inner.WriteIndices(destination, source);

        public void DownloadIndices(IIndexTensor source, Span<int> destination) => inner.DownloadIndices(source, destination);

        public void LshCodes(IDeviceTensor x, IDeviceTensor projections, int rows, int headDim, int bits, IIndexTensor codes) =>
            inner.LshCodes(x, projections, rows, headDim, bits, codes);

        public void GatherRows(IDeviceTensor src, IIndexTensor index, int rows, int width, float fill, IDeviceTensor dst) =>
            inner.GatherRows(src, index, rows, width, fill, dst);

        public void ScatterAddRows(IDeviceTensor src, IIndexTensor index, int rows, int width, IDeviceTensor dst) =>
            inner.ScatterAddRows(src, index, rows, width, dst);

        public void MergeRows(IDeviceTensor partO, IDeviceTensor partLse, IIndexTensor index, int rows, int headDim, bool accumulate, IDeviceTensor o, IDeviceTensor lse) =>
            inner.MergeRows(partO, partLse, index, rows, headDim, accumulate, o, lse);

        public IAttentionPlan CreatePlan(IReadOnlyList<AttentionSegment> segments, int headDim, float scale) => inner.CreatePlan(segments, headDim, scale);

        public long PlanWorkspaceBytes(int queryRows, int keyRows, int headDim, bool backward) => inner.PlanWorkspaceBytes(queryRows, keyRows, headDim, backward);

        public void Synchronize() => inner.Synchronize();

        public void FlushCaches() => inner.FlushCaches();

        public void Dispose()
        {
        }
    }
}
