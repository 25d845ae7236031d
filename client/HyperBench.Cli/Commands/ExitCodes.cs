using HyperBench.Hosting;

namespace HyperBench.Cli.Commands;

/// <summary>The CLI's exit codes: the same numbers as the silo's (<see cref="ProcessExit"/>, docs/exit-codes.md).</summary>
public static class ExitCodes
{
    public const int Ok = ProcessExit.Ok;

    /// <summary>At least one case failed (it is in the report with its reason).</summary>
    public const int CaseFailed = ProcessExit.CaseFailed;

    /// <summary>`compare`: a case got slower, or HyperAttention's relative error rose (docs/regressions.md). The same number as a failed case: the gate failed.</summary>
    public const int Regressed = ProcessExit.CaseFailed;

    /// <summary>Bad input: nothing ran, nothing was written.</summary>
    public const int InvalidInput = ProcessExit.InvalidInput;

    /// <summary>A service the command needs (the results database, the cluster) could not be reached after retrying.</summary>
    public const int Unavailable = ProcessExit.Unavailable;

    /// <summary>Stopped by Ctrl+C or SIGTERM (128 + SIGINT, the shell's convention): the sweep is stored unfinished and can be resumed.</summary>
    public const int Interrupted = ProcessExit.Interrupted;
}
