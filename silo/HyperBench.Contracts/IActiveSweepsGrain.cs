using Orleans.Concurrency;

namespace HyperBench.Contracts;

/// <summary>The sweeps with work left (key 0): where idle device workers ask for leases. Loaded from SQL on activation.</summary>
[Alias("hyperbench.IActiveSweepsGrain")]
public interface IActiveSweepsGrain : IGrainWithIntegerKey
{
    [Alias("List")]
    Task<string[]> ListAsync();

    [Alias("Add")]
    Task AddAsync(string sweepId);

    [Alias("Remove")]
    Task RemoveAsync(string sweepId);

    /// <summary>
    /// An idle worker's long poll: answers at once when the version moved past <paramref name="seenVersion"/> (a sweep started, or a
    /// sweep said a case went back to pending), else when it moves, else after <paramref name="timeout"/>; always with the running
    /// sweeps and the current version. Interleaved, so hundreds of waiting workers do not hold the grain.
    /// </summary>
    [Alias("WaitForWork")]
    [AlwaysInterleave]
    Task<ActiveSweeps> WaitForWorkAsync(long seenVersion, TimeSpan timeout);

    /// <summary>A running sweep has work again (a case went back to pending): wakes the waiting workers.</summary>
    [Alias("Signal")]
    [AlwaysInterleave]
    Task SignalAsync(string sweepId);
}

/// <summary>The running sweeps at a version of the active-sweeps grain (it grows with every start and every signal).</summary>
[GenerateSerializer]
[Alias("hyperbench.ActiveSweeps")]
public sealed record ActiveSweeps([property: Id(0)] long Version, [property: Id(1)] string[] Sweeps);
