using HyperBench.Cli.Commands;
using Spectre.Console;
using Spectre.Console.Cli;

var app = new CommandApp();
app.Configure(config =>
{
    config.SetApplicationName("hyperbench");
    config.AddBranch("kernels", kernels =>
    {
        kernels.SetDescription("Run attention kernels in this process (no cluster, no database).");
        kernels.AddCommand<KernelsBenchCommand>("bench")
            .WithDescription("Benchmark attention kernels: every raw sample, statistics, TFLOP/s and the environment go to a JSON report.")
            .WithExample("kernels", "bench", "--kernel", "flash", "--n", "1024,2048", "--causal", "both", "--pass", "fwd,fwdbwd", "--batch", "1", "--heads", "2", "--d", "64", "--seed", "1", "--json", "out.json")
            .WithExample("kernels", "bench", "--device", "ilgpu-cpu", "--n", "256", "--dump", "dump/");
    });
});
try
{
    return app.Run(args);
}
catch (CommandParseException ex)
{
    AnsiConsole.MarkupLine($"[red]error:[/] {Markup.Escape(ex.Message)}");
    return ExitCodes.InvalidInput;
}
