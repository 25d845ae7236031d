using System.Text.Json;
using System.Text.Json.Serialization;
using HyperBench.Kernels.Backends;
using HyperBench.Kernels.Backends.Cpu;
using HyperBench.Kernels.Measurement;

namespace HyperBench.Kernels.Tests;

public sealed class DtypeTests
{
    [Theory]
    [InlineData("fp32", Dtype.Fp32)]
    [InlineData("tf32x3", Dtype.Tf32x3)]
    [InlineData("BF16", Dtype.Bf16)]
    [InlineData(" fp16 ", Dtype.Fp16)]
    public void Parse_CanonicalName_GivesTheDtype(string text, Dtype expected)
    {
        Assert.Equal(expected, DtypeNames.Parse(text));
        Assert.Equal(text.Trim().ToLowerInvariant(), expected.Name());
    }

    [Fact]
    public void Parse_UnknownName_ThrowsNamingItAndTheKnownOnes()
    {
        var ex = Assert.Throws<ArgumentException>(() => DtypeNames.Parse("fp8"));
        Assert.Contains("'fp8'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("fp32, tf32x3, bf16, fp16", ex.Message, StringComparison.Ordinal);
    }

    /// <summary>Stored cases write enums through the snake_case enum converter: it must spell a dtype as its canonical name.</summary>
    [Fact]
    public void StoredJsonSpelling_IsTheCanonicalName()
    {
        var options = new JsonSerializerOptions { Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) } };
        foreach (var d in DtypeNames.All)
        {
            Assert.Equal($"\"{d.Name()}\"", JsonSerializer.Serialize(d, options));
            Assert.Equal(d, JsonSerializer.Deserialize<Dtype>($"\"{d.Name()}\"", options));
        }
    }

    /// <summary>Pinned from main before Dtype became a type: stored fp32 results stay comparable.</summary>
    [Fact]
    public void CaseId_Fp32_UnchangedFromStringDtype()
    {
        var flash = new BenchmarkCase(KernelKind.Flash, 4096, false, AttentionPass.Forward, 1, 8, 64);
        var hyper = new BenchmarkCase(KernelKind.Hyper, 8192, true, AttentionPass.ForwardBackward, 1, 1, 64, Dtype.Fp32, "normal", 1, HyperParameters.Default);

        Assert.Equal("kernel=flash;n=4096;causal=0;pass=fwd;batch=1;heads=8;d=64;dtype=fp32;dist=normal;seed=1", flash.Canonical);
        Assert.Equal("24dd6a24777bb5e5", flash.Id);
        Assert.Equal("f0e8d33abd5e16fc", hyper.Id);
    }

    [Fact]
    public void Engine_DtypeTheBackendLacks_FailsNamingDtypeAndBackend_RunsNothing()
    {
        using var backend = new CpuBackend();
        var engine = new BenchmarkEngine(backend, new MeasurementOptions(1, 0, 1, 0) { WarmupSeconds = 0 });

        var result = engine.Run(new BenchmarkCase(KernelKind.Flash, 64, false, AttentionPass.Forward, 1, 1, 64, Dtype.Bf16), null, TestContext.Current.CancellationToken);

        Assert.False(backend.Supports(Dtype.Bf16));
        Assert.Empty(result.Samples);
        Assert.Equal("dtype bf16 is not implemented by the cpu backend (it implements: fp32).", result.Error);
        Assert.Equal(result.Error, BackendDtypes.Refusal(Dtype.Bf16, "cpu"));
    }
}
