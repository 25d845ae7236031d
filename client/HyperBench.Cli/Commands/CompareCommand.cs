using System.Globalization;
using HyperBench.Cli.Exporters;
using HyperBench.Cli.Plans;
using HyperBench.Regressions;
using HyperBench.Storage;
using Spectre.Console;
using Spectre.Console.Cli;

namespace HyperBench.Cli.Commands;

/// <summary>
/// `hyperbench compare BASELINE CANDIDATE`: per case, the medians, change, p-value and verdict (docs/regressions.md); the verdicts
/// are stored in regression_verdicts. Exit 1 when any case is slower or less accurate, 2 bad input (nothing stored), 3 database unreachable.
/// </summary>
public sealed class CompareCommand(IAnsiConsole console) : AsyncCommand<CompareSettings>
{
    public static IReadOnlyList<string> Formats { get; } = ["table", "markdown", "json"];

    public override async Task<int> ExecuteAsync(CommandContext context, CompareSettings settings, CancellationToken cancellationToken)
    {
        SweepComparison comparison;
        string db;
        try
        {
            if (!Formats.Contains(settings.Format))
                throw new PlanException($"--format: '{settings.Format}' is not valid; use one of: {string.Join(", ", Formats)}.");
            var thresholds = new CompareThresholds
            {
                Effect = Fraction("--threshold", settings.Threshold, allowZero: true),
                Alpha = Fraction("--alpha", settings.Alpha, allowZero: false),
                CvLimit = Fraction("--cv-limit", settings.CvLimit, allowZero: false, max: double.MaxValue),
                ErrorRise = Fraction("--error-threshold", settings.ErrorThreshold, allowZero: true, max: double.MaxValue),
                ErrorFloor = Fraction("--error-floor", settings.ErrorFloor, allowZero: true, max: double.MaxValue),
            };
            (db, _) = CliConfiguration.Db(settings.Db);
            await using var store = await StoreOpener.OpenExistingAsync(settings.Db, cancellationToken);
            var regressions = (IRegressionStore)store;
            var (baseline, candidate) = await SweepReference.ResolveAsync(store, regressions, settings.Baseline, settings.Candidate, cancellationToken);
            (comparison, var mixed) = await SweepComparer.CompareStoredAsync(regressions, baseline, candidate, thresholds, DateTime.UtcNow,
                cancellationToken);
            if (mixed.Count > 0 && !settings.AllowMixed)
                throw new PlanException($"sweeps {baseline.SweepId} and {candidate.SweepId} were measured differently ({string.Join("; ", mixed)}); " +
                    "pass --allow-mixed to compare them anyway.");
            if (comparison.Cases.Count == 0)
                throw new PlanException($"sweeps {baseline.SweepId} and {candidate.SweepId} have no measured case in common (cases are matched by case id).");
        }
        catch (Exception ex) when (ex is PlanException or ArgumentException or RegressionInputException)
        {
            console.MarkupLine($"[red]error:[/] {Markup.Escape(ErrorText.For(ex))}");
            return ExitCodes.InvalidInput;
        }

        // Input is valid: only now is anything written (the verdicts, after migrating a database older than version 5).
        await using (var writer = StoreOpener.OpenWriter(db))
        {
            await writer.MigrateAsync(cancellationToken);
            await writer.SaveVerdictsAsync(comparison.ToRows(), cancellationToken);
        }

        switch (settings.Format)
        {
            case "json": Console.Out.Write(ComparisonReport.Json(comparison)); break;
            case "markdown": Console.Out.Write(ComparisonReport.Markdown(comparison)); break;
            default: ComparisonReport.Write(console, comparison); break;
        }
        return comparison.Regressed ? ExitCodes.Regressed : ExitCodes.Ok;
    }

    /// <summary>"5%" is 0.05; "0.05" is 0.05. Names the option and the value when it is not a number in range.</summary>
    internal static double Fraction(string option, string text, bool allowZero, double max = 1)
    {
        string s = (text ?? "").Trim();
        bool percent = s.EndsWith('%');
        if (percent) s = s[..^1].Trim();
        if (!double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) || !double.IsFinite(value))
            throw new PlanException($"{option}: '{text}' is not a number or a percentage (5% or 0.05).");
        if (percent) value /= 100;
        if (value < 0 || (!allowZero && value == 0) || value >= max)
            throw new PlanException($"{option}: '{text}' is out of range ({(allowZero ? ">= 0" : "> 0")}{(max < double.MaxValue ? $" and < {max.ToString(CultureInfo.InvariantCulture)}" : "")}).");
        return value;
    }
}
