namespace HyperBench.Regressions;

/// <summary>
/// The thresholds of a comparison (docs/regressions.md): a time change counts only when the medians differ by more than
/// <see cref="Effect"/> AND the two-sided Mann-Whitney U test gives p &lt; <see cref="Alpha"/>; a side whose CV is above
/// <see cref="CvLimit"/> (robust: 1.4826 x MAD / median) is noisy; the effect threshold actually applied is raised to
/// <see cref="NoiseK"/> between-run standard deviations when the case has at least <see cref="MinHistory"/> earlier runs
/// (<see cref="NoiseFloor"/>); HyperAttention's relative error regresses when it rises by more than <see cref="ErrorRise"/>
/// (relative) AND by more than <see cref="ErrorFloor"/> (absolute).
/// </summary>
public sealed record CompareThresholds
{
    public static CompareThresholds Default { get; } = new();

    /// <summary>Smallest change of the median that counts, as a fraction (0.05 = 5%).</summary>
    public double Effect { get; init; } = 0.05;

    /// <summary>Significance level of the two-sided test.</summary>
    public double Alpha { get; init; } = 0.01;

    /// <summary>
    /// Largest robust coefficient of variation a side may have for a verdict: 1.4826 x MAD / median (equal to stddev / mean for
    /// normal data, but a few preempted samples do not move it).
    /// </summary>
    public double CvLimit { get; init; } = 0.10;

    /// <summary>Relative rise of the relative error that counts as an accuracy regression (0.10 = +10%).</summary>
    public double ErrorRise { get; init; } = 0.10;

    /// <summary>Absolute rise of the relative error below which no rise counts (a tiny error doubling is noise, not a regression).</summary>
    public double ErrorFloor { get; init; } = 0.005;

    /// <summary>
    /// How many between-run standard deviations of a case's median a change must exceed (<see cref="NoiseFloor"/>): the threshold
    /// applied is max(<see cref="Effect"/>, (1 + floor)^k - 1).
    /// </summary>
    public double NoiseK { get; init; } = 4;

    /// <summary>Fewest earlier runs of a case from which its noise floor is learned; with fewer the plain <see cref="Effect"/> applies.</summary>
    public int MinHistory { get; init; } = 10;

    /// <summary>Most earlier runs of a case (newest first) its noise floor is learned from.</summary>
    public int HistoryLimit { get; init; } = 30;

    /// <exception cref="ArgumentException">A threshold out of range (names it and the value).</exception>
    public CompareThresholds Validated()
    {
        Check(nameof(Effect), Effect, 0, 10, lowOpen: false);
        Check(nameof(Alpha), Alpha, 0, 1, lowOpen: true);
        Check(nameof(CvLimit), CvLimit, 0, double.MaxValue, lowOpen: true);
        Check(nameof(ErrorRise), ErrorRise, 0, double.MaxValue, lowOpen: false);
        Check(nameof(ErrorFloor), ErrorFloor, 0, double.MaxValue, lowOpen: false);
        Check(nameof(NoiseK), NoiseK, 0, 100, lowOpen: false);
        Check(nameof(MinHistory), MinHistory, 2, 10_001, lowOpen: false);
        Check(nameof(HistoryLimit), HistoryLimit, MinHistory, 10_001, lowOpen: false);
        return this;
    }

    private static void Check(string name, double value, double low, double high, bool lowOpen)
    {
        bool ok = double.IsFinite(value) && (lowOpen ? value > low : value >= low) && value < high;
        if (!ok) throw new ArgumentException($"{name} = {value.ToString(System.Globalization.CultureInfo.InvariantCulture)} is out of range.", name);
    }
}
