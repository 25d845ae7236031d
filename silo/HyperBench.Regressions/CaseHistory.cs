using HyperBench.Storage;

namespace HyperBench.Regressions;

/// <summary>Which way a step went: a slower level is a regression, a faster one an improvement.</summary>
public enum StepDirection
{
    Slower,
    Faster,
}

/// <summary>
/// A change point in a case's history, attributed to the run where the new level starts (its sweep and commit) and the run before it;
/// the size is the change of the median (and mean) between the segments either side, up to the neighbouring change points.
/// </summary>
public sealed record HistoryStep(int Index, HistoryPoint At, HistoryPoint Before, ChangePoint Statistics)
{
    public StepDirection Direction => Statistics.MedianAfter > Statistics.MedianBefore ? StepDirection.Slower : StepDirection.Faster;

    /// <summary>"slower" or "faster".</summary>
    public string DirectionName => Direction == StepDirection.Slower ? "slower" : "faster";
}

/// <summary>One case on one device model over time: its points oldest first and the steps found in its medians.</summary>
public sealed record CaseHistory(string CaseId, string DeviceModel, IReadOnlyList<HistoryPoint> Points, IReadOnlyList<HistoryStep> Steps)
{
    public HistoryPoint First => Points[0];

    /// <summary>A short label: kernel, n, mask, pass, dtype (and the device model).</summary>
    public string Label => $"{First.Kernel} n={First.N} {(First.Causal ? "causal" : "non-causal")} {First.Pass} {First.Dtype}";

    /// <summary>Each case id's stored results per device model, with change points of its medians (<see cref="ChangePoints.Detect"/>).</summary>
    public static IReadOnlyList<CaseHistory> Analyse(IReadOnlyList<HistoryPoint> points, ChangePointOptions? options = null)
    {
        var histories = new List<CaseHistory>();
        foreach (var group in points.GroupBy(p => (p.CaseId, p.DeviceModel)))
        {
            // The store returns them oldest first; sorting again keeps this independent of the caller.
            var series = group.OrderBy(p => p.RecordedUtc).ThenBy(p => p.SweepCreatedUtc).ThenBy(p => p.SweepId, StringComparer.Ordinal).ToList();
            var steps = ChangePoints.Detect([.. series.Select(p => p.MedianSeconds)], options)
                .Select(c => new HistoryStep(c.Index, series[c.Index], series[c.Index - 1], c)).ToList();
            histories.Add(new CaseHistory(group.Key.CaseId, group.Key.DeviceModel, series, steps));
        }
        return [.. histories.OrderBy(h => h.First.Kernel, StringComparer.Ordinal).ThenBy(h => h.First.N).ThenBy(h => h.First.Causal)
            .ThenBy(h => h.First.Pass, StringComparer.Ordinal).ThenBy(h => h.DeviceModel, StringComparer.Ordinal).ThenBy(h => h.CaseId, StringComparer.Ordinal)];
    }
}
