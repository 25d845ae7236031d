using System.Globalization;
using System.Text.Json;
using HyperBench.Cli.Exporters;
using HyperBench.Kernels.Measurement;
using HyperBench.Kernels.Telemetry;
using HyperBench.Storage;
using Spectre.Console;

namespace HyperBench.Cli.Tests;

/// <summary>GPU telemetry in `results`: a cpu sweep says it has none and why; a GPU line shows its summary and throttling.</summary>
public sealed class TelemetryResultsTests
{
    [Fact]
    public async Task Results_CaseOnCpuBackend_CarriesNoTelemetryAndSaysSo()
    {
        string dir = CliProcess.TempDirectory();
        var sweep = CliProcess.Run(dir, "sweep", "--device", "cpu", "--kernel", "flash", "--n", "64", "--causal", "false", "--pass", "fwd",
            "--min-samples", "2", "--budget", "0", "--warmup", "0", "--warmup-time", "0");
        Assert.True(sweep.ExitCode == 0, sweep.Output);
        await using var store = SweepStoreFactory.Create(Path.Combine(dir, "hyperbench-results", "hyperbench.db"));
        string id = Assert.Single(await store.ListSweepsAsync(10, TestContext.Current.CancellationToken)).SweepId;

        // Stored: the case's start and end, the reason, no readings.
        var row = Assert.Single(await store.GetResultsAsync(id, TestContext.Current.CancellationToken));
        Assert.Equal(ResultStatus.Ok, row.Status);
        Assert.Equal("cpu device", row.TelemetryNote);
        Assert.NotNull(row.StartedUtc);
        Assert.NotNull(row.EndedUtc);
        Assert.True(row.StartedUtc <= row.EndedUtc && row.EndedUtc <= row.RecordedUtc, $"{row.StartedUtc:O} {row.EndedUtc:O} {row.RecordedUtc:O}");
        Assert.Empty(await store.GetTelemetryAsync(id, TestContext.Current.CancellationToken));

        var table = CliProcess.Run(dir, "results", id);
        Assert.True(table.ExitCode == 0, table.Output);
        Assert.Contains("no GPU telemetry (cpu device): 1 case", table.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("GPU telemetry\n", table.Output, StringComparison.Ordinal); // no table of readings

        var json = CliProcess.Run(dir, "results", id, "--format", "json");
        Assert.True(json.ExitCode == 0, json.Output);
        using var doc = JsonDocument.Parse(json.Output);
        var line = Assert.Single(doc.RootElement.EnumerateArray());
        Assert.Equal("cpu device", line.GetProperty("telemetry_note").GetString());
        Assert.Equal(JsonValueKind.Null, line.GetProperty("telemetry_samples").ValueKind);
        Assert.Equal(JsonValueKind.Null, line.GetProperty("throttled_samples").ValueKind);
        Assert.Equal(row.StartedUtc!.Value, line.GetProperty("started_utc").GetDateTime().ToUniversalTime(), TimeSpan.FromMilliseconds(1));

        var csv = CliProcess.Run(dir, "results", id, "--format", "csv");
        Assert.True(csv.ExitCode == 0, csv.Output);
        var lines = csv.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var header = Csv.Cells(lines[0]).ToList();
        var cells = Csv.Cells(lines[1]);
        Assert.Equal("cpu device", cells[header.IndexOf("telemetry_note")]);
        Assert.Equal("", cells[header.IndexOf("telemetry_samples")]);
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$", cells[header.IndexOf("started_utc")]);
    }

    [Fact]
    public void SweepSummary_GpuReadingsAndCpuNote_SummarisedPerCase()
    {
        var t0 = new DateTime(2026, 12, 1, 13, 0, 0, DateTimeKind.Utc);
        ResultSummaryRow[] rows = [Row("gpu", 4096, t0, null), Row("cpu", 8192, t0, "cpu device"), Row("old", 16384, null, null)];
        var telemetry = new Dictionary<string, IReadOnlyList<TelemetrySample>>
        {
            ["gpu"] = [new(t0, 1980, 2619, 45, 310.5, 0x1), new(t0.AddMilliseconds(100), 1650, 2619, 68, 699.9, 0x4), new(t0.AddMilliseconds(200), 1410, 2619, 83, 650, 0x24)],
        };

        var lines = SweepSummary.From(rows, telemetry).ToDictionary(l => l.CaseId);

        var gpu = lines["gpu"];
        Assert.Equal((3, 1410, 1980, 83, 699.9, 2, "sw_power_cap+sw_thermal_slowdown", (string?)null),
            (gpu.TelemetrySamples, gpu.SmClockMinMhz, gpu.SmClockMaxMhz, gpu.MaxTemperatureC, gpu.MaxPowerW, gpu.ThrottledSamples, gpu.ThrottleReasons, gpu.TelemetryNote));
        Assert.Equal((null, "cpu device"), (lines["cpu"].TelemetrySamples, lines["cpu"].TelemetryNote));
        Assert.Equal((null, SweepSummary.TelemetryNotRecorded), (lines["old"].TelemetrySamples, lines["old"].TelemetryNote));

        string text = Render([.. lines.Values]);
        TestContext.Current.TestOutputHelper?.WriteLine(text);
        string gpuRow = text.Split('\n').Single(l => l.Contains(" 4096 ", StringComparison.Ordinal) && l.Contains("1410..1980", StringComparison.Ordinal));
        Assert.Contains(" 83 ", gpuRow, StringComparison.Ordinal);
        Assert.Contains(" 700 ", gpuRow, StringComparison.Ordinal);
        Assert.Contains(" 2/3 ", gpuRow, StringComparison.Ordinal);
        Assert.Contains("sw_power_cap+sw_thermal_slowdown", gpuRow, StringComparison.Ordinal);
        Assert.Contains("no GPU telemetry (cpu device): 1 case (flash n=8192)", text, StringComparison.Ordinal);
        Assert.Contains("no GPU telemetry (not recorded): 1 case (flash n=16384)", text, StringComparison.Ordinal);
        Assert.Contains("throttled: readings with a throttle reason", text, StringComparison.Ordinal);
    }

    private static ResultSummaryRow Row(string caseId, int n, DateTime? started, string? note) => new()
    {
        SweepId = "s1", CaseId = caseId, Kernel = "flash", N = n, Pass = "fwd", Batch = 1, Heads = 1, D = 64, Dtype = "fp32", Distribution = "normal",
        DeviceName = "NVIDIA H200", DeviceId = caseId == "cpu" ? "cpu" : "cuda:0", Status = ResultStatus.Ok, SampleCount = 5, MedianSeconds = 1e-3,
        StartedUtc = started, EndedUtc = started?.AddSeconds(1), TelemetryNote = note,
    };

    private static string Render(IReadOnlyList<ResultLine> lines)
    {
        var writer = new StringWriter(CultureInfo.InvariantCulture);
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(writer),
        });
        console.Profile.Width = 160;
        console.Profile.Capabilities.Unicode = true;
        TelemetryTable.Write(console, lines);
        return writer.ToString();
    }
}
