using System.Text.Json.Serialization;
using HyperBench.Kernels.Measurement;

namespace HyperBench.Storage;

/// <summary>
/// Where a case of a sweep is. Pending and leased are live; done, failed, skipped and cancelled are final (a sweep whose cases are
/// all final is completed). Skipped: the scheduler decided not to run it (no device can hold it), with the reason stored beside it.
/// Stored as its lower-case name (<see cref="HyperBench.Kernels.Measurement.StatusWords"/>).
/// </summary>
[JsonConverter(typeof(StatusWordJsonConverter<CaseStatus>))]
public enum CaseStatus
{
    Pending,
    Leased,
    Done,
    Failed,
    Cancelled,
    Skipped,
}
