using HyperBench.Kernels.Backends;
using HyperBench.Kernels.Telemetry;

namespace HyperBench.Kernels.Tests;

/// <summary>GPU telemetry without a GPU: the bitmask words, the throttle rule, PCI ids, the summary, the recording, NVML's absence.</summary>
public sealed class TelemetryTests
{
    private static readonly DateTime T0 = new(2026, 12, 1, 12, 0, 0, DateTimeKind.Utc);

    [Fact]
    public void ThrottleReasons_Values_AreNvmlsBits()
    {
        // nvml.h: nvmlClocksThrottleReasonGpuIdle 0x1 ... DisplayClockSetting 0x100 (ILGPU.Algorithms' NvmlClocksThrottleReasons agrees).
        Assert.Equal([0x1UL, 0x2, 0x4, 0x8, 0x10, 0x20, 0x40, 0x80, 0x100], ThrottleReasonNames.All.Select(r => (ulong)r));
        Assert.Equal((ulong)ILGPU.Runtime.Cuda.NvmlClocksThrottleReasons.SwPowerCap, (ulong)ThrottleReasons.SwPowerCap);
        Assert.Equal((ulong)ILGPU.Runtime.Cuda.NvmlClocksThrottleReasons.HwPowerBrakeSlowdown, (ulong)ThrottleReasons.HwPowerBrakeSlowdown);
        Assert.Equal((ulong)ILGPU.Runtime.Cuda.NvmlClocksThrottleReasons.DisplayClockSetting, (ulong)ThrottleReasons.DisplayClockSetting);
    }

    [Theory]
    [InlineData(0x0UL, "none")]
    [InlineData(0x1UL, "gpu_idle")]
    [InlineData(0x4UL, "sw_power_cap")]
    [InlineData(0x5UL, "gpu_idle+sw_power_cap")]
    [InlineData(0x1E8UL, "hw_slowdown+sw_thermal_slowdown+hw_thermal_slowdown+hw_power_brake_slowdown+display_clock_setting")]
    [InlineData(0x212UL, "applications_clocks_setting+sync_boost+0x200")]
    public void Text_Bitmask_NamesEveryBitInOrder(ulong mask, string expected) => Assert.Equal(expected, ThrottleReasonNames.Text(mask));

    [Theory]
    [InlineData(0x0UL, false)]
    [InlineData(0x1UL, false)]   // idle: nothing was running
    [InlineData(0x2UL, false)]   // application clocks: a configured clock
    [InlineData(0x100UL, false)] // display clocks: a configured clock
    [InlineData(0x103UL, false)]
    [InlineData(0x4UL, true)]    // power cap
    [InlineData(0x5UL, true)]    // idle with a power cap: still throttled
    [InlineData(0x8UL, true)]
    [InlineData(0x10UL, true)]   // sync boost lowers this GPU's clocks to a group's
    [InlineData(0x20UL, true)]
    [InlineData(0x40UL, true)]
    [InlineData(0x80UL, true)]
    [InlineData(0x200UL, true)]  // a reason newer than this build: counted, not ignored
    public void IsThrottled_Bitmask_AnyReasonButIdleAndClockSettings(ulong mask, bool throttled)
    {
        Assert.Equal(throttled, ThrottleReasonNames.IsThrottled(mask));
        Assert.Equal(throttled, new TelemetrySample(T0, 1980, 2619, 40, 300, mask).Throttled);
    }

    [Fact]
    public void Throttled_NoMaskReported_IsNotMarked() => Assert.False(new TelemetrySample(T0, 1980, null, null, null, null).Throttled);

    [Fact]
    public void Summary_Samples_RangesMaximaThrottledCountAndReasons()
    {
        TelemetrySample[] samples =
        [
            new(T0, 1980, 2619, 41, 120.5, 0x1),
            new(T0.AddMilliseconds(100), 1755, 2619, 63, 699.25, 0x4),
            new(T0.AddMilliseconds(200), null, 2619, null, null, null), // a reading with nothing reported
            new(T0.AddMilliseconds(300), 1410, 2619, 71, 650.0, 0x44),
            new(T0.AddMilliseconds(400), 1980, 2619, 52, 300.0, 0x0),
        ];

        var summary = TelemetrySummary.Of(samples);

        Assert.Equal(new TelemetrySummary(5, 1410, 1980, 71, 699.25, 2, 0x45), summary);
        Assert.Equal("sw_power_cap+hw_thermal_slowdown", summary.ThrottleReasonsText); // idle left out of the throttling reasons
        Assert.Equal(summary, new CaseTelemetry(samples, null).Summary);
    }

    [Fact]
    public void Summary_NoSamples_CountsZeroAndNullRanges()
    {
        var summary = TelemetrySummary.Of([]);

        Assert.Equal(new TelemetrySummary(0, null, null, null, null, 0, 0), summary);
        Assert.Equal("", summary.ThrottleReasonsText);
    }

    [Theory]
    [InlineData("00000000:3B:00.0", "00000000:3B:00.0", "0000:3b:00.0")]
    [InlineData("0000:3b:00.0", "00000000:3B:00.0", "0000:3b:00.0")]
    [InlineData("3b:00.0", "00000000:3B:00.0", "0000:3b:00.0")]
    [InlineData("0001:c1:1f", "00000001:C1:1F.0", "0001:c1:1f.0")]
    [InlineData(" 00000000:18:00.1 ", "00000000:18:00.1", "0000:18:00.1")]
    public void PciBusId_NvmlSysfsAndShortSpellings_NormaliseToNvmlsForm(string text, string nvml, string sysfs)
    {
        var id = PciBusId.Parse(text);

        Assert.Equal(nvml, id.ToString());
        Assert.Equal(sysfs, id.ToShortString());
        Assert.Equal(nvml, PciBusId.Normalize(text));
    }

    [Fact]
    public void PciBusId_FromIlgpuNumbers_EqualsNvmlsSpellingOfTheSameDevice()
    {
        // ILGPU gives domain 0, bus 0x3b, device 0; NVML and DCGM name it 00000000:3B:00.0.
        Assert.Equal(PciBusId.Parse("00000000:3B:00.0"), PciBusId.FromIlgpu(0, 0x3b, 0));
        Assert.Equal("00000000:3B:00.0", PciBusId.FromIlgpu(0, 59, 0).ToString());
    }

    [Theory]
    [InlineData("")]
    [InlineData("3b")]
    [InlineData("000000000:3b:00.0")] // 9-digit domain
    [InlineData("0000:3bb:00.0")]
    [InlineData("0000:3b:20.0")]      // device above 31
    [InlineData("0000:3b:00.8")]      // function above 7
    [InlineData("0000:xx:00.0")]
    [InlineData("0000:3b:00.0.1")]
    public void PciBusId_NotAnAddress_RefusedNamingTheText(string text)
    {
        Assert.False(PciBusId.TryParse(text, out _));
        var error = Assert.Throws<FormatException>(() => PciBusId.Parse(text));
        Assert.Contains($"'{text}'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromIlgpu_BusOutOfRange_Throws() => Assert.Throws<ArgumentOutOfRangeException>(() => PciBusId.FromIlgpu(0, 256, 0));

    [Fact]
    public void Recording_StartedThenStopped_HasAReadingAtEachEndInOrder()
    {
        int reads = 0;
        var recording = TelemetryRecording.Sampling(() =>
        {
            int i = Interlocked.Increment(ref reads);
            return new TelemetrySample(T0.AddMilliseconds(i), 1000 + i, 2619, 40, 100, i % 2 == 0 ? 0x4UL : 0x1UL);
        }, TimeSpan.FromHours(1)); // no periodic reading within this test: only the two ends

        var telemetry = recording.Stop();

        Assert.Null(telemetry.UnavailableReason);
        Assert.Equal([1001, 1002], telemetry.Samples.Select(s => s.SmClockMhz));
        Assert.Equal([false, true], telemetry.Samples.Select(s => s.Throttled));
        Assert.Same(telemetry, recording.Stop());
        recording.Dispose();
        Assert.Equal(2, reads);
    }

    [Fact]
    public void Recording_ReadingThrows_LeavesThatReadingOut()
    {
        int reads = 0;
        using var recording = TelemetryRecording.Sampling(() =>
            Interlocked.Increment(ref reads) == 1 ? throw new InvalidOperationException("GPU is lost") : new TelemetrySample(T0, 1, 1, 1, 1, 0), TimeSpan.FromHours(1));

        Assert.Single(recording.Stop().Samples);
    }

    [Theory]
    [InlineData(DeviceKind.Cpu, "cpu")]
    [InlineData(DeviceKind.IlgpuCpu, "ilgpu-cpu")]
    public void For_CpuDevices_NoTelemetryBecauseCpuDevice(DeviceKind kind, string id)
    {
        using var telemetry = DeviceTelemetry.For(new DeviceInfo(kind, id, "EPYC", 1L << 30, 1e11, "2 cores"), TimeSpan.FromMilliseconds(100));
        using var recording = telemetry.Start();

        var result = recording.Stop();
        Assert.Equal("cpu device", telemetry.UnavailableReason);
        Assert.Empty(result.Samples);
        Assert.Equal("cpu device", result.UnavailableReason);
    }

    [Fact]
    public void Open_NoNvmlLibraryOnThisMachine_UnavailableWithTheReason()
    {
        // This machine has no NVIDIA driver: creating the sampler must answer "unavailable" and why, not throw.
        Assert.SkipWhen(File.Exists("/usr/lib/x86_64-linux-gnu/libnvidia-ml.so.1") || File.Exists("/usr/lib64/libnvidia-ml.so.1"),
            "libnvidia-ml is installed here");

        using var telemetry = NvmlDeviceTelemetry.Open(PciBusId.Parse("00000000:3B:00.0"), TimeSpan.FromMilliseconds(100));

        TestContext.Current.TestOutputHelper?.WriteLine(telemetry.UnavailableReason ?? "");
        Assert.IsType<NoDeviceTelemetry>(telemetry);
        Assert.StartsWith("NVML unavailable: ", telemetry.UnavailableReason, StringComparison.Ordinal);
        Assert.Contains("nvidia-ml", telemetry.UnavailableReason, StringComparison.Ordinal);
        using var recording = telemetry.Start();
        var result = recording.Stop();
        Assert.Empty(result.Samples);
        Assert.Equal(telemetry.UnavailableReason, result.UnavailableReason);
    }

    [Fact]
    public void For_CudaDeviceWithoutNvml_UnavailableNotAnException()
    {
        Assert.SkipWhen(File.Exists("/usr/lib/x86_64-linux-gnu/libnvidia-ml.so.1") || File.Exists("/usr/lib64/libnvidia-ml.so.1"),
            "libnvidia-ml is installed here");
        var h200 = new DeviceInfo(DeviceKind.Cuda, "cuda:0", "NVIDIA H200", 141L << 30, 6.7e13, "sm_90", 4.9e14, PciBusId.FromIlgpu(0, 0x3b, 0));

        using var telemetry = DeviceTelemetry.For(h200, TimeSpan.FromMilliseconds(50));

        Assert.StartsWith("NVML unavailable: ", telemetry.UnavailableReason, StringComparison.Ordinal);
    }
}
