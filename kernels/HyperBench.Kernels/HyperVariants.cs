namespace HyperBench.Kernels;

/// <summary>
/// How sortLSH orders its 2^r buckets (docs/variants.md). <see cref="Rank"/> (our default) sorts a bucket code by its position in the
/// reflected Gray sequence, so neighbouring buckets differ in one bit; <see cref="Gray"/> sorts by c ^ (c &gt;&gt; 1), the authors' key.
/// </summary>
public enum BucketOrder
{
    Rank,
    Gray,
}

/// <summary>When the residual part draws its sampled keys: once per prepared case (our default), or anew on every run (the authors').</summary>
public enum Resample
{
    Once,
    PerRun,
}

/// <summary>
/// The gradient hyper's backward computes: the exact gradient of the approximation (our default), or the authors' rule, which treats
/// the log-sum-exp that merges the block-diagonal and sampled parts as a constant (so dQ and dK miss a term).
/// </summary>
public enum HyperGradient
{
    Exact,
    DetachedLse,
}

/// <summary>The one spelling of each variant axis: the names go into case ids, stored rows, options and plans, and are parsed here.</summary>
public static class HyperVariantNames
{
    public static string Name(this BucketOrder order) => order switch
    {
        BucketOrder.Rank => "rank",
        BucketOrder.Gray => "gray",
        _ => throw new ArgumentOutOfRangeException(nameof(order), order, $"bucket order {(int)order} is not defined."),
    };

    public static string Name(this Resample resample) => resample switch
    {
        Resample.Once => "once",
        Resample.PerRun => "per-run",
        _ => throw new ArgumentOutOfRangeException(nameof(resample), resample, $"resample {(int)resample} is not defined."),
    };

    public static string Name(this HyperGradient gradient) => gradient switch
    {
        HyperGradient.Exact => "exact",
        HyperGradient.DetachedLse => "detached-lse",
        _ => throw new ArgumentOutOfRangeException(nameof(gradient), gradient, $"gradient {(int)gradient} is not defined."),
    };

    public static IReadOnlyList<string> BucketOrders { get; } = [.. Enum.GetValues<BucketOrder>().Select(Name)];

    public static IReadOnlyList<string> Resamples { get; } = [.. Enum.GetValues<Resample>().Select(Name)];

    public static IReadOnlyList<string> Gradients { get; } = [.. Enum.GetValues<HyperGradient>().Select(Name)];

    /// <exception cref="ArgumentException">Names the value and the accepted ones.</exception>
    public static BucketOrder ParseBucketOrder(string? text) => Parse<BucketOrder>(text, "bucket order", Name);

    /// <exception cref="ArgumentException">Names the value and the accepted ones.</exception>
    public static Resample ParseResample(string? text) => Parse<Resample>(text, "resample", Name);

    /// <exception cref="ArgumentException">Names the value and the accepted ones.</exception>
    public static HyperGradient ParseGradient(string? text) => Parse<HyperGradient>(text, "gradient", Name);

    private static T Parse<T>(string? text, string what, Func<T, string> name) where T : struct, Enum
    {
        string s = (text ?? "").Trim().ToLowerInvariant();
        foreach (var value in Enum.GetValues<T>())
            if (name(value) == s) return value;
        throw new ArgumentException(
            $"'{text}' is not a {what}; use one of: {string.Join(", ", Enum.GetValues<T>().Select(name))}.", nameof(text));
    }
}
