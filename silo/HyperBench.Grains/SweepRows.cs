using HyperBench.Contracts;
using HyperBench.Kernels.Measurement;
using HyperBench.Storage;

namespace HyperBench.Grains;

/// <summary>
/// The rows a sweep has in SQL as it starts: its own (running) and one per case (pending). Built here only: by the sweep grain, and by
/// tests that store a sweep as a silo that is gone left it.
/// </summary>
public static class SweepRows
{
    public static SweepRow Sweep(string sweepId, SweepPlan plan, int caseCount, DateTime now, string serviceId, string? parentSweepId = null) => new()
    {
        SweepId = sweepId,
        Tag = plan.Tag,
        PlanJson = PlanJson.Serialize(plan),
        MeasurementJson = PlanJson.SerializeMeasurement(plan),
        Status = SweepStatus.Running,
        CreatedUtc = now,
        CaseCount = caseCount,
        ParentSweepId = parentSweepId,
        ServiceId = serviceId,
    };

    /// <param name="json">False: the row's <see cref="SweepCaseRow.CaseJson"/> is left empty, to be written before the row is stored.</param>
    public static SweepCaseRow Case(string sweepId, BenchmarkCase c, int ordinal, DateTime now, bool json = true) => new()
    {
        SweepId = sweepId,
        CaseId = c.Id,
        Ordinal = ordinal,
        CaseJson = json ? CaseJson.Serialize(c) : "",
        Status = CaseStatus.Pending,
        UpdatedUtc = now,
    };
}
