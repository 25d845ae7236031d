using HyperBench.Storage;

namespace HyperBench.Cli.Exporters;

/// <summary>Turns stored result rows into summary lines (BenchmarkDotNet's split: this summarises, exporters present).</summary>
public static class SweepSummary
{
    public static IReadOnlyList<SweepSummaryLine> From(IEnumerable<ResultSummaryRow> rows)
    {
        var list = rows.ToList();
        // Speed-up pairs a hyper result with the flash result measured on the same inputs and the same device model.
        var flash = list.Where(r => r.Kernel == "flash" && r.MedianSeconds is > 0)
            .GroupBy(PairKey)
            .ToDictionary(g => g.Key, g => g.First().MedianSeconds!.Value);
        return list
            .OrderBy(r => r.Batch).ThenBy(r => r.Heads).ThenBy(r => r.D).ThenBy(r => r.Distribution)
            .ThenBy(r => r.Causal).ThenBy(r => r.Pass).ThenBy(r => r.N).ThenBy(r => r.Kernel)
            .Select(r => new SweepSummaryLine(
                r.CaseId, r.Kernel, r.N, r.Causal, r.Pass, r.Batch, r.Heads, r.D, r.Distribution, r.DeviceName, r.Status,
                r.MedianSeconds, r.CiLowSeconds, r.CiHighSeconds, r.SampleCount, r.Tflops,
                r.Kernel != "flash" && r.MedianSeconds is > 0 && flash.TryGetValue(PairKey(r), out double f) ? f / r.MedianSeconds.Value : null,
                r.RelativeError,
                r.Error ?? r.InvalidReason))
            .ToList();
    }

    private static string PairKey(ResultSummaryRow r) =>
        $"{r.N}|{r.Causal}|{r.Pass}|{r.Batch}|{r.Heads}|{r.D}|{r.Dtype}|{r.Distribution}|{r.Seed}|{r.DeviceName}";
}
