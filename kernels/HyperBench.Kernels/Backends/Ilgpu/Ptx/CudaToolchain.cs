using System.Diagnostics;

namespace HyperBench.Kernels.Backends.Ilgpu.Ptx;

/// <summary>
/// NVIDIA's offline assembler and disassembler (ptxas, cuobjdump): neither needs a GPU or a driver. Debian's
/// nvidia-cuda-toolkit package (non-free) has them; extracting it with <c>dpkg -x</c> is enough.
/// </summary>
public sealed record CudaToolchain(string PtxasPath, string CuobjdumpPath)
{
    /// <summary>A directory holding ptxas and cuobjdump (CI sets it to the extracted package's usr/bin).</summary>
    public const string ToolsVariable = "HYPERBENCH_CUDA_TOOLS";

    public const string HowToGet =
        "ptxas and cuobjdump come with NVIDIA's CUDA toolkit; on Debian, enable the non-free component and run " +
        "`apt-get download nvidia-cuda-toolkit && dpkg -x nvidia-cuda-toolkit_*.deb DIR`, then set " + ToolsVariable + "=DIR/usr/bin " +
        "(or pass --ptxas DIR/usr/bin).";

    /// <summary>Per tool run: ptxas on the largest kernel takes well under a second; a hang should not stall CI.</summary>
    public static TimeSpan Timeout { get; } = TimeSpan.FromSeconds(120);

    /// <summary>
    /// Finds the tools: <paramref name="hint"/> (the ptxas file or its directory), else $HYPERBENCH_CUDA_TOOLS, else PATH.
    /// Null with <paramref name="why"/> when either tool is missing.
    /// </summary>
    public static CudaToolchain? Locate(string? hint, out string why)
    {
        string? directory;
        string source;
        if (!string.IsNullOrEmpty(hint))
        {
            directory = File.Exists(hint) ? Path.GetDirectoryName(Path.GetFullPath(hint)) : hint;
            source = $"--ptxas {hint}";
        }
        else if (Environment.GetEnvironmentVariable(ToolsVariable) is { Length: > 0 } env)
        {
            directory = env;
            source = $"{ToolsVariable}={env}";
        }
        else
        {
            directory = null;
            source = "PATH";
        }

        string? ptxas = Find("ptxas", directory), cuobjdump = Find("cuobjdump", directory);
        if (ptxas is not null && cuobjdump is not null)
        {
            why = "";
            return new CudaToolchain(ptxas, cuobjdump);
        }
        var missing = new[] { ptxas is null ? "ptxas" : null, cuobjdump is null ? "cuobjdump" : null }.OfType<string>();
        why = $"{string.Join(" and ", missing)} not found (looked in {source})";
        return null;
    }

    private static string? Find(string tool, string? directory)
    {
        if (directory is not null)
        {
            string path = Path.Combine(directory, tool);
            return File.Exists(path) ? Path.GetFullPath(path) : null;
        }
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            string path = Path.Combine(dir, tool);
            if (File.Exists(path)) return path;
        }
        return null;
    }

    /// <summary>Assembles <paramref name="ptxPath"/> into <paramref name="cubinPath"/>; returns ptxas's -v report.</summary>
    public async Task<string> AssembleAsync(string ptxPath, string cubinPath, string architecture, CancellationToken cancellationToken)
    {
        var (stdout, stderr) = await RunAsync(PtxasPath, ["-arch=" + architecture, "-v", "-o", cubinPath, ptxPath], cancellationToken);
        // ptxas writes its -v lines to stderr or stdout depending on the version: keep both.
        return stdout + stderr;
    }

    /// <summary>The SASS listing of a cubin.</summary>
    public async Task<string> DisassembleAsync(string cubinPath, CancellationToken cancellationToken) =>
        (await RunAsync(CuobjdumpPath, ["-sass", cubinPath], cancellationToken)).StdOut;

    /// <summary>ptxas's release line (e.g. "Cuda compilation tools, release 11.8, V11.8.89"): figures depend on it.</summary>
    public async Task<string> PtxasVersionAsync(CancellationToken cancellationToken)
    {
        var (stdout, _) = await RunAsync(PtxasPath, ["--version"], cancellationToken);
        return stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault(l => l.StartsWith("Cuda compilation tools", StringComparison.Ordinal)) ?? "";
    }

    private static async Task<(string StdOut, string StdErr)> RunAsync(string file, IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) info.ArgumentList.Add(a);
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {file}");
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout);
        var stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            if (cancellationToken.IsCancellationRequested) throw;
            throw new TimeoutException($"{Path.GetFileName(file)} {string.Join(' ', args)} did not finish in {Timeout.TotalSeconds:F0} s");
        }
        string output = await stdout, error = await stderr;
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{Path.GetFileName(file)} {string.Join(' ', args)} exited with {process.ExitCode}: {error.Trim()} {output.Trim()}".Trim());
        return (output, error);
    }
}
