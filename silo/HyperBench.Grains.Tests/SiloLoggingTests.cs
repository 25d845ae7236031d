using System.Globalization;
using System.Text.RegularExpressions;
using HyperBench.Silo;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;

namespace HyperBench.Grains.Tests;

/// <summary>The standalone silo's console log format (its Program.cs calls AddHyperBenchConsoleLogging).</summary>
public sealed partial class SiloLoggingTests
{
    [Fact]
    public void AddHyperBenchConsoleLogging_LogEntry_StartsWithUtcIsoTimestampOnOneLine()
    {
        var builder = WebApplication.CreateBuilder();
        builder.AddHyperBenchConsoleLogging();
        using var services = builder.Services.BuildServiceProvider();
        string formatterName = services.GetRequiredService<Microsoft.Extensions.Options.IOptions<ConsoleLoggerOptions>>().Value.FormatterName!;
        var formatter = services.GetServices<ConsoleFormatter>().Single(f => f.Name == formatterName);
        var writer = new StringWriter(CultureInfo.InvariantCulture);

        var before = DateTime.UtcNow;
        formatter.Write(new LogEntry<string>(LogLevel.Information, "HyperBench.Hosting.DeviceWorker", new EventId(1), "Device worker node/cpu started",
            null, (s, _) => s), scopeProvider: null, writer);
        var after = DateTime.UtcNow;

        string text = writer.ToString();
        var match = Timestamp().Match(text);
        Assert.True(match.Success, $"no leading timestamp: {text}");
        var stamp = DateTime.ParseExact(match.Groups[1].Value, "yyyy-MM-ddTHH:mm:ss.fff", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);
        // UTC, not local time: within the call's window (the format truncates to milliseconds).
        Assert.InRange(stamp, before.AddMilliseconds(-1), after);
        Assert.Contains("Device worker node/cpu started", text, StringComparison.Ordinal);
        Assert.Single(text.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [GeneratedRegex(@"^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3})Z info: ")]
    private static partial Regex Timestamp();
}
