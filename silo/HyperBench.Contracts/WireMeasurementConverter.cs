using HyperBench.Kernels.Measurement;

namespace HyperBench.Contracts;

/// <summary>Lets Orleans carry <see cref="MeasurementOptions"/> (in a plan and in a lease) as a <see cref="WireMeasurement"/>.</summary>
[RegisterConverter]
public sealed class WireMeasurementConverter : IConverter<MeasurementOptions, WireMeasurement>
{
    public MeasurementOptions ConvertFromSurrogate(in WireMeasurement surrogate) =>
        new(surrogate.MinSamples, surrogate.BudgetSeconds, surrogate.MaxSamples, surrogate.WarmupRuns)
        {
            WarmupSeconds = surrogate.WarmupSeconds,
            KeepTensors = surrogate.KeepTensors,
        };

    public WireMeasurement ConvertToSurrogate(in MeasurementOptions value) =>
        new(value.MinSamples, value.BudgetSeconds, value.MaxSamples, value.WarmupRuns, value.WarmupSeconds, value.KeepTensors);
}
