using System.Globalization;
using MathNet.Numerics.Statistics;

namespace HyperBench.Regressions;

/// <summary>
/// A case's between-run noise, learned from its medians in earlier runs (docs/regressions.md, "Verdict rules"). Samples from one
/// process only show the spread within that process; a case's median also moves from process to process (JIT tiering, memory
/// placement, the machine's other load), and the Mann-Whitney test on within-run samples calls such a move significant. So the
/// change of the median must also exceed what earlier runs of the same case show:
/// <list type="bullet">
/// <item>s = 1.4826 x MAD(ln median) over the history: a robust standard deviation of one run's log median;</item>
/// <item><see cref="Floor"/> = exp(sqrt(2) s) - 1: one standard deviation of the change between two runs (each has its own noise);</item>
/// <item><see cref="AppliedEffect"/> = max(effect threshold, (1 + floor)^k - 1), k = <see cref="CompareThresholds.NoiseK"/>.</item>
/// </list>
/// With fewer than <see cref="CompareThresholds.MinHistory"/> earlier runs there is no floor: the plain threshold applies and
/// <see cref="Note"/> says so.
/// </summary>
public sealed record NoiseFloor(int HistoryRuns, double? Floor, double AppliedEffect, string Note)
{
    /// <summary>Robust standard deviation of a normal sample from its median absolute deviation.</summary>
    public const double MadScale = 1.4826;

    /// <summary>The floor from a case's earlier medians (seconds; null or empty: no history), for these thresholds.</summary>
    public static NoiseFloor From(IReadOnlyList<double>? historyMedians, CompareThresholds thresholds)
    {
        thresholds = thresholds.Validated();
        double[] logs = [.. (historyMedians ?? []).Where(m => double.IsFinite(m) && m > 0).TakeLast(thresholds.HistoryLimit).Select(m => Math.Log(m))];
        if (logs.Length < thresholds.MinHistory)
        {
            return new NoiseFloor(logs.Length, null, thresholds.Effect,
                Invariant($"history {logs.Length} runs < {thresholds.MinHistory}: plain {thresholds.Effect:0.#%} threshold"));
        }
        double s = MadScale * Mad(logs);
        double floor = Math.Exp(Math.Sqrt(2) * s) - 1;
        double fromFloor = Math.Pow(1 + floor, thresholds.NoiseK) - 1;
        double applied = Math.Max(thresholds.Effect, fromFloor);
        return new NoiseFloor(logs.Length, floor, applied,
            Invariant($"noise floor {floor:0.0%} from {logs.Length} runs, threshold {applied:0.#%}"));
    }

    /// <summary>1.4826 x MAD / median of the samples: a spread that a few preempted (slow) samples do not move; 0 for fewer than 2.</summary>
    public static double RobustCv(IReadOnlyList<double> samples)
    {
        ArgumentNullException.ThrowIfNull(samples);
        if (samples.Count < 2) return 0;
        double[] x = [.. samples];
        double median = x.Median();
        return median > 0 ? MadScale * Mad(x) / median : double.NaN;
    }

    /// <summary>Median absolute deviation from the median.</summary>
    private static double Mad(double[] x)
    {
        double median = x.Median();
        return x.Select(v => Math.Abs(v - median)).ToArray().Median();
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
