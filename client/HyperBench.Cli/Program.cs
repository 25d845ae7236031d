using HyperBench.Cli.Commands;
using Spectre.Console;
using Spectre.Console.Cli;

// Redirected output (CI logs, files) has no terminal width; Spectre would then wrap tables at 80 columns.
if (Console.IsOutputRedirected) AnsiConsole.Profile.Width = 220;

var app = new CommandApp();
app.Configure(config =>
{
    config.SetApplicationName("hyperbench");
    config.UseStrictParsing();
    config.PropagateExceptions();
    config.AddBranch("kernels", kernels =>
    {
        kernels.SetDescription("Run attention kernels in this process (no cluster, no database).");
        kernels.AddCommand<KernelsBenchCommand>("bench")
            .WithDescription("Benchmark attention kernels: every raw sample, statistics, TFLOP/s and the environment go to a JSON report.")
            .WithExample("kernels", "bench", "--kernel", "flash", "--seq-len", "1024,2048", "--causal", "both", "--pass", "fwd,fwdbwd", "--batch", "1", "--heads", "2", "--head-dim", "64", "--seed", "1", "--json", "out.json")
            .WithExample("kernels", "bench", "--device", "ilgpu-cpu", "--seq-len", "256", "--dump", "dump/");
    });
});
try
{
    return app.Run(OptionAliases.Expand(args));
}
catch (CommandParseException ex)
{
    AnsiConsole.MarkupLine($"[red]error:[/] {Markup.Escape(ex.Message)}");
    return ExitCodes.InvalidInput;
}
