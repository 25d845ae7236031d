using HyperBench.Kernels.Backends;
using HyperBench.Kernels.Measurement;

namespace HyperBench.Kernels.Tests;

/// <summary>
/// The bwd pass (docs/measurement.md, "Passes"): each run's untimed preparation is the forward on the same inputs, and the timed
/// part is the backward alone. Shown structurally through a real backend whose plans and LSH primitive log their calls.
/// </summary>
public sealed class BackwardPassTests(BackendFixture backends)
{
    private static readonly HyperParameters SmallHyper = new(LshProjections: 3, BlockSize: 32, Samples: 16, MinSeqLen: 64);

    private static BenchmarkCase Case(KernelKind kernel, bool causal, AttentionPass pass, Dtype dtype = Dtype.Fp32) =>
        new(kernel, 256, causal, pass, 1, 2, 64, dtype, Seed: 7, Hyper: kernel == KernelKind.Hyper ? SmallHyper : null);

    [Theory]
    [InlineData(KernelKind.Flash, false)]
    [InlineData(KernelKind.Flash, true)]
    [InlineData(KernelKind.Hyper, false)]
    [InlineData(KernelKind.Hyper, true)]
    public void Workload_Bwd_ForwardInPreparationOnly_TimedPartIsTheBackward(KernelKind kernel, bool causal)
    {
        var log = new CallLog(backends.Cpu);
        using var workload = KernelWorkloads.Create(log, Case(kernel, causal, AttentionPass.Backward));
        for (int run = 0; run < 2; run++)
        {
            log.Clear();
            workload.Prepare();
            Assert.Contains("fwd", log.Events);
            Assert.DoesNotContain("bwd", log.Events);
            if (kernel == KernelKind.Hyper) Assert.Contains("lsh", log.Events);

            log.Clear();
            workload.Run();
            Assert.Contains("bwd", log.Events);
            Assert.DoesNotContain("fwd", log.Events);
            Assert.DoesNotContain("lsh", log.Events);
        }
    }

    [Theory]
    [InlineData(KernelKind.Flash)]
    [InlineData(KernelKind.Hyper)]
    public void Workload_FwdAndFwdbwd_PrepareNothing_RunEverything(KernelKind kernel)
    {
        var log = new CallLog(backends.Cpu);
        foreach (var pass in new[] { AttentionPass.Forward, AttentionPass.ForwardBackward })
        {
            using var workload = KernelWorkloads.Create(log, Case(kernel, true, pass));
            log.Clear();
            workload.Prepare();
            Assert.Empty(log.Events);
            workload.Run();
            int firstBackward = log.Events.IndexOf("bwd");
            Assert.Contains("fwd", log.Events);
            Assert.Equal(pass == AttentionPass.ForwardBackward, firstBackward >= 0);
            if (firstBackward >= 0) Assert.True(log.Events.LastIndexOf("fwd") < firstBackward, string.Join(" ", log.Events));
        }
    }

    /// <summary>
    /// Through the engine: every sample's flush comes after its forward, and the timed region (the synchronisation after the
    /// flush to the next synchronisation) holds backward launches and nothing of the forward.
    /// </summary>
    [Theory]
    [InlineData(KernelKind.Flash)]
    [InlineData(KernelKind.Hyper)]
    public void Engine_Bwd_EachSampleTimesTheBackwardAlone(KernelKind kernel)
    {
        var log = new CallLog(backends.Cpu);
        var c = Case(kernel, true, AttentionPass.Backward);
        var result = new BenchmarkEngine(log, new MeasurementOptions(minSamples: 3, budgetSeconds: 0, warmupRuns: 1, maxSamples: 3) { WarmupSeconds = 0 })
            .Run(c, null, TestContext.Current.CancellationToken);
        Assert.Null(result.Error);
        Assert.Equal(3, result.Samples.Count);

        var events = log.Events;
        var flushes = Enumerable.Range(0, events.Count).Where(i => events[i] == "flush").ToList();
        Assert.Equal(3, flushes.Count);
        int end = -1;
        foreach (int f in flushes)
        {
            // The run's forward came before its flush, after the previous run's timed region closed.
            int previousSync = events.FindLastIndex(f, e => e == "sync");
            Assert.Contains("fwd", events[(previousSync + 1)..f]);
            Assert.Equal("sync", events[f + 1]);
            end = events.FindIndex(f + 2, e => e == "sync");
            var timed = events[(f + 2)..end];
            Assert.Contains("bwd", timed);
            Assert.DoesNotContain("fwd", timed);
            Assert.DoesNotContain("lsh", timed);
        }
        // Up to the last sample (the accuracy check's reference runs follow it): the first run, one warm-up and three samples,
        // each a forward then a backward, never the other way round.
        var order = events[..end].Where(e => e is "fwd" or "bwd").ToList();
        var runs = order.Where((e, i) => i == 0 || order[i - 1] != e).ToList();
        Assert.Equal(Enumerable.Repeat(new[] { "fwd", "bwd" }, 5).SelectMany(x => x), runs);
    }

    [Theory]
    [InlineData(KernelKind.Flash, false)]
    [InlineData(KernelKind.Flash, true)]
    [InlineData(KernelKind.Hyper, false)]
    [InlineData(KernelKind.Hyper, true)]
    public void Engine_Bwd_GradientsAndAccuracyEqualFwdbwd_OnTheSameCase(KernelKind kernel, bool causal)
    {
        var options = new MeasurementOptions(minSamples: 1, budgetSeconds: 0, warmupRuns: 0, maxSamples: 1) { WarmupSeconds = 0, KeepTensors = true };
        var engine = new BenchmarkEngine(backends.Cpu, options);
        var bwd = engine.Run(Case(kernel, causal, AttentionPass.Backward), null, TestContext.Current.CancellationToken);
        var both = engine.Run(Case(kernel, causal, AttentionPass.ForwardBackward), null, TestContext.Current.CancellationToken);
        Assert.Null(bwd.Error);
        Assert.Null(both.Error);
        AssertSameOutputs(bwd, both);
    }

    [Theory]
    [InlineData(KernelKind.Flash, Dtype.Bf16, true)]
    [InlineData(KernelKind.Hyper, Dtype.Fp16, false)]
    public void Engine_Bwd_IlgpuCpuAtDtype_EqualsFwdbwd(KernelKind kernel, Dtype dtype, bool causal)
    {
        var options = new MeasurementOptions(minSamples: 1, budgetSeconds: 0, warmupRuns: 0, maxSamples: 1) { WarmupSeconds = 0, KeepTensors = true };
        CaseResult bwd, both;
        lock (backends.Gate)
        {
            var engine = new BenchmarkEngine(backends.IlgpuCpu, options);
            bwd = engine.Run(Case(kernel, causal, AttentionPass.Backward, dtype) with { N = 96 }, null, TestContext.Current.CancellationToken);
            both = engine.Run(Case(kernel, causal, AttentionPass.ForwardBackward, dtype) with { N = 96 }, null, TestContext.Current.CancellationToken);
        }
        Assert.Null(bwd.Error);
        Assert.Null(both.Error);
        AssertSameOutputs(bwd, both);
    }

    [Fact]
    public void Bwd_HasItsOwnCaseId_FlopsAndMemoryOfTheBackward()
    {
        foreach (var kernel in new[] { KernelKind.Flash, KernelKind.Hyper })
        {
            var fwd = new BenchmarkCase(kernel, 4096, true, AttentionPass.Forward, 1, 2, 64);
            var both = fwd with { Pass = AttentionPass.ForwardBackward };
            var bwd = fwd with { Pass = AttentionPass.Backward };
            Assert.Equal(3, new[] { fwd.Id, both.Id, bwd.Id }.Distinct().Count());
            Assert.Contains(";pass=bwd;", bwd.Canonical);
            Assert.Equal(2.5 * fwd.Flops, bwd.Flops);
            Assert.Equal(both.Flops - fwd.Flops, bwd.Flops);
            // The same tensors as fwdbwd: the untimed forward writes the O and lse the backward reads.
            Assert.Equal(MemoryEstimate.BytesNeeded(both, backends.Cpu), MemoryEstimate.BytesNeeded(bwd, backends.Cpu));
        }
    }

    /// <summary>
    /// The same outputs up to the order of parallel accumulation (the backends' scatter-adds are not bitwise reproducible), far
    /// below the error of any wrong pass: O and lse of the last run, the three gradients and the reported errors.
    /// </summary>
    private static void AssertSameOutputs(CaseResult bwd, CaseResult both)
    {
        var a = bwd.Tensors!;
        var b = both.Tensors!;
        AssertClose(b.O, a.O, "O");
        AssertClose(b.Lse, a.Lse, "lse");
        AssertClose(b.DQ!, a.DQ!, "dQ");
        AssertClose(b.DK!, a.DK!, "dK");
        AssertClose(b.DV!, a.DV!, "dV");
        Assert.Contains(a.DQ!, x => x != 0);
        // Exact flash at fp32 reports nothing; every other case reports O and the three gradients against fp32 flash.
        Assert.Equal(both.Accuracy?.Metrics.Select(m => m.Tensor), bwd.Accuracy?.Metrics.Select(m => m.Tensor));
        foreach (var (x, y) in (both.Accuracy?.Metrics ?? []).Zip(bwd.Accuracy?.Metrics ?? []))
            Assert.Equal(x.RelativeFrobenius, y.RelativeFrobenius, 1e-6 * Math.Max(1, x.RelativeFrobenius));
    }

    private static void AssertClose(float[] expected, float[] actual, string name)
    {
        Assert.Equal(expected.Length, actual.Length);
        double scale = Math.Max(1, expected.Where(float.IsFinite).Select(Math.Abs).DefaultIfEmpty(0).Max());
        for (int i = 0; i < expected.Length; i++)
        {
            if (expected[i] == actual[i]) continue;
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-5 * scale, $"{name}[{i}]: fwdbwd {expected[i]}, bwd {actual[i]}");
        }
    }

    /// <summary>A real backend whose plans, LSH primitive, flushes and synchronisations append to <see cref="Events"/>.</summary>
    private sealed class CallLog(IAttentionBackend inner) : IAttentionBackend
    {
        public List<string> Events { get; } = [];

        public void Clear() => Events.Clear();

        public DeviceInfo Device => inner.Device;

        public bool Supports(Dtype dtype) => inner.Supports(dtype);

        public IDeviceTensor Allocate(long length) => inner.Allocate(length);

        public IDeviceTensor Upload(ReadOnlySpan<float> data) => inner.Upload(data);

        public void Download(IDeviceTensor tensor, Span<float> destination) => inner.Download(tensor, destination);

        public void Clear(IDeviceTensor tensor) => inner.Clear(tensor);

        public void Write(IDeviceTensor destination, ReadOnlySpan<float> source) => inner.Write(destination, source);

        public IIndexTensor AllocateIndices(long length) => inner.AllocateIndices(length);

        public void WriteIndices(IIndexTensor destination, ReadOnlySpan<int> source) => inner.WriteIndices(destination, source);

        public void DownloadIndices(IIndexTensor source, Span<int> destination) => inner.DownloadIndices(source, destination);

        public void LshCodes(IDeviceTensor x, IDeviceTensor projections, int rows, int headDim, int bits, IIndexTensor codes)
        {
            Events.Add("lsh");
            inner.LshCodes(x, projections, rows, headDim, bits, codes);
        }

        public void GatherRows(IDeviceTensor src, IIndexTensor index, int rows, int width, float fill, IDeviceTensor dst) =>
            inner.GatherRows(src, index, rows, width, fill, dst);

        public void ScatterAddRows(IDeviceTensor src, IIndexTensor index, int rows, int width, IDeviceTensor dst) =>
            inner.ScatterAddRows(src, index, rows, width, dst);

        public void MergeRows(IDeviceTensor partO, IDeviceTensor partLse, IIndexTensor index, int rows, int headDim, bool accumulate, IDeviceTensor o, IDeviceTensor lse) =>
            inner.MergeRows(partO, partLse, index, rows, headDim, accumulate, o, lse);

        public IAttentionPlan CreatePlan(IReadOnlyList<AttentionSegment> segments, int headDim, float scale) =>
            new LoggedPlan(inner.CreatePlan(segments, headDim, scale), Events);

        public long PlanWorkspaceBytes(int queryRows, int keyRows, int headDim, bool backward) => inner.PlanWorkspaceBytes(queryRows, keyRows, headDim, backward);

        public void Synchronize()
        {
            Events.Add("sync");
            inner.Synchronize();
        }

        public void FlushCaches()
        {
            Events.Add("flush");
            inner.FlushCaches();
        }

        public void Dispose()
        {
        }
    }

    private sealed class LoggedPlan(IAttentionPlan inner, List<string> events) : IAttentionPlan
    {
        public IReadOnlyList<AttentionSegment> Segments => inner.Segments;

        public int HeadDim => inner.HeadDim;

        public void Forward(IDeviceTensor q, IDeviceTensor k, IDeviceTensor v, IDeviceTensor? keyBias, IDeviceTensor o, IDeviceTensor lse)
        {
            events.Add("fwd");
            inner.Forward(q, k, v, keyBias, o, lse);
        }

        public void Forward(Dtype dtype, IDeviceTensor q, IDeviceTensor k, IDeviceTensor v, IDeviceTensor? keyBias, IDeviceTensor o, IDeviceTensor lse)
        {
            events.Add("fwd");
            inner.Forward(dtype, q, k, v, keyBias, o, lse);
        }

        public void Backward(IDeviceTensor q, IDeviceTensor k, IDeviceTensor v, IDeviceTensor? keyBias, IDeviceTensor o, IDeviceTensor lse,
            IDeviceTensor dO, IDeviceTensor dq, IDeviceTensor dk, IDeviceTensor dv)
        {
            events.Add("bwd");
            inner.Backward(q, k, v, keyBias, o, lse, dO, dq, dk, dv);
        }

        public void Backward(Dtype dtype, IDeviceTensor q, IDeviceTensor k, IDeviceTensor v, IDeviceTensor? keyBias, IDeviceTensor o, IDeviceTensor lse,
            IDeviceTensor dO, IDeviceTensor dq, IDeviceTensor dk, IDeviceTensor dv)
        {
            events.Add("bwd");
            inner.Backward(dtype, q, k, v, keyBias, o, lse, dO, dq, dk, dv);
        }

        public void Dispose() => inner.Dispose();
    }
}
