namespace HyperBench.Contracts;

/// <summary>What a worker reports when a leased case ends: measured, or failed with the reason (the result is already stored).</summary>
/// <param name="Error">Null when measured.</param>
/// <param name="MedianSeconds">Median sample, when measured.</param>
/// <param name="Stored">False when the store already held a result for (sweep, case): a duplicate, harmless.</param>
[GenerateSerializer, Alias("hyperbench.CaseOutcome")]
public sealed record CaseOutcome(
    [property: Id(0)] string? Error,
    [property: Id(1)] double? MedianSeconds,
    [property: Id(2)] bool Stored = true)
{
    public bool Failed => Error is not null;
}
