using System.Diagnostics;

namespace HyperBench.Cli.Tests;

/// <summary>Runs the built `hyperbench` executable as a real process (the same binary a user runs).</summary>
internal static class CliProcess
{
    public sealed record Outcome(int ExitCode, string Output);

    public static Outcome Run(string workingDirectory, params string[] args) => Run(workingDirectory, null, args);

    /// <summary>As <see cref="Run(string, string[])"/>, with extra environment variables.</summary>
    public static Outcome Run(string workingDirectory, IReadOnlyDictionary<string, string>? environment, params string[] args)
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
    public static Process Start(string workingDirectory, params string[] args) => Start(workingDirectory, null, args);

    public static Process Start(string workingDirectory, IReadOnlyDictionary<string, string>? environment, params string[] args)
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
        // Environment settings of the test runner must not redirect the CLI's database.
        psi.Environment.Remove("HYPERBENCH__DB");
        foreach (var (key, value) in environment ?? new Dictionary<string, string>()) psi.Environment[key] = value;
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
