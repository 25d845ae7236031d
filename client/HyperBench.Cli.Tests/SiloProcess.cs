using System.Diagnostics;

namespace HyperBench.Cli.Tests;

/// <summary>
/// Runs the standalone silo (silo/HyperBench.Silo, built with this project but kept in its own output folder) as a real process
/// with the given HYPERBENCH__* settings.
/// </summary>
internal static class SiloProcess
{
    public static CliProcess.Outcome Run(string workingDirectory, IReadOnlyDictionary<string, string> environment, TimeSpan timeout)
    {
        // A setting the silo wrongly accepted must not collide with a real silo on this machine: HTTP on a free port.
        var settings = new Dictionary<string, string>(environment) { ["ASPNETCORE_URLS"] = "http://127.0.0.1:0" };
        using var process = Start(workingDirectory, settings);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            return new CliProcess.Outcome(-1, $"the silo was still running after {timeout.TotalSeconds} s\n{stdout.Result}{stderr.Result}");
        }
        return new CliProcess.Outcome(process.ExitCode, stdout.Result + stderr.Result);
    }

    /// <summary>
    /// Starts a silo that keeps running (the caller kills it): only the given HYPERBENCH__* settings and ASPNETCORE_URLS, output
    /// redirected (the caller reads it).
    /// </summary>
    public static Process Start(string workingDirectory, IReadOnlyDictionary<string, string> environment)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        psi.ArgumentList.Add(DllPath());
        foreach (var key in psi.Environment.Keys.Where(k => k.StartsWith("HYPERBENCH__", StringComparison.OrdinalIgnoreCase)).ToList())
            psi.Environment.Remove(key);
        foreach (var (key, value) in environment) psi.Environment[key] = value;
        return Process.Start(psi)!;
    }

    /// <summary>silo/HyperBench.Silo/bin/CONFIGURATION/TFM/HyperBench.Silo.dll, the same configuration as these tests.</summary>
    private static string DllPath()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "HyperBench.slnx"))) dir = dir.Parent;
        if (dir is null) throw new InvalidOperationException($"no HyperBench.slnx above {AppContext.BaseDirectory}");
        string output = Path.GetRelativePath(Path.Combine(dir.FullName, "client", "HyperBench.Cli.Tests"), AppContext.BaseDirectory);
        string dll = Path.Combine(dir.FullName, "silo", "HyperBench.Silo", output, "HyperBench.Silo.dll");
        return File.Exists(dll) ? dll : throw new FileNotFoundException("the silo is not built next to the tests' configuration", dll);
    }
}
