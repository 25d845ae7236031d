using HyperBench.Kernels;
using HyperBench.Kernels.Measurement;

namespace HyperBench.Cli.Exporters;

/// <summary>One run of `kernels bench`: the environment, the measurement settings and every case with its raw samples.</summary>
public sealed record BenchReport(
    string Tool,
    string Command,
    EnvironmentInfo Environment,
    MeasurementOptions Measurement,
    IReadOnlyList<CaseReport> Cases)
{
    /// <summary>The report of <paramref name="lines"/>: the JSON layout of a case is <see cref="CaseReport"/>'s, the data the lines'.</summary>
    public static BenchReport Of(string tool, string command, EnvironmentInfo environment, MeasurementOptions measurement, IEnumerable<ResultLine> lines) =>
        new(tool, command, environment, measurement, [.. lines.Select(CaseReport.Of)]);
}
