using System.Text.Json.Serialization;

namespace HyperBench.Kernels.Measurement;

/// <summary>
/// What became of one case's measurement: a trusted number, a number the sanity gate rejected, an error, or never run (with its
/// reason). Written as its lower-case name (SQL, JSON, tables) through <see cref="StatusWords"/>.
/// </summary>
[JsonConverter(typeof(StatusWordJsonConverter<ResultStatus>))]
public enum ResultStatus
{
    Ok,
    Invalid,
    Failed,
    Skipped,
}
