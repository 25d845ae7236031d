namespace HyperBench.Storage;

/// <summary>Where a case of a sweep is. Stored as its lower-case name.</summary>
public enum CaseStatus
{
    Pending,
    Leased,
    Done,
    Failed,
    Cancelled,
}
