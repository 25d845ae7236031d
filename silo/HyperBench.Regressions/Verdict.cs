namespace HyperBench.Regressions;

/// <summary>What a comparison of one case's baseline and candidate samples concludes (docs/regressions.md).</summary>
public enum Verdict
{
    /// <summary>The candidate is faster by more than the effect threshold, and the test is significant.</summary>
    Faster,

    /// <summary>The candidate is slower by more than the effect threshold, and the test is significant: a regression.</summary>
    Slower,

    /// <summary>No significant change beyond the effect threshold.</summary>
    Same,

    /// <summary>A side's spread is too large for a verdict (its CV is above the noise limit).</summary>
    Noisy,

    /// <summary>Too few samples on a side for the test to reach its significance level.</summary>
    Insufficient,
}

/// <summary>The one spelling of a <see cref="Verdict"/>: stored in SQL, printed, and parsed back here.</summary>
public static class VerdictNames
{
    public static IReadOnlyList<Verdict> All { get; } = Enum.GetValues<Verdict>();

    public static string Name(this Verdict verdict) => verdict switch
    {
        Verdict.Faster => "faster",
        Verdict.Slower => "slower",
        Verdict.Same => "same",
        Verdict.Noisy => "noisy",
        Verdict.Insufficient => "insufficient",
        _ => throw new ArgumentOutOfRangeException(nameof(verdict), verdict, $"verdict {(int)verdict} is not defined."),
    };

    /// <exception cref="ArgumentException">Not a verdict (names the value and the known ones).</exception>
    public static Verdict Parse(string? text)
    {
        string s = (text ?? "").Trim().ToLowerInvariant();
        foreach (var v in All)
            if (v.Name() == s) return v;
        throw new ArgumentException($"'{text}' is not a verdict; use one of: {string.Join(", ", All.Select(Name))}.", nameof(text));
    }
}
