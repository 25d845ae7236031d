using HyperBench.Hosting;
using HyperBench.Kernels.Backends;
using HyperBench.Kernels.Backends.Ilgpu;

namespace HyperBench.Cli.Plans;

/// <summary>
/// The devices an in-process silo would open, checked before anything is stored: a silo with no device that can run a case would
/// accept a sweep and wait for ever.
/// </summary>
public static class DeviceCheck
{
    /// <exception cref="PlanException">The value lists no device, or a CUDA device that is not on this machine (names it).</exception>
    public static IReadOnlyList<string> ResolveLocal(string? device)
    {
        IReadOnlyList<string> parsed;
        try
        {
            parsed = DeviceSelection.Parse(device);
        }
        catch (ArgumentException ex)
        {
            throw new PlanException($"--device: {ErrorText.For(ex)}");
        }
        if (parsed is [DeviceSelection.None])
            throw new PlanException("--device none: an in-process silo needs a device to run cases on (auto, cpu, ilgpu-cpu, cuda:<i>).");
        var cuda = parsed.Select(DeviceSpec.Parse).Where(d => d.Kind == DeviceKind.Cuda).ToList();
        if (cuda.Count > 0)
        {
            int present = IlgpuBackend.CudaDeviceCount();
            foreach (var d in cuda)
            {
                if (d.Index >= present)
                    throw new PlanException(present == 0
                        ? $"--device {d}: no CUDA device is visible on this machine."
                        : $"--device {d}: only {present} CUDA device(s) (cuda:0..cuda:{present - 1}).");
            }
        }
        return DeviceSelection.Resolve(device);
    }
}
