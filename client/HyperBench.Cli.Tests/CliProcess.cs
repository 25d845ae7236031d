using System.Diagnostics;

namespace HyperBench.Cli.Tests;

/// <summary>Runs the built `hyperbench` executable as a real process (the same binary a user runs).</summary>
internal static class CliProcess
{
    public sealed record Outcome(int ExitCode, string Output);

    public static Outcome Run(string workingDirectory, params string[] args) => Run(workingDirectory, new Dictionary<string, string?>(), args);

    /// <summary>Runs with extra environment variables (a null value removes the variable).</summary>
    public static Outcome Run(string workingDirectory, IReadOnlyDictionary<string, string?> environment, params string[] args)
    {
        using var process = Start(workingDirectory, environment, args);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(3)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"hyperbench {string.Join(' ', args)} did not finish in 3 minutes");
        }
        return new Outcome(process.ExitCode, stdout.Result + stderr.Result);
    }

    /// <summary>Starts the process with output redirected (the caller reads or discards it).</summary>
    public static Process Start(string workingDirectory, params string[] args) => Start(workingDirectory, new Dictionary<string, string?>(), args);

    public static Process Start(string workingDirectory, IReadOnlyDictionary<string, string?> environment, params string[] args)
    {
        string exe = Path.Combine(AppContext.BaseDirectory, "hyperbench");
        var psi = new ProcessStartInfo(File.Exists(exe) ? exe : "dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        if (!File.Exists(exe)) psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "hyperbench.dll"));
        foreach (var a in args) psi.ArgumentList.Add(a);
        // Settings of the test runner's environment must not reach the CLI (its database, its in-process silo).
        foreach (string key in psi.Environment.Keys.Where(k => k.StartsWith("HYPERBENCH__", StringComparison.OrdinalIgnoreCase)).ToList())
            psi.Environment.Remove(key);
        // Nor may the runner's terminal width change the layout under test.
        psi.Environment.Remove("COLUMNS");
        // The noise gate re-measures cases whose CV is above its limit: how many depends on this machine's load, so a test's sweeps
        // run without it unless the test turns it on (--cv-limit, or this variable in its environment).
        psi.Environment["HYPERBENCH__CvLimit"] = "off";
        foreach (var (name, value) in environment) psi.Environment[name] = value;
        var process = Process.Start(psi)!;
        return process;
    }

    public static string TempDirectory()
    {
        string dir = Path.Combine(Path.GetTempPath(), "hyperbench-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        return dir;
    }
}
