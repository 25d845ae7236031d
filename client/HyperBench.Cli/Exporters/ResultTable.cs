using System.Globalization;
using HyperBench.Kernels.Measurement;
using Spectre.Console;

namespace HyperBench.Cli.Exporters;

/// <summary>The console table of a bench run. Presents; never measures.</summary>
public static class ResultTable
{
    public static Table Build(IEnumerable<ResultLine> cases)
    {
        var table = new Table().Border(TableBorder.Rounded)
            .AddColumns("kernel", "n", "causal", "pass", "b×h×d", "dtype", "median", "p20–p80", "95% CI median", "CV", "TFLOP/s", "O rel. err", "dQ/dK/dV rel. err", "samples", "first run", "status");
        foreach (var r in cases)
        {
            table.AddRow(
                r.Kernel,
                r.N.ToString(CultureInfo.InvariantCulture),
                r.Causal ? "yes" : "no",
                r.Pass,
                $"{r.Batch}×{r.Heads}×{r.D}",
                r.Dtype,
                r.MedianSeconds is { } m ? Format.Seconds(m) : "-",
                r.P20Seconds is { } p20 && r.P80Seconds is { } p80 ? $"{Format.Seconds(p20)}–{Format.Seconds(p80)}" : "-",
                r.CiLowSeconds is { } lo && r.CiHighSeconds is { } hi ? $"{Format.Seconds(lo)}–{Format.Seconds(hi)}" : "-",
                r.Cv is { } cv ? (cv * 100).ToString("F1", CultureInfo.InvariantCulture) + "%" : "-",
                r.Tflops is { } t ? t.ToString(t >= 1 ? "F2" : "F4", CultureInfo.InvariantCulture) + (r.Kernel == "hyper" ? " eff." : "") : "-",
                // Against fp32 flash on the same inputs: hyper's approximation, or a dtype's arithmetic (fp32 flash is the reference).
                Format.Error(r.RelativeError),
                GradientErrors(r.Accuracy, Format.Error),
                r.Samples.ToString(CultureInfo.InvariantCulture),
                r.FirstRunSeconds > 0 ? Format.Seconds(r.FirstRunSeconds) : "-",
                SummaryTable.StatusMarkup(r.Status));
        }
        return table;
    }

    /// <summary>
    /// HyperAttention next to exact flash on the same case (n, mask, pass, shape, distribution, seed; paired by
    /// <see cref="ResultLine.WithSpeedups"/>): both medians and 20th percentiles, the speed-up time(flash) / time(hyper) from each,
    /// and hyper's error against flash (docs/algorithms.md section 4). A hyper case without a flash partner in the run still shows its error.
    /// </summary>
    public static Table BuildComparison(IEnumerable<ResultLine> cases)
    {
        var list = cases.ToList();
        var table = new Table().Border(TableBorder.Rounded).Title("HyperAttention vs flash")
            .AddColumns("n", "causal", "pass", "dist", "b×h×d", "flash", "flash p20", "hyper", "hyper p20", "speed-up", "speed-up p20", "O rel. err", "‖E‖₂/‖V‖₂", "O cos", "dQ/dK/dV rel. err", "heads measured");
        foreach (var h in list.Where(r => r.Kernel == "hyper"))
        {
            var flash = list.FirstOrDefault(r => r.Kernel == "flash" && r.N == h.N && r.Causal == h.Causal && r.Pass == h.Pass && r.Batch == h.Batch
                && r.Heads == h.Heads && r.D == h.D && r.Dtype == h.Dtype && r.Distribution == h.Distribution && r.Seed == h.Seed);
            var metrics = h.Accuracy?.Metrics ?? [];
            var o = metrics.FirstOrDefault(m => m.Tensor == "o");
            table.AddRow(
                h.N.ToString(CultureInfo.InvariantCulture),
                h.Causal ? "yes" : "no",
                h.Pass,
                h.Distribution,
                $"{h.Batch}×{h.Heads}×{h.D}",
                Seconds(flash?.MedianSeconds),
                Seconds(flash?.P20Seconds),
                Seconds(h.MedianSeconds),
                Seconds(h.P20Seconds),
                Format.Speedup(h.Speedup),
                Format.Speedup(h.SpeedupP20),
                o is null ? "-" : Number(o.RelativeFrobenius),
                o is null ? "-" : Number(o.SpectralOverV),
                o is null ? "-" : o.MeanRowCosine.ToString("F3", CultureInfo.InvariantCulture),
                GradientErrors(h.Accuracy, x => Number(x!.Value)),
                h.Accuracy is null ? "-" : $"{h.Accuracy.HeadsMeasured} of {h.Accuracy.HeadsTotal}");
        }
        return table;
    }

    /// <summary>dQ / dK / dV relative errors of a fwdbwd or bwd case (in-process runs), "-" without them.</summary>
    private static string GradientErrors(AccuracyReport? accuracy, Func<double?, string> format)
    {
        var grads = (accuracy?.Metrics ?? []).Where(m => m.Tensor != "o").ToList();
        return grads.Count == 0 ? "-" : string.Join(" / ", grads.Select(g => format(g.RelativeFrobenius)));
    }

    private static string Seconds(double? s) => s is { } x ? Format.Seconds(x) : "-";

    private static string Number(double x) => x.ToString(x >= 100 ? "F0" : x >= 1 ? "F2" : "F3", CultureInfo.InvariantCulture);
}
