using Microsoft.Extensions.Options;

namespace HyperBench.Hosting;

/// <summary>The device workers' settings, each failure naming the configuration key and the value.</summary>
public sealed class DeviceWorkerOptionsValidator : IValidateOptions<DeviceWorkerOptions>
{
    public ValidateOptionsResult Validate(string? name, DeviceWorkerOptions options)
    {
        var failures = HyperBenchSettings.AnnotationFailures(options).ToList();
        if (!string.IsNullOrWhiteSpace(options.Devices))
        {
            try
            {
                DeviceSelection.Parse(options.Devices);
            }
            catch (ArgumentException ex)
            {
                failures.Add($"{HyperBenchSettings.Section}:Devices: {ex.Message.Split(" (Parameter", 2)[0]}");
            }
        }
        if (!string.IsNullOrWhiteSpace(options.SimModel))
        {
            try
            {
                HyperBench.Kernels.Backends.Simulated.SimModel.Load(options.SimModel);
            }
            catch (InvalidDataException ex)
            {
                failures.Add($"{HyperBenchSettings.Section}:SimModel = '{options.SimModel}': {ex.Message}");
            }
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
