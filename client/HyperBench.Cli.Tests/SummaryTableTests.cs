using System.Globalization;
using HyperBench.Cli.Exporters;
using HyperBench.Kernels.Measurement;
using HyperBench.Storage;
using Spectre.Console;

namespace HyperBench.Cli.Tests;

/// <summary>The console summary: fitted to the width, the interpretable error by default, noisy timings marked.</summary>
public sealed class SummaryTableTests
{
    [Theory]
    [InlineData(80)]
    [InlineData(100)]
    [InlineData(120)]
    [InlineData(220)]
    public void Write_AnyWidthFromEighty_NoLineLongerThanTheWidthAndEssentialsKept(int width)
    {
        string text = Render(Lines(), width);

        TestContext.Current.TestOutputHelper?.WriteLine(text);
        Assert.All(text.Split('\n'), l => Assert.True(l.TrimEnd('\r').Length <= width, $"{l.Length} > {width}: {l}"));
        // TFLOP/s may go at the narrowest (the exports keep it); the median and its 20th percentile stay.
        foreach (var header in new[] { "n", "kernel", "causal", "pass", "median", "p20", "speed-up", "‖E‖₂/‖V‖₂" }.Concat(width >= 100 ? ["TFLOP/s"] : []))
            Assert.Contains(header, HeaderRow(text), StringComparison.Ordinal);
        Assert.Contains("131072", text, StringComparison.Ordinal);
        Assert.Contains("21.90×", text, StringComparison.Ordinal); // 1.2 s / 54.8 ms
    }

    [Theory]
    [InlineData(80)]
    [InlineData(220)]
    public void Write_AnyWidth_P20AndItsSpeedupBesideTheMedian(int width)
    {
        string text = Render(Lines(), width);

        Assert.Contains("p20", HeaderRow(text), StringComparison.Ordinal);
        Assert.Contains(width >= 100 ? "speed-up p20" : "p20×", HeaderRow(text), StringComparison.Ordinal);
        Assert.Contains(" = flash p20 / hyper p20", Unwrapped(text), StringComparison.Ordinal);
        Assert.Contains("50.00 ms", Row(text, "hyper"), StringComparison.Ordinal); // its p20
        Assert.Contains("1.180 s", Row(text, "flash"), StringComparison.Ordinal);
        Assert.Contains("23.60×", Row(text, "hyper"), StringComparison.Ordinal); // 1.18 s / 50 ms
    }

    [Fact]
    public void From_StoredFlashAndHyperRows_SpeedupFromMediansAndFromP20s()
    {
        var flash = Row("flash", causal: false, median: 0.30, cv: 0.01);
        flash.P20Seconds = 0.28;
        var hyper = Row("hyper", causal: false, median: 0.10, cv: 0.01);
        hyper.P20Seconds = 0.07;
        hyper.HyperParameters = "r=7;b=256;m=256;min_seq_len=4096;sampling=uniform;order=gray;short_exact=1";

        var lines = SweepSummary.From([flash, hyper]);

        var h = lines.Single(l => l.Kernel == "hyper");
        Assert.Equal((0.10, 0.07), (h.MedianSeconds, h.P20Seconds));
        Assert.Equal(3.0, h.Speedup!.Value, 12);
        Assert.Equal(4.0, h.SpeedupP20!.Value, 12);
        Assert.Equal(("gray", "once", true, "exact"), (h.BucketOrder, h.Resample, h.ShortExact, h.Gradient));
        Assert.Null(lines.Single(l => l.Kernel == "flash").SpeedupP20);
        Assert.Null(lines.Single(l => l.Kernel == "flash").BucketOrder);
    }

    [Fact]
    public void Write_Wide_ShowsEveryColumnAndNoNarrowingNote()
    {
        string text = Render(Lines(), 220);

        foreach (var header in new[] { "b×h×d", "dist", "device", "95% CI median", "CV", "samples", "O cos", "status" })
            Assert.Contains(header, HeaderRow(text), StringComparison.Ordinal);
        Assert.DoesNotContain("left out", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Write_Eighty_MovesSharedShapeAndDeviceAboveAndNamesTheFullExport()
    {
        string text = Render(Lines(), 80);

        Assert.DoesNotContain("95% CI", text, StringComparison.Ordinal);
        Assert.Contains("batch×heads×d 1×32×64", text, StringComparison.Ordinal);
        Assert.Contains("NVIDIA H200 (cuda:0)", Unwrapped(text), StringComparison.Ordinal);
        Assert.Contains("hyperbench results s1 --format csv|json", Unwrapped(text), StringComparison.Ordinal);
    }

    [Fact]
    public void Write_HyperCase_ShowsSpectralErrorNotFrobeniusAndExplainsIt()
    {
        string text = Render(Lines(), 220);

        string hyperRow = Row(text, "hyper");
        Assert.Contains("0.421", hyperRow, StringComparison.Ordinal);  // ‖E‖₂/‖V‖₂
        Assert.DoesNotContain("5.02", hyperRow, StringComparison.Ordinal); // the Frobenius ratio: in CSV/JSON only
        Assert.Contains("docs/accuracy.md", text, StringComparison.Ordinal);
        Assert.Contains("sqrt(n)", Unwrapped(text), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(80)]
    [InlineData(220)]
    public void Write_CaseWithCvOfTwentyPercent_MarkedNoisyWithAFooterOnCleanerNumbers(int width)
    {
        string text = Render(Lines(), width);

        Assert.Contains("~54.80 ms", Row(text, "hyper"), StringComparison.Ordinal);
        Assert.DoesNotContain("~", Row(text, "flash"), StringComparison.Ordinal);
        string footer = Unwrapped(text);
        Assert.Contains("~ noisy timing (1 of 2 cases: 1 with a CV of 20% or more)", footer, StringComparison.Ordinal);
        Assert.Contains("--min-samples", footer, StringComparison.Ordinal);
        Assert.Contains("--budget", footer, StringComparison.Ordinal);
        Assert.Contains("quiet machine", footer, StringComparison.Ordinal);
        Assert.Contains("CPU frequency", footer, StringComparison.Ordinal);
    }

    [Fact]
    public void Write_NoNoisyCase_NoMarkerNoFooter()
    {
        var lines = Lines().Select(l => l with { Cv = 0.02, Noise = null }).ToList();

        string text = Render(lines, 80);

        Assert.DoesNotContain("~", text, StringComparison.Ordinal);
        Assert.DoesNotContain("noisy", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0.199, null)]
    [InlineData(0.20, "CV 20% >= 20%")]
    [InlineData(0.35, "CV 35% >= 20%")]
    public void Noise_CoefficientOfVariation_FlaggedFromTwentyPercent(double cv, string? expected) =>
        Assert.Equal(expected, SweepSummary.Noise(cv, 1.0, null));

    [Fact]
    public void From_CausalFlashNoFasterThanNonCausal_MarkedNoisy()
    {
        var rows = new[]
        {
            Row("flash", causal: false, median: 0.010, cv: 0.01),
            Row("flash", causal: true, median: 0.011, cv: 0.01),
            Row("flash", causal: true, median: 0.004, cv: 0.01, n: 2048),
            Row("flash", causal: false, median: 0.009, cv: 0.01, n: 2048),
        };

        var lines = SweepSummary.From(rows);

        var slow = Assert.Single(lines, l => l.Noise is not null);
        Assert.True(slow.Causal);
        Assert.Equal(1024, slow.N);
        Assert.StartsWith("causal no faster than non-causal", slow.Noise, StringComparison.Ordinal);
    }

    [Fact]
    public void From_StoredRow_CarriesHyperParametersSeedSweepAndDevice()
    {
        var row = Row("hyper", causal: false, median: 0.01, cv: 0.05);
        row.HyperParameters = "r=7;b=256;m=128;min_seq_len=4096;sampling=value-norm";
        row.Seed = -1; // a ulong seed above long.MaxValue, as the store keeps it

        var line = Assert.Single(SweepSummary.From([row]));

        Assert.Equal((7, 256, 128, 4096, "value-norm"), (line.R, line.B, line.M, line.MinSeqLen, line.Sampling));
        Assert.Equal(ulong.MaxValue, line.Seed);
        Assert.Equal("s1", line.SweepId);
        Assert.Equal(("AMD EPYC 9654 96-Core Processor", "cpu", "96 cores, AVX-512"), (line.Device, line.DeviceId, line.DeviceDetail));
        Assert.Equal((0.421, 0.135), (line.SpectralOverV!.Value, line.MeanRowCosine!.Value));
    }

    internal static List<ResultLine> Lines() =>
    [
        new()
        {
            SweepId = "s1", CaseId = "f", Kernel = "flash", N = 131072, Causal = false, Pass = "fwdbwd", Heads = 32, Seed = 1,
            Device = "NVIDIA H200", DeviceId = "cuda:0", DeviceDetail = "sm_90, 132 SMs", Status = ResultStatus.Ok,
            MedianSeconds = 1.2, P20Seconds = 1.18, CiLowSeconds = 1.19, CiHighSeconds = 1.21, Cv = 0.01, Samples = 25, Tflops = 412.3,
        },
        new()
        {
            SweepId = "s1", CaseId = "h", Kernel = "hyper", N = 131072, Causal = false, Pass = "fwdbwd", Heads = 32, Seed = 1,
            R = 7, B = 256, M = 256, MinSeqLen = 4096, Sampling = "uniform",
            Device = "NVIDIA H200", DeviceId = "cuda:0", DeviceDetail = "sm_90, 132 SMs", Status = ResultStatus.Ok,
            MedianSeconds = 0.0548, P20Seconds = 0.05, CiLowSeconds = 0.05, CiHighSeconds = 0.07, Cv = 0.20, Samples = 25, Tflops = 9030,
            Speedup = 1.2 / 0.0548, SpeedupP20 = 1.18 / 0.05, RelativeError = 5.015, SpectralOverV = 0.421, MeanRowCosine = 0.135, Noise = SweepSummary.Noise(0.20, 0.0548, null),
        },
    ];

    internal static string Render(IReadOnlyList<ResultLine> lines, int width)
    {
        var writer = new StringWriter(CultureInfo.InvariantCulture);
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(writer),
        });
        console.Profile.Width = width;
        console.Profile.Capabilities.Unicode = true;
        SummaryTable.Write(console, lines, "s1");
        return writer.ToString();
    }

    private static string HeaderRow(string text) => text.Split('\n').First(l => l.Contains("kernel", StringComparison.Ordinal));

    private static string Row(string text, string kernel) =>
        text.Split('\n').Single(l => l.Contains("131072", StringComparison.Ordinal) && l.Contains($" {kernel} ", StringComparison.Ordinal));

    /// <summary>The text with wrapped lines joined, so a phrase split by the wrap can be found.</summary>
    private static string Unwrapped(string text) => string.Join(" ", text.Split('\n').Select(l => l.Trim()));

    private static ResultSummaryRow Row(string kernel, bool causal, double median, double cv, int n = 1024) => new()
    {
        SweepId = "s1", CaseId = $"{kernel}-{causal}-{n}", Kernel = kernel, N = n, Causal = causal, Pass = "fwd", Batch = 1, Heads = 1, D = 64,
        Dtype = "fp32", Distribution = "normal", Seed = 1, DeviceName = "AMD EPYC 9654 96-Core Processor", DeviceId = "cpu",
        DeviceDetail = "96 cores, AVX-512", Status = ResultStatus.Ok, SampleCount = 10, MedianSeconds = median, CoefficientOfVariation = cv,
        SpectralOverV = kernel == "hyper" ? 0.421 : null, MeanRowCosine = kernel == "hyper" ? 0.135 : null, RelativeError = kernel == "hyper" ? 5.015 : null,
    };
}
