namespace HyperBench.Contracts;

/// <summary>
/// The answer to <see cref="ISweepGrain.ContinueAsync"/>: whether the starting lease still holds, and the lease of the case the
/// device runs next, if one was granted ahead.
/// </summary>
[GenerateSerializer, Alias("hyperbench.ContinueAnswer")]
public sealed record ContinueAnswer([property: Id(0)] bool StillLeased, [property: Id(1)] CaseLease? Next);
