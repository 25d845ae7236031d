using Microsoft.Extensions.Logging.Console;

namespace HyperBench.Silo;

/// <summary>The silo's console log: one line per entry with a UTC timestamp, so a silo's log can be lined up with a sweep's results.</summary>
public static class ConsoleLoggingExtensions
{
    /// <summary>ISO 8601 UTC with milliseconds, then a space: 2026-11-27T15:00:53.123Z info: ...</summary>
    public const string TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";

    public static IHostApplicationBuilder AddHyperBenchConsoleLogging(this IHostApplicationBuilder builder)
    {
        builder.Logging.AddSimpleConsole(o =>
        {
            o.TimestampFormat = TimestampFormat;
            o.UseUtcTimestamp = true;
            o.SingleLine = true;
        });
        return builder;
    }
}
