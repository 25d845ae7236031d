using System.Text.Json.Serialization;

namespace HyperBench.Kernels.Measurement;

/// <summary>
/// Where a sweep is. Here rather than in Storage because the wire records (Contracts) and the SQL rows (Storage) both carry it and
/// neither references the other. Stored as its lower-case name through <see cref="StatusWords"/>.
/// </summary>
[JsonConverter(typeof(StatusWordJsonConverter<SweepStatus>))]
public enum SweepStatus
{
    Running,
    Completed,
    Cancelled,
}
