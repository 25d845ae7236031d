using HyperBench.Kernels.Measurement;
using HyperBench.Storage;

namespace HyperBench.Regressions;

/// <summary>What identifies one curve of a sweep: everything of a case but n (and the seed), with the device model.</summary>
public sealed record CurveKey(string Kernel, string? HyperParameters, bool Causal, string Pass, string Dtype, string DeviceModel, int Batch, int Heads,
    int D, string Distribution)
{
    /// <summary>The key of the flash curve a hyper curve is compared with (same everything but the kernel).</summary>
    public CurveKey AsFlash => this with { Kernel = "flash", HyperParameters = null };

    public string Mask => Causal ? "causal" : "non-causal";
}

/// <summary>One curve's fit in the sweep, the previous run's, and whether its exponent moved beyond the tolerance.</summary>
public sealed record CurveRow(CurveKey Key, CurveFit Fit, CurveFit? Previous, bool Moved, string? Why)
{
    public double? ExponentChange => Previous is null ? null : Fit.Exponent - Previous.Exponent;
}

/// <summary>Where a hyper curve overtakes the flash curve of the same grid: fitted (intersection of the lines) and measured.</summary>
public sealed record CrossoverRow(CurveKey Hyper, double? FittedN, int? MeasuredN, double? PreviousFittedN, bool Moved, string? Why);

/// <summary>Curve verdicts of one sweep, against a previous run of the same grid when there is one.</summary>
public sealed record CurveReport(string SweepId, string? AgainstSweepId, IReadOnlyList<CurveRow> Curves, IReadOnlyList<CrossoverRow> Crossovers)
{
    public bool AnyMoved => Curves.Any(c => c.Moved) || Crossovers.Any(c => c.Moved);
}

/// <summary>
/// Per kernel, mask, pass, dtype and device model: log(median time) against log(n) over a sweep's successful cases (flash should sit
/// near 2, HyperAttention near 1), the n where hyper overtakes flash, and a flag when either moved against a previous run
/// (docs/history.md).
/// </summary>
public static class CurveVerdicts
{
    /// <summary>An exponent that changes by more than this (absolute) between runs is flagged.</summary>
    public const double ExponentTolerance = 0.15;

    /// <summary>A fitted crossover that moves by more than this factor (either way), appears or disappears is flagged.</summary>
    public const double CrossoverFactor = 1.5;

    /// <summary>
    /// A crossover is only judged between fits this good (R² of log time against log n, all four curves): a noisy curve's intersection
    /// moves with its noise.
    /// </summary>
    public const double MinRSquared = 0.95;

    public static CurveReport Build(string sweepId, IReadOnlyList<ResultSummaryRow> rows, string? againstSweepId = null,
        IReadOnlyList<ResultSummaryRow>? againstRows = null)
    {
        var now = Points(rows);
        var before = againstRows is null ? null : Points(againstRows);
        var fits = now.ToDictionary(kv => kv.Key, kv => CurveFit.Of(kv.Value));
        var previousFits = before?.ToDictionary(kv => kv.Key, kv => CurveFit.Of(kv.Value));

        var curves = new List<CurveRow>();
        foreach (var (key, fit) in fits.OrderBy(kv => kv.Key.DeviceModel, StringComparer.Ordinal).ThenBy(kv => kv.Key.Kernel, StringComparer.Ordinal)
                     .ThenBy(kv => kv.Key.Causal).ThenBy(kv => kv.Key.Pass, StringComparer.Ordinal).ThenBy(kv => kv.Key.Dtype, StringComparer.Ordinal))
        {
            if (fit is null) continue;
            var previous = previousFits is not null && previousFits.TryGetValue(key, out var p) ? p : null;
            // Beyond the tolerance, and the two runs' confidence intervals apart: noise widens the intervals rather than raising a flag.
            bool moved = previous is not null && Math.Abs(fit.Exponent - previous.Exponent) > ExponentTolerance && Apart(fit, previous);
            curves.Add(new CurveRow(key, fit, previous, moved,
                moved ? $"exponent {previous!.Exponent:F2} -> {fit.Exponent:F2} (tolerance ±{ExponentTolerance:F2}" +
                    (fit.ExponentCiLow is null && previous.ExponentCiLow is null ? ")" : ", 95% CIs apart)") : null));
        }

        var crossovers = new List<CrossoverRow>();
        foreach (var row in curves.Where(c => c.Key.Kernel == "hyper"))
        {
            var flashKey = row.Key.AsFlash;
            if (!fits.TryGetValue(flashKey, out var flash) || flash is null) continue;
            double? fitted = CurveFit.Crossover(flash, row.Fit);
            int? measured = CurveFit.MeasuredCrossover(now[flashKey], now[row.Key]);
            double? previous = null;
            bool hadPrevious = false;
            if (previousFits is not null && previousFits.TryGetValue(flashKey, out var pf) && pf is not null
                && previousFits.TryGetValue(row.Key, out var ph) && ph is not null)
            {
                hadPrevious = true;
                previous = CurveFit.Crossover(pf, ph);
            }
            string? why = null;
            bool reliable = hadPrevious && flash.RSquared >= MinRSquared && row.Fit.RSquared >= MinRSquared
                && previousFits![flashKey]!.RSquared >= MinRSquared && previousFits[row.Key]!.RSquared >= MinRSquared;
            if (reliable)
            {
                if (fitted is null != previous is null)
                    why = fitted is null ? $"crossover at n≈{previous:F0} is gone" : $"crossover appeared at n≈{fitted:F0}";
                else if (fitted is { } f && previous is { } pv && Math.Max(f / pv, pv / f) > CrossoverFactor)
                    why = $"crossover n≈{pv:F0} -> n≈{f:F0} (more than ×{CrossoverFactor:F1})";
            }
            crossovers.Add(new CrossoverRow(row.Key, fitted, measured, previous, why is not null, why));
        }
        return new CurveReport(sweepId, againstSweepId, curves, crossovers);
    }

    /// <summary>
    /// Whether two fits' exponents differ beyond their uncertainty: both 95% intervals disjoint; with one interval, the other exponent
    /// outside it; with none (fits from two n), yes.
    /// </summary>
    internal static bool Apart(CurveFit a, CurveFit b) => (a.ExponentCiLow, a.ExponentCiHigh, b.ExponentCiLow, b.ExponentCiHigh) switch
    {
        ({ } al, { } ah, { } bl, { } bh) => ah < bl || bh < al,
        ({ } al, { } ah, _, _) => b.Exponent < al || b.Exponent > ah,
        (_, _, { } bl, { } bh) => a.Exponent < bl || a.Exponent > bh,
        _ => true,
    };

    /// <summary>Successful medians per curve, one point per n (the median of the medians when several cases share an n, e.g. seeds).</summary>
    private static Dictionary<CurveKey, IReadOnlyList<(int N, double Seconds)>> Points(IReadOnlyList<ResultSummaryRow> rows) =>
        rows.Where(r => r.Status == ResultStatus.Ok && r.MedianSeconds is > 0)
            .GroupBy(r => new CurveKey(r.Kernel, r.HyperParameters, r.Causal, r.Pass, r.Dtype, r.DeviceName, r.Batch, r.Heads, r.D, r.Distribution))
            .ToDictionary(g => g.Key, g => (IReadOnlyList<(int, double)>)[.. g.GroupBy(r => r.N).OrderBy(n => n.Key)
                .Select(n => (n.Key, MathNet.Numerics.Statistics.Statistics.Median(n.Select(r => r.MedianSeconds!.Value))))]);
}
