using HyperBench.Cli.Commands;

namespace HyperBench.Cli.Plans;

/// <summary>Checks the measurement options of a plan, naming the option (shared by `kernels bench` and `sweep`).</summary>
public static class MeasurementSettings
{
    public static void Validate(PlanSettings settings)
    {
        if (settings.MinSamples < 1) throw new PlanException($"--min-samples: {settings.MinSamples} must be >= 1.");
        if (!(settings.Budget >= 0) || double.IsInfinity(settings.Budget)) throw new PlanException($"--budget: {settings.Budget} must be >= 0 seconds.");
        if (settings.Warmup < 0) throw new PlanException($"--warmup: {settings.Warmup} must be >= 0.");
        if (!(settings.WarmupTime >= 0) || double.IsInfinity(settings.WarmupTime)) throw new PlanException($"--warmup-time: {settings.WarmupTime} must be >= 0 seconds.");
    }
}
