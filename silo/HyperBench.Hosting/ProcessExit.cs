using System.Reflection;
using HyperBench.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using Npgsql;

namespace HyperBench.Hosting;

/// <summary>
/// The one mapping from how a HyperBench process ended to its exit code and a one-line message, shared by the `hyperbench` CLI
/// and the silo host so that scripts read both the same way (docs/exit-codes.md). Never a stack trace: a user gets the value to fix.
/// </summary>
public static class ProcessExit
{
    public const int Ok = 0;

    /// <summary>At least one case failed (it is stored or reported with its reason).</summary>
    public const int CaseFailed = 1;

    /// <summary>Bad input (an option, a setting, a file): named in the message; nothing ran, nothing was written.</summary>
    public const int InvalidInput = 2;

    /// <summary>A service the process needs (the database, the cluster) could not be reached after retrying, or refused the login.</summary>
    public const int Unavailable = 3;

    /// <summary>A failure none of the above explains: a bug, reported in one line (HYPERBENCH_DEBUG=1 adds the stack trace).</summary>
    public const int InternalError = 70;

    /// <summary>Stopped by Ctrl+C or SIGTERM (128 + SIGINT, the shell's convention).</summary>
    public const int Interrupted = 130;

    /// <summary>The exit code and message for an exception that ended the process.</summary>
    /// <param name="isInvalidInput">The caller's own bad-input exceptions (e.g. the CLI parser's), beside the shared ones.</param>
    public static (int Code, string Message) Classify(Exception exception, Func<Exception, bool>? isInvalidInput = null)
    {
        for (Exception? e = exception; e is not null; e = Inner(e))
        {
            var known = Known(e, isInvalidInput);
            if (known is { } k) return (k.Code, SweepStoreFactory.Redact(k.Message));
        }
        return (InternalError, SweepStoreFactory.Redact($"{exception.GetType().Name}: {FirstLine(exception.Message)}"));
    }

    /// <summary>The message as printed: the stack trace too when HYPERBENCH_DEBUG is set (for bug reports).</summary>
    public static string Describe(Exception exception, string message) =>
        Environment.GetEnvironmentVariable("HYPERBENCH_DEBUG") is { Length: > 0 } and not "0" ? message + Environment.NewLine + exception : message;

    private static (int Code, string Message)? Known(Exception e, Func<Exception, bool>? isInvalidInput) => e switch
    {
        OperationCanceledException => (Interrupted, "interrupted"),
        StorageUnavailableException => (Unavailable, FirstLine(e.Message)),
        InvalidStoreException => (InvalidInput, e.Message),
        OptionsValidationException o => (InvalidInput, string.Join("; ", o.Failures)),
        // A settings file that does not parse (Microsoft.Extensions.Configuration names the file, the parser the place).
        InvalidDataException { InnerException: FormatException f } => (InvalidInput, $"{FirstLine(e.Message)} {FirstLine(f.Message)}"),
        _ when isInvalidInput?.Invoke(e) == true => (InvalidInput, e.Message),
        ArgumentException => (InvalidInput, e.Message.Split(" (Parameter", 2)[0]),
        // 14 SQLITE_CANTOPEN, 26 SQLITE_NOTADB, 8 SQLITE_READONLY: the file named by the setting, not the program.
        SqliteException { SqliteErrorCode: 14 or 26 or 8 } => (InvalidInput, $"database file: {e.Message}"),
        PostgresException or NpgsqlException => (Unavailable, $"database: {FirstLine(e.Message)}"),
        // The cluster stayed unreachable through ClusterRetry's bounded retries (a silo died and did not come back).
        _ when ClusterRetry.IsTransient(e) => (Unavailable, $"cluster: {FirstLine(e.Message)}"),
        _ => null,
    };

    private static Exception? Inner(Exception e) => e switch
    {
        AggregateException { InnerExceptions.Count: > 0 } a => a.InnerExceptions[0],
        TargetInvocationException t => t.InnerException,
        _ => e.InnerException,
    };

    private static string FirstLine(string text) => text.Split('\n', 2)[0].TrimEnd('\r');
}
