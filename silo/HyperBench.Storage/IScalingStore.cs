namespace HyperBench.Storage;

/// <summary>
/// Scaling studies and their points (tables <c>scaling_studies</c> and <c>scaling_points</c>, migration 0007; docs/scaling.md).
/// <see cref="SqlSweepStore"/> implements it.
/// </summary>
public interface IScalingStore
{
    /// <summary>Stores a new study (status running).</summary>
    Task CreateStudyAsync(ScalingStudyRow study, CancellationToken cancellationToken = default);

    /// <summary>Stores one measured point (one repeat at one k); a point stored twice is kept once (the first).</summary>
    Task AddPointAsync(ScalingPointRow point, CancellationToken cancellationToken = default);

    /// <summary>Ends a study: its status (<see cref="ScalingStatus"/>), the device models it ran on and a detail line.</summary>
    Task FinishStudyAsync(string studyId, string status, string? deviceModels, string? detail, DateTime finishedUtc, CancellationToken cancellationToken = default);

    /// <summary>Studies, newest first (at most <paramref name="limit"/>).</summary>
    Task<IReadOnlyList<ScalingStudyRow>> ListStudiesAsync(int limit, CancellationToken cancellationToken = default);

    /// <summary>The study of that id, or null.</summary>
    Task<ScalingStudyRow?> GetStudyAsync(string studyId, CancellationToken cancellationToken = default);

    /// <summary>A study's points by k, then repeat.</summary>
    Task<IReadOnlyList<ScalingPointRow>> GetPointsAsync(string studyId, CancellationToken cancellationToken = default);
}

/// <summary>One row of <c>scaling_studies</c>. Ks is the device counts as "1,2,4"; LayerJson the layer's plan grid (plan JSON).</summary>
public sealed record ScalingStudyRow(string StudyId, string Kind, string Status, string LayerJson, string Ks, int Repeats, string Target,
    string? DeviceModels, string? Tag, DateTime CreatedUtc, DateTime? FinishedUtc, string? Detail);

/// <summary>One row of <c>scaling_points</c>: one repeat at one device count, run as sweep <see cref="SweepId"/>.</summary>
public sealed record ScalingPointRow(string StudyId, int K, int Repeat, string SweepId, double Seconds, int Cases, string DeviceKeys,
    string DeviceModels, DateTime RecordedUtc);

/// <summary>The one spelling of scaling_studies.status and .kind.</summary>
public static class ScalingStatus
{
    public const string Running = "running";
    public const string Completed = "completed";
    public const string Failed = "failed";
    public const string Cancelled = "cancelled";

    public const string Strong = "strong";
    public const string Weak = "weak";
    public const string Throughput = "throughput";
}
