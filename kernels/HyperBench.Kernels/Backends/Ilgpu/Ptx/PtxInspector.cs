namespace HyperBench.Kernels.Backends.Ilgpu.Ptx;

/// <summary>
/// Compiles catalog kernels to PTX, assembles them with ptxas, disassembles the cubin and measures the result
/// (<see cref="KernelPtxReport"/>). Files go to a temporary directory, or to <c>keepDirectory</c> when given.
/// </summary>
public sealed class PtxInspector(CudaToolchain tools, string architecture = "sm_90") : IDisposable
{
    private readonly IlgpuPtxCompiler _compiler = new(architecture);
    private readonly OccupancyCalculator _occupancy = new(GpuLimits.For(architecture));

    public string Architecture { get; } = architecture;

    public async Task<KernelPtxReport> InspectAsync(IlgpuKernelEntry entry, string? keepDirectory, CancellationToken cancellationToken)
    {
        string directory = keepDirectory ?? Directory.CreateTempSubdirectory("hyperbench-ptx-").FullName;
        Directory.CreateDirectory(directory);
        try
        {
            string ptx = _compiler.Compile(entry);
            string stem = Path.Combine(directory, entry.Name);
            await File.WriteAllTextAsync(stem + ".ptx", ptx, cancellationToken);
            string log = await tools.AssembleAsync(stem + ".ptx", stem + ".cubin", Architecture, cancellationToken);
            string sass = await tools.DisassembleAsync(stem + ".cubin", cancellationToken);
            if (keepDirectory is not null)
            {
                await File.WriteAllTextAsync(stem + ".sass", sass, cancellationToken);
                await File.WriteAllTextAsync(stem + ".ptxas.txt", log, cancellationToken);
            }
            return Measure(entry, IlgpuPtxCompiler.EntryName(ptx), log, sass);
        }
        finally
        {
            if (keepDirectory is null) Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>Builds the report from ptxas's -v output and the SASS listing (no tools run here).</summary>
    public KernelPtxReport Measure(IlgpuKernelEntry entry, string entryName, string ptxasLog, string sass)
    {
        var resources = PtxasResourceUsage.Parse(ptxasLog, entryName);
        var functions = SassListing.Parse(sass);
        if (functions.Count == 0) throw new FormatException($"cuobjdump printed no SASS for {entry.Name}");
        var innermost = functions.SelectMany(f => f.InnermostLoops).ToList();
        int threads = entry.ThreadsPerBlock ?? _occupancy.MaxPotentialBlockSize(resources.Registers, resources.SharedBytes);
        return new KernelPtxReport(
            entry.Name, entryName, Architecture, entry.IsAttentionTile, threads, entry.ThreadsPerBlock is null,
            resources, _occupancy.Compute(threads, resources.Registers, resources.SharedBytes),
            InstructionMix.Count(functions.SelectMany(f => f.Instructions)),
            innermost.Count,
            InstructionMix.Sum(innermost.Select(l => l.Mix)),
            innermost.OrderByDescending(l => l.Mix.Hmma).ThenByDescending(l => l.Mix.Ffma).ThenByDescending(l => l.Mix.Total).FirstOrDefault()?.Mix,
            entry.IsTensorCore);
    }

    public void Dispose() => _compiler.Dispose();
}
