using HyperBench.Kernels.Backends;

namespace HyperBench.Kernels.Tests;

/// <summary>Every device spelling, parsed in one place: what each means, its canonical form, and the message for a bad one.</summary>
public sealed class DeviceSpecTests
{
    [Theory]
    [InlineData("auto", null, null, null, "auto")]
    [InlineData("cpu", DeviceKind.Cpu, null, null, "cpu")]
    [InlineData(" CPU ", DeviceKind.Cpu, null, null, "cpu")]
    [InlineData("ilgpu-cpu", DeviceKind.IlgpuCpu, null, null, "ilgpu-cpu")]
    [InlineData("cuda", DeviceKind.Cuda, null, null, "cuda")]
    [InlineData("cuda:0", DeviceKind.Cuda, 0, null, "cuda:0")]
    [InlineData("CUDA:12", DeviceKind.Cuda, 12, null, "cuda:12")]
    [InlineData("10.0.0.5:11111/cuda:1", DeviceKind.Cuda, 1, "10.0.0.5:11111", "10.0.0.5:11111/cuda:1")]
    [InlineData("Node-A:11111/cpu", DeviceKind.Cpu, null, "node-a:11111", "node-a:11111/cpu")]
    [InlineData("cpu:1", DeviceKind.Cpu, 1, null, "cpu:1")]
    [InlineData("sim", DeviceKind.Simulated, null, null, "sim")]
    [InlineData("SIM:255", DeviceKind.Simulated, 255, null, "sim:255")]
    [InlineData("h:1/sim:3", DeviceKind.Simulated, 3, "h:1", "h:1/sim:3")]
    public void Parse_KnownSpelling_GivesKindIndexSiloAndCanonicalText(string text, DeviceKind? kind, int? index, string? silo, string canonical)
    {
        var spec = DeviceSpec.Parse(text);

        Assert.Equal((kind, index, silo), (spec.Kind, spec.Index, spec.Silo));
        Assert.Equal(canonical, spec.ToString());
        Assert.Equal(spec, DeviceSpec.Parse(spec.ToString()));
    }

    [Theory]
    [InlineData("tpu", "device 'tpu' is not known; use one of: auto, cuda, cuda:<i>, ilgpu-cpu, cpu, cpu:<i>, sim:<i>.")]
    [InlineData("", "device '' is not known")]
    [InlineData("cuda:-1", "device 'cuda:-1': the index must be a non-negative integer (cuda:0, cuda:1, ...)")]
    [InlineData("cuda:x", "device 'cuda:x': the index must be")]
    [InlineData("cuda: 1", "device 'cuda: 1': the index must be")]
    [InlineData("sim:x", "device 'sim:x': the index must be a non-negative integer (sim:0, sim:1, ...)")]
    [InlineData("ilgpu-cpu:1", "device 'ilgpu-cpu:1' is not known")]
    [InlineData("/cpu", "device '/cpu' is not a device key")]
    [InlineData("h:1/auto", "device 'h:1/auto' is not a device key")]
    [InlineData("h:1/gpu", "device 'h:1/gpu' is not known")]
    public void TryParse_BadSpelling_FailsWithMessageNamingTheValue(string text, string message)
    {
        Assert.False(DeviceSpec.TryParse(text, out var spec, out var error));
        Assert.Null(spec);
        Assert.StartsWith(message, error, StringComparison.Ordinal);
        var thrown = Assert.Throws<ArgumentException>(() => DeviceSpec.Parse(text));
        Assert.StartsWith(message, thrown.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("cuda", "h:1/cuda:3", true)]
    [InlineData("cuda", "h:1/cpu", false)]
    [InlineData("cuda:1", "h:1/cuda:1", true)]
    [InlineData("cuda:1", "h:2/cuda:1", true)]
    [InlineData("cuda:1", "h:1/cuda:0", false)]
    [InlineData("cpu", "h:1/cpu", true)]
    [InlineData("cpu", "h:1/ilgpu-cpu", false)]
    [InlineData("cpu", "h:1/cpu:1", true)]
    [InlineData("cpu:1", "h:1/cpu:1", true)]
    [InlineData("cpu:1", "h:1/cpu:0", false)]
    [InlineData("cpu:1", "h:1/cpu", false)]
    [InlineData("sim", "h:1/sim:9", true)]
    [InlineData("sim", "h:1/cpu", false)]
    [InlineData("ilgpu-cpu", "h:1/ilgpu-cpu", true)]
    [InlineData("h:1/cuda:0", "h:1/cuda:0", true)]
    [InlineData("H:1/CUDA:0", "h:1/cuda:0", true)]
    [InlineData("h:1/cuda:0", "h:2/cuda:0", false)]
    [InlineData("h:1/cuda", "h:1/cuda:5", true)]
    [InlineData("auto", "h:1/ilgpu-cpu", true)]
    public void Matches_PlanFilter_AdmitsTheDevicesItNames(string filter, string deviceKey, bool expected) =>
        Assert.Equal(expected, DeviceSpec.Parse(filter).Matches(DeviceSpec.Parse(deviceKey)));

    [Theory]
    [InlineData("cuda:2", "cuda:2")]
    [InlineData("cuda", "cuda:0")]
    [InlineData("CPU", "cpu")]
    [InlineData("ilgpu-cpu", "ilgpu-cpu")]
    public void Resolve_LocalSpelling_IsTheDeviceABackendOpens(string text, string opened)
    {
        var device = BackendFactory.Resolve(text);

        Assert.Equal(opened, device.ToString());
        Assert.True(device.IsConcrete);
    }

    [Theory]
    [InlineData("h:1/cpu", "--device 'h:1/cpu' is a device key of a cluster")]
    [InlineData("warp", "--device 'warp' is not known")]
    public void Resolve_NotALocalDevice_ThrowsNamingIt(string text, string message)
    {
        var thrown = Assert.Throws<ArgumentException>(() => BackendFactory.Resolve(text));
        Assert.StartsWith(message, thrown.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void OfKind_EveryKind_IsTheKindAloneAndRoundTrips()
    {
        Assert.Equal(["cuda", "ilgpu-cpu", "cpu", "sim"], Enum.GetValues<DeviceKind>().Select(k => DeviceSpec.OfKind(k).ToString()));
        Assert.All(Enum.GetValues<DeviceKind>(), k => Assert.Equal(k, DeviceSpec.Parse(DeviceSpec.OfKind(k).ToString()).Kind));
    }
}
