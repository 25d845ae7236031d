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
}
