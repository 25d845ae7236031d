namespace HyperBench.Storage;

/// <summary>Where a sweep is. Stored as its lower-case name.</summary>
public enum SweepStatus
{
    Running,
    Completed,
    Cancelled,
}
