using System.Text.Json;
using HyperBench.Cli.Exporters;
using HyperBench.Cli.Plans;
using HyperBench.Kernels.Backends.Ilgpu.Ptx;
using Spectre.Console;
using Spectre.Console.Cli;

namespace HyperBench.Cli.Commands;

/// <summary>
/// `hyperbench kernels ptx`: the offline PTX gate. Compiles every catalog kernel to PTX (no GPU needed), assembles it with
/// ptxas, disassembles the cubin and checks registers, local memory, shared memory, occupancy and the hot-loop instruction mix.
/// </summary>
public sealed class KernelsPtxCommand(IAnsiConsole console) : AsyncCommand<KernelsPtxSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, KernelsPtxSettings settings, CancellationToken cancellationToken)
    {
        if (!IlgpuPtxCompiler.SupportedArchitectures.Contains(settings.Arch))
            return Invalid($"--arch: '{settings.Arch}' is not one of {string.Join(", ", IlgpuPtxCompiler.SupportedArchitectures)}.");
        var entries = IlgpuKernelCatalog.Matching(settings.Kernel);
        if (entries.Count == 0)
            return Invalid($"--kernel: '{settings.Kernel}' matches no kernel; the catalog has {string.Join(", ", IlgpuKernelCatalog.All.Select(e => e.Name))}.");
        if (settings.Ptxas is { } hint && !File.Exists(hint) && !Directory.Exists(hint))
            return Invalid($"--ptxas: '{hint}' is neither a file nor a directory.");

        try
        {
            OutputPath.CheckFile("--json", settings.Json);
            OutputPath.CheckFile("--markdown", settings.Markdown);
            OutputPath.CheckDirectory("--keep", settings.Keep);
        }
        catch (PlanException ex)
        {
            return Invalid(ex.Message);
        }

        var tools = CudaToolchain.Locate(settings.Ptxas, out string why);
        if (tools is null)
        {
            console.MarkupLine($"[red]error:[/] {Markup.Escape(why)}.");
            console.MarkupLine(Markup.Escape(CudaToolchain.HowToGet));
            return ExitCodes.Unavailable;
        }

        string version = await tools.PtxasVersionAsync(cancellationToken);
        console.MarkupLine($"[bold]HyperBench[/] kernels ptx: {entries.Count} kernel(s) for [green]{settings.Arch}[/] with {Markup.Escape(tools.PtxasPath)} ({Markup.Escape(version)})");
        var gate = new PtxGate();
        var rows = new List<PtxGateRow>();
        using (var inspector = new PtxInspector(tools, settings.Arch))
        {
            foreach (var entry in entries)
            {
                var report = await inspector.InspectAsync(entry, settings.Keep, cancellationToken);
                rows.Add(new PtxGateRow(report, gate.Check(report)));
            }
        }

        var result = new PtxGateReport("hyperbench", "hyperbench " + string.Join(' ', Environment.GetCommandLineArgs().Skip(1)), DateTimeOffset.UtcNow,
            settings.Arch, version, gate.Thresholds, rows);
        console.Write(PtxGateTable.Build(rows));
        foreach (var row in rows.Where(r => !r.Verdict.Passed))
            console.MarkupLine($"[red]{Markup.Escape(row.Report.Name)}[/]: {Markup.Escape(string.Join("; ", row.Verdict.Failures))}");
        if (settings.Json is { } json)
        {
            Write(json, JsonSerializer.Serialize(result, JsonReportWriter.Options));
            console.MarkupLine($"JSON report: [blue]{Markup.Escape(Path.GetFullPath(json))}[/]");
        }
        if (settings.Markdown is { } markdown)
        {
            Write(markdown, PtxGateTable.Markdown(result));
            console.MarkupLine($"Markdown report: [blue]{Markup.Escape(Path.GetFullPath(markdown))}[/]");
        }
        if (settings.Keep is { } keep) console.MarkupLine($".ptx, .cubin, .sass and ptxas output kept in [blue]{Markup.Escape(Path.GetFullPath(keep))}[/]");
        console.MarkupLine(result.Passed
            ? $"[green]all {rows.Count} kernel(s) pass the gate[/]"
            : $"[red]{rows.Count(r => !r.Verdict.Passed)} of {rows.Count} kernel(s) fail the gate[/]");
        return result.Passed ? ExitCodes.Ok : ExitCodes.CaseFailed;
    }

    private int Invalid(string message)
    {
        console.MarkupLine($"[red]error:[/] {Markup.Escape(message)}");
        return ExitCodes.InvalidInput;
    }

    private static void Write(string path, string text)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(directory)) Directory.CreateDirectory(directory);
        File.WriteAllText(path, text);
    }
}
