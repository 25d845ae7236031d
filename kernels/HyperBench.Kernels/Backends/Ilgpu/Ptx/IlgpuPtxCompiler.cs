using System.Text.RegularExpressions;
using ILGPU;
using ILGPU.Backends.EntryPoints;
using ILGPU.Backends.PTX;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;

namespace HyperBench.Kernels.Backends.Ilgpu.Ptx;

/// <summary>
/// Emits a kernel's PTX with ILGPU's PTX backend, without a GPU or a CUDA driver, with the settings the CUDA accelerator
/// uses (algorithms enabled, O2), so ptxas sees the same text the driver would JIT on a GPU.
/// </summary>
public sealed partial class IlgpuPtxCompiler : IDisposable
{
    /// <summary>Architectures the gate knows the limits of (<see cref="GpuLimits"/>).</summary>
    public static IReadOnlyList<string> SupportedArchitectures { get; } = ["sm_80", "sm_86", "sm_89", "sm_90"];

    private readonly Context _context;
    private readonly PTXBackend _backend;

    public IlgpuPtxCompiler(string architecture = "sm_90")
    {
        Architecture = architecture;
        var arch = architecture switch
        {
            "sm_80" => CudaArchitecture.SM_80,
            "sm_86" => CudaArchitecture.SM_86,
            "sm_89" => CudaArchitecture.SM_89,
            "sm_90" => CudaArchitecture.SM_90,
            _ => throw new ArgumentException($"architecture '{architecture}' is not one of {string.Join(", ", SupportedArchitectures)}", nameof(architecture)),
        };
        _context = Context.Create(b => b.EnableAlgorithms().Optimize(OptimizationLevel.O2));
        // ISA 7.8 is what ptxas 11.8 (Debian's nvidia-cuda-toolkit) accepts; ILGPU's PTX does not need anything newer.
        // No NVVM library: ILGPU's own PTX generator, as on a CUDA accelerator without libNVVM (the parameter is not annotated nullable).
        _backend = new PTXBackend(_context, arch, CudaInstructionSet.ISA_78, null!);
    }

    public string Architecture { get; }

    /// <summary>The PTX of one kernel, with its <c>.version</c> line set to 7.8 for ptxas 11.8.</summary>
    public string Compile(IlgpuKernelEntry entry) => Compile(entry.Method, entry.ExplicitlyGrouped);

    public string Compile(System.Reflection.MethodInfo method, bool explicitlyGrouped)
    {
        var entryPoint = explicitlyGrouped
            ? EntryPointDescription.FromExplicitlyGroupedKernel(method)
            : EntryPointDescription.FromImplicitlyGroupedKernel(method);
        var compiled = (PTXCompiledKernel)_backend.Compile(entryPoint, KernelSpecialization.Empty);
        return VersionLine().Replace(compiled.PTXAssembly, ".version 7.8", 1);
    }

    /// <summary>The name of the PTX's <c>.entry</c> (ILGPU's mangling of the method name).</summary>
    public static string EntryName(string ptx)
    {
        var m = EntryLine().Match(ptx);
        return m.Success ? m.Groups[1].Value : throw new FormatException("the PTX has no .entry");
    }

    public void Dispose()
    {
        _backend.Dispose();
        _context.Dispose();
    }

    [GeneratedRegex(@"^\.version\s+\S+", RegexOptions.Multiline)]
    private static partial Regex VersionLine();

    [GeneratedRegex(@"\.entry\s+([A-Za-z_$][\w$]*)")]
    private static partial Regex EntryLine();
}
