using System.Text.Json;
using HyperBench.Cli.Exporters;

namespace HyperBench.Cli.Tests;

/// <summary>CSV and JSON carry what identifies a number: sweep, hyper parameters, seed, device id, model and detail.</summary>
public sealed class SummaryWriterTests
{
    [Fact]
    public void Csv_HyperLine_HasHyperParametersSeedSweepAndDeviceColumns()
    {
        var lines = SummaryTableTests.Lines();

        var rows = SummaryWriter.Csv(lines).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => Csv.Cells(l.TrimEnd('\r'))).ToList();

        var header = rows[0];
        var hyper = rows.Single(r => r[header.IndexOf("kernel")] == "hyper");
        string Cell(string name) => hyper[header.IndexOf(name)];
        Assert.Equal("s1", Cell("sweep_id"));
        Assert.Equal("1", Cell("seed"));
        Assert.Equal(("7", "256", "256", "4096", "uniform"), (Cell("r"), Cell("b"), Cell("m"), Cell("min_seq_len"), Cell("sampling")));
        Assert.Equal(("NVIDIA H200", "cuda:0", "sm_90, 132 SMs"), (Cell("device"), Cell("device_id"), Cell("device_detail")));
        Assert.Equal(("0.421", "5.015", "0.135", "0.2"), (Cell("spectral_over_v"), Cell("relative_error"), Cell("mean_row_cosine"), Cell("cv")));
        Assert.StartsWith("CV 20%", Cell("noise"), StringComparison.Ordinal);
        Assert.Equal(("0.0548", "0.05"), (Cell("median_s"), Cell("p20_s")));
        Assert.Equal(1.18 / 0.05, double.Parse(Cell("speedup_p20"), System.Globalization.CultureInfo.InvariantCulture));
        Assert.All(rows, r => Assert.Equal(header.Count, r.Count));
    }

    [Fact]
    public void CsvAndJson_NoiseGateDecision_IsExportedAsNoisy()
    {
        var lines = SummaryTableTests.Lines();
        var marked = lines.Select((l, i) => i == 0 ? l with { Noisy = true } : i == 1 ? l with { Noisy = false } : l with { Noisy = null }).ToList();

        var rows = SummaryWriter.Csv(marked).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => Csv.Cells(l.TrimEnd('\r'))).ToList();
        int column = rows[0].IndexOf("noisy");
        Assert.True(column >= 0, string.Join(",", rows[0]));
        Assert.Equal(["true", "false", .. Enumerable.Repeat("", marked.Count - 2)], rows.Skip(1).Select(r => r[column]));
        using var doc = JsonDocument.Parse(SummaryWriter.Json(marked));
        var json = doc.RootElement.EnumerateArray().ToList();
        // One true, one false, the rest null (JSON's line order is the writer's own).
        Assert.Equal([JsonValueKind.True, JsonValueKind.False, .. Enumerable.Repeat(JsonValueKind.Null, marked.Count - 2)],
            json.Select(e => e.GetProperty("noisy").ValueKind).Order());
    }

    [Fact]
    public void Json_HyperLine_HasHyperParametersSeedSweepAndDeviceFields()
    {
        using var doc = JsonDocument.Parse(SummaryWriter.Json(SummaryTableTests.Lines()));

        var hyper = doc.RootElement.EnumerateArray().Single(e => e.GetProperty("kernel").GetString() == "hyper");
        Assert.Equal("s1", hyper.GetProperty("sweep_id").GetString());
        Assert.Equal(1UL, hyper.GetProperty("seed").GetUInt64());
        Assert.Equal(7, hyper.GetProperty("r").GetInt32());
        Assert.Equal(256, hyper.GetProperty("b").GetInt32());
        Assert.Equal(256, hyper.GetProperty("m").GetInt32());
        Assert.Equal(4096, hyper.GetProperty("min_seq_len").GetInt32());
        Assert.Equal("uniform", hyper.GetProperty("sampling").GetString());
        Assert.Equal("NVIDIA H200", hyper.GetProperty("device").GetString());
        Assert.Equal("cuda:0", hyper.GetProperty("device_id").GetString());
        Assert.Equal("sm_90, 132 SMs", hyper.GetProperty("device_detail").GetString());
        Assert.Equal(0.421, hyper.GetProperty("spectral_over_v").GetDouble());
        Assert.Equal(0.05, hyper.GetProperty("p20_seconds").GetDouble());
        Assert.Equal(1.18 / 0.05, hyper.GetProperty("speedup_p20").GetDouble());
        // The names infra/gpu/report.py reads stay as they were.
        foreach (var name in new[] { "n", "causal", "pass", "batch", "heads", "d", "status", "median_seconds", "samples", "tflops", "speedup", "relative_error", "error" })
            Assert.True(hyper.TryGetProperty(name, out _), name);
        var flash = doc.RootElement.EnumerateArray().Single(e => e.GetProperty("kernel").GetString() == "flash");
        Assert.Equal(JsonValueKind.Null, flash.GetProperty("r").ValueKind);
    }

    [Fact]
    public void Markdown_NoisyHyperLine_MarkedAndExplained()
    {
        string md = SummaryWriter.Markdown(SummaryTableTests.Lines());

        Assert.Contains("| ~54.80 ms | 50.00 ms |", md, StringComparison.Ordinal);
        Assert.Contains("‖E‖₂/‖V‖₂", md, StringComparison.Ordinal);
        Assert.Contains("docs/accuracy.md", md, StringComparison.Ordinal);
        Assert.Contains("~ noisy timing", md, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("80", false, 80)]
    [InlineData("80", true, 80)]
    [InlineData(null, true, ConsoleWidth.Redirected)]
    [InlineData("", true, ConsoleWidth.Redirected)]
    [InlineData("wide", true, ConsoleWidth.Redirected)]
    [InlineData("0", true, ConsoleWidth.Redirected)]
    [InlineData(null, false, null)]
    public void ConsoleWidth_ColumnsAndRedirection_ColumnsWinsElseTodaysDefault(string? columns, bool redirected, int? expected) =>
        Assert.Equal(expected, ConsoleWidth.Resolve(columns, redirected));
}
