using HyperBench.Kernels.Attention;
using HyperBench.Kernels.Backends;
using HyperBench.Kernels.Backends.Ilgpu;
using HyperBench.Kernels.Inputs;
using HyperBench.Kernels.Measurement;

namespace HyperBench.Kernels.Tests;

/// <summary>
/// The tensor-core dtypes end to end on the ILGPU CPU accelerator: a case's inputs rounded once and stored at its dtype, the
/// flash and hyper workloads through the plans' dtype forward and backward, against the double-precision reference on the rounded
/// inputs with the tensor-core tests' tolerances (<see cref="TensorCoreHost.OTolerance"/>, <see cref="TensorCoreHost.CheckGradient"/>).
/// </summary>
public sealed class DtypeWorkloadTests(BackendFixture backends)
{
    [Theory]
    [InlineData(Dtype.Bf16, 64, false)]
    [InlineData(Dtype.Fp16, 128, true)]
    [InlineData(Dtype.Tf32x3, 64, true)]
    public void FlashCase_IlgpuCpu_MatchesReferenceOnRoundedInputs_ReportsErrorAgainstFp32(Dtype dtype, int d, bool causal)
    {
        var c = new BenchmarkCase(KernelKind.Flash, 70, causal, AttentionPass.Forward, 1, 2, d, dtype);
        CaseResult result;
        lock (backends.Gate)
            result = new BenchmarkEngine(backends.IlgpuCpu, new MeasurementOptions(1, 0, 1, 0) { WarmupSeconds = 0, KeepTensors = true })
                .Run(c, null, TestContext.Current.CancellationToken);

        Assert.Null(result.Error);
        Assert.NotNull(result.Accuracy);
        var t = result.Tensors!;
        var shape = c.Shape();
        var generated = CaseInputs.Generate(shape, c.Distribution, c.Seed, false);
        var rounded = CaseInputs.Generate(shape, c.Distribution, c.Seed, false, dtype);
        // Rounded once, and the kernel's storage gives back exactly those values.
        Assert.Equal(rounded.Q, t.Q);
        Assert.Equal(rounded.V, t.V);
        if (dtype != Dtype.Tf32x3) Assert.NotEqual(generated.Q, t.Q);
        var expected = ReferenceAttention.Forward(shape, causal, t.Q, t.K, t.V);
        double errO = TestData.MaxAbsDiff(t.O, expected.O), errLse = TestData.MaxAbsDiff(t.Lse, expected.Lse);
        var precision = IlgpuBackend.Precision(dtype)!.Value;
        TestContext.Current.TestOutputHelper?.WriteLine($"{c}: max |dO| {errO:E2}, |dlse| {errLse:E2}, relative error vs fp32 flash {result.Accuracy.Metrics[0].RelativeFrobenius:E2}");
        Assert.True(errO <= TensorCoreHost.OTolerance(precision, t.V), $"O max abs error {errO:E2}");
        Assert.True(errLse <= TensorCoreHost.LseTolerance, $"lse max abs error {errLse:E2}");
        // The reported error is against fp32 flash on the same inputs: nonzero (P V is rounded), far below the input format's unit.
        var o = Assert.Single(result.Accuracy.Metrics);
        Assert.Equal("o", o.Tensor);
        Assert.InRange(o.RelativeFrobenius, 1e-9, dtype == Dtype.Bf16 ? 1e-2 : 2e-3);
    }

    [Theory]
    [InlineData(Dtype.Bf16, false)]
    [InlineData(Dtype.Fp16, true)]
    [InlineData(Dtype.Tf32x3, false)]
    public void Hyper_IlgpuCpu_AtDtype_MatchesSparseReferenceOfItsPattern(Dtype dtype, bool causal)
    {
        // Blocks of 32 and 16 samples at n = 200: several blocks, sampled keys, padding; causal with min_seq_len 64 adds leaves
        // and two levels. The pattern comes from LSH codes of the rounded values, so the sparse reference sees what ran.
        const int n = 200, d = 64;
        var shape = new AttentionShape(1, 2, n, d);
        var parameters = new HyperParameters(LshProjections: 3, BlockSize: 32, Samples: 16, MinSeqLen: 64);
        var inputs = CaseInputs.Generate(shape, "normal", 11, false, dtype);
        float[] o = new float[shape.TensorLength], lse = new float[shape.RowsLength];
        (int, int, float)[] pattern;
        lock (backends.Gate)
        {
            var backend = backends.IlgpuCpu;
            using var hyper = new HyperAttention(backend, shape, causal, parameters, 5, dtype);
            using IDeviceTensor q = backend.Upload(dtype.Pack(inputs.Q)), k = backend.Upload(dtype.Pack(inputs.K)), v = backend.Upload(dtype.Pack(inputs.V));
            using IDeviceTensor q32 = backend.Upload(inputs.Q), k32 = backend.Upload(inputs.K), v32 = backend.Upload(inputs.V);
            using IDeviceTensor to = backend.Allocate(shape.TensorLength), tl = backend.Allocate(shape.RowsLength);
            hyper.Forward(q, k, v, to, tl, (q32, k32, v32));
            backend.Synchronize();
            backend.Download(to, o);
            backend.Download(tl, lse);
            pattern = hyper.PatternEntries().ToArray();
        }
        var expected = SparseReference.Run(pattern, shape.RowsLength, d, shape.Scale, inputs.Q, inputs.K, inputs.V, null);
        double errO = TestData.MaxAbsDiff(o, expected.O), errLse = TestData.MaxAbsDiff(lse, expected.Lse);
        TestContext.Current.TestOutputHelper?.WriteLine($"hyper {dtype.Name()} causal={causal}: max |dO| {errO:E2}, |dlse| {errLse:E2}");
        Assert.True(errO <= TensorCoreHost.OTolerance(IlgpuBackend.Precision(dtype)!.Value, inputs.V), $"O max abs error {errO:E2}");
        Assert.True(errLse <= TensorCoreHost.LseTolerance, $"lse max abs error {errLse:E2}");
    }

    [Theory]
    [InlineData(Dtype.Bf16, 64, true)]
    [InlineData(Dtype.Fp16, 64, false)]
    [InlineData(Dtype.Tf32x3, 128, false)]
    public void FlashFwdbwd_IlgpuCpu_GradientsMatchReferenceOnRoundedInputs_ReportsGradientErrors(Dtype dtype, int d, bool causal)
    {
        // d 128 at 3xTF32 is the 32-key backward; n = 70 leaves a partial key group and a partial query tile.
        var c = new BenchmarkCase(KernelKind.Flash, 70, causal, AttentionPass.ForwardBackward, 1, 2, d, dtype);
        CaseResult result;
        lock (backends.Gate)
            result = new BenchmarkEngine(backends.IlgpuCpu, new MeasurementOptions(1, 0, 1, 0) { WarmupSeconds = 0, KeepTensors = true })
                .Run(c, null, TestContext.Current.CancellationToken);

        Assert.Null(result.Error);
        Assert.Null(BackendDtypes.Refusal(dtype, AttentionPass.ForwardBackward, "ilgpu-cpu"));
        var t = result.Tensors!;
        var shape = c.Shape();
        // dO is rounded once like Q, K, V, and its storage gives back exactly those values.
        var rounded = CaseInputs.Generate(shape, c.Distribution, c.Seed, true, dtype);
        Assert.Equal(rounded.DO, t.DO);
        if (dtype != Dtype.Tf32x3) Assert.NotEqual(CaseInputs.Generate(shape, c.Distribution, c.Seed, true).DO, t.DO);
        var segments = AttentionSegment.PerSlice(shape, causal);
        int rows = shape.RowsLength;
        var forward = ReferenceAttention.Forward(segments, d, shape.Scale, t.Q, t.K, t.V, default, rows);
        var entries = TensorCoreHost.Entries(segments, null).ToArray();
        // The backward read the tensor-core forward's O (D = rowsum(dO O)): the expected gradient is the exact one given that O.
        var expected = TensorCoreHost.GivenForwardO(ReferenceAttention.Backward(segments, d, shape.Scale, t.Q, t.K, t.V, default, t.DO!, rows, rows),
            entries, d, shape.Scale, t.Q, t.K, t.DO!, forward.O, forward.Lse, t.O);
        var bound = TensorCoreHost.Magnitudes(entries, rows, d, shape.Scale, t.Q, t.K, t.V, t.DO!, forward.O, forward.Lse);
        var precision = IlgpuBackend.Precision(dtype)!.Value;
        string label = c.ToString();
        TensorCoreHost.CheckGradient(precision, t.DQ!, expected.DQ, bound.DQ, "dQ", label);
        TensorCoreHost.CheckGradient(precision, t.DK!, expected.DK, bound.DK, "dK", label);
        TensorCoreHost.CheckGradient(precision, t.DV!, expected.DV, bound.DV, "dV", label);
        // Reported against fp32 flash on the same inputs, gradients included.
        var accuracy = result.Accuracy!;
        Assert.Equal(["o", "dq", "dk", "dv"], accuracy.Metrics.Select(m => m.Tensor));
        TestContext.Current.TestOutputHelper?.WriteLine($"{label}: relative error vs fp32 flash {string.Join(", ", accuracy.Metrics.Select(m => $"{m.Tensor} {m.RelativeFrobenius:E2}"))}");
        Assert.All(accuracy.Metrics, m => Assert.InRange(m.RelativeFrobenius, 1e-9, dtype == Dtype.Bf16 ? 2e-2 : 3e-3));
    }

    [Theory]
    [InlineData(Dtype.Bf16, true)]
    [InlineData(Dtype.Fp16, false)]
    [InlineData(Dtype.Tf32x3, false)]
    public void HyperFwdbwd_IlgpuCpu_AtDtype_GradientsMatchSparseReferenceOfItsPattern(Dtype dtype, bool causal)
    {
        // Blocks of 32 and 16 samples at n = 128: four blocks with sampled keys (and, causal with min_seq_len 64, leaves and a
        // level), so the levels gather 16-bit dO rows and scatter their gradients back.
        const int n = 128, d = 64;
        var shape = new AttentionShape(1, 2, n, d);
        var parameters = new HyperParameters(LshProjections: 3, BlockSize: 32, Samples: 16, MinSeqLen: 64);
        var inputs = CaseInputs.Generate(shape, "normal", 13, true, dtype);
        float[] o = new float[shape.TensorLength], dq = new float[shape.TensorLength], dk = new float[shape.TensorLength], dv = new float[shape.TensorLength];
        (int, int, float)[] pattern;
        lock (backends.Gate)
        {
            var backend = backends.IlgpuCpu;
            using var hyper = new HyperAttention(backend, shape, causal, parameters, 5, dtype);
            using IDeviceTensor q = backend.Upload(dtype.Pack(inputs.Q)), k = backend.Upload(dtype.Pack(inputs.K)), v = backend.Upload(dtype.Pack(inputs.V));
            using IDeviceTensor dO = backend.Upload(dtype.Pack(inputs.DO!));
            using IDeviceTensor q32 = backend.Upload(inputs.Q), k32 = backend.Upload(inputs.K), v32 = backend.Upload(inputs.V);
            using IDeviceTensor to = backend.Allocate(shape.TensorLength), lse = backend.Allocate(shape.RowsLength);
            using IDeviceTensor tdq = backend.Allocate(shape.TensorLength), tdk = backend.Allocate(shape.TensorLength), tdv = backend.Allocate(shape.TensorLength);
            hyper.Forward(q, k, v, to, lse, (q32, k32, v32));
            hyper.Backward(q, k, v, to, lse, dO, tdq, tdk, tdv);
            backend.Synchronize();
            backend.Download(to, o);
            backend.Download(tdq, dq);
            backend.Download(tdk, dk);
            backend.Download(tdv, dv);
            pattern = hyper.PatternEntries().ToArray();
        }
        int rows = shape.RowsLength;
        var sparse = SparseReference.Run(pattern, rows, d, shape.Scale, inputs.Q, inputs.K, inputs.V, inputs.DO);
        // The backward read the tensor-core forward's O: the expected gradient is the exact one given that O.
        var expected = TensorCoreHost.GivenForwardO(new ReferenceAttention.Gradients(sparse.DQ!, sparse.DK!, sparse.DV!), pattern, d, shape.Scale,
            inputs.Q, inputs.K, inputs.DO!, sparse.O, sparse.Lse, o);
        var bound = TensorCoreHost.Magnitudes(pattern, rows, d, shape.Scale, inputs.Q, inputs.K, inputs.V, inputs.DO!, sparse.O, sparse.Lse);
        var precision = IlgpuBackend.Precision(dtype)!.Value;
        string label = $"hyper {dtype.Name()} causal={causal}";
        TensorCoreHost.CheckGradient(precision, dq, expected.DQ, bound.DQ, "dQ", label);
        TensorCoreHost.CheckGradient(precision, dk, expected.DK, bound.DK, "dK", label);
        TensorCoreHost.CheckGradient(precision, dv, expected.DV, bound.DV, "dV", label);
    }

    [Fact]
    public void HyperFwdbwd_Bf16_ThroughTheWorkload_ReportsGradientErrorsAgainstFp32()
    {
        var c = new BenchmarkCase(KernelKind.Hyper, 128, true, AttentionPass.ForwardBackward, 1, 1, 64, Dtype.Bf16);
        CaseResult result;
        lock (backends.Gate)
            result = new BenchmarkEngine(backends.IlgpuCpu, new MeasurementOptions(1, 0, 1, 0) { WarmupSeconds = 0 }).Run(c, null, TestContext.Current.CancellationToken);

        Assert.Null(result.Error);
        var accuracy = result.Accuracy!;
        Assert.Equal(["o", "dq", "dk", "dv"], accuracy.Metrics.Select(m => m.Tensor));
        TestContext.Current.TestOutputHelper?.WriteLine($"{c}: {string.Join(", ", accuracy.Metrics.Select(m => $"{m.Tensor} {m.RelativeFrobenius:E2}"))}");
        Assert.All(accuracy.Metrics, m => Assert.InRange(m.RelativeFrobenius, 1e-9, 2e-2));
    }

    [Theory]
    [InlineData(Dtype.Fp32, 4)]
    [InlineData(Dtype.Tf32x3, 4)]
    [InlineData(Dtype.Bf16, 2)]
    [InlineData(Dtype.Fp16, 2)]
    public void Storage_PackThenUnpack_GivesTheRoundedValues_AtTheElementSize(Dtype dtype, int bytes)
    {
        var x = InputGenerator.Normal(33, 4);
        dtype.Round(x);
        var words = dtype.Pack(x);
        var back = new float[x.Length];
        dtype.Unpack(words, back);

        Assert.Equal(bytes, dtype.ElementBytes());
        Assert.Equal(dtype.StoredWords(x.Length), words.Length);
        Assert.Equal(x, back);
    }

    [Fact]
    public void MemoryEstimate_Bf16_InputsAtTwoBytes_PlusFp32CopiesForTheReference()
    {
        var fp32 = new BenchmarkCase(KernelKind.Flash, 1024, false, AttentionPass.Forward, 1, 2, 64);
        var bf16 = fp32 with { Dtype = Dtype.Bf16 };
        long tensor = 4L * 2 * 1024 * 64, rows = 4L * 2 * 1024;

        Assert.Equal(4 * tensor + rows, MemoryEstimate.TensorBytes(fp32));
        Assert.Equal(3 * tensor / 2 + tensor + rows, MemoryEstimate.TensorBytes(bf16));
        // fwdbwd: dO is stored at the dtype too (and copied to fp32 for the reference); O, dQ, dK, dV stay fp32.
        Assert.Equal(4 * tensor / 2 + 4 * tensor + rows, MemoryEstimate.TensorBytes(bf16 with { Pass = AttentionPass.ForwardBackward }));
        // bf16 flash adds the fp32 reference's O and lse and the fp32 copies of Q, K, V it reads.
        Assert.Equal(MemoryEstimate.BytesNeeded(fp32, backends.Cpu) - 4 * tensor - rows + MemoryEstimate.TensorBytes(bf16) + tensor + rows + 3 * tensor,
            MemoryEstimate.BytesNeeded(bf16, backends.Cpu));
    }

    [Fact]
    public void PeakFlops_PerDtype_TensorCorePeaksOnlyWhereThereAreTensorCores()
    {
        var h200 = new DeviceInfo(DeviceKind.Cuda, "cuda:0", "H200", 1, 67e12, "", 495e12);
        var cpu = new DeviceInfo(DeviceKind.IlgpuCpu, "ilgpu-cpu", "cpu", 1, 1e12, "");

        Assert.Equal(67e12, h200.PeakFlops(Dtype.Fp32));
        Assert.Equal(165e12, h200.PeakFlops(Dtype.Tf32x3), 1e6);
        Assert.Equal(990e12, h200.PeakFlops(Dtype.Bf16));
        Assert.Equal(990e12, h200.PeakFlops(Dtype.Fp16));
        Assert.All(DtypeNames.All, t => Assert.Equal(1e12, cpu.PeakFlops(t)));
    }
}
