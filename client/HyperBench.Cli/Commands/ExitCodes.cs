namespace HyperBench.Cli.Commands;

public static class ExitCodes
{
    public const int Ok = 0;

    /// <summary>At least one case failed (it is in the report with its reason).</summary>
    public const int CaseFailed = 1;

    /// <summary>Bad input: nothing ran, nothing was written.</summary>
    public const int InvalidInput = 2;

    /// <summary>A service the command needs (the results database, the cluster) could not be reached after retrying.</summary>
    public const int Unavailable = 3;

    /// <summary>Stopped by Ctrl+C or SIGTERM (128 + SIGINT, the shell's convention): the sweep is stored unfinished and can be resumed.</summary>
    public const int Interrupted = 130;
}
