namespace HyperBench.Cli.Plans;

/// <summary>A named set of plan options (`--preset NAME`): data, the same for `sweep` and `kernels bench`; options given explicitly win.</summary>
/// <param name="Name">What --preset takes.</param>
/// <param name="Source">Where its values come from, for the summary and the docs.</param>
/// <param name="Options">The options it sets; those it leaves null keep the command's defaults (measurement settings, dtype, seed, ...).</param>
public sealed record PlanPreset(string Name, string Source, PlanLayer Options);

/// <summary>
/// The known presets (docs/plans.md, "Presets"). A preset is a <see cref="PlanLayer"/>: flat option values under the options' names,
/// so that when plans become files a preset is one written out.
/// </summary>
public static class Presets
{
    /// <summary>
    /// The HyperAttention paper's single-layer benchmark (Han et al. 2023, section 4.2; the authors' benchmark_single_attention.py):
    /// n = 1k..128k, batch 1, 12 heads (the paper's text; the authors' script defaults to 32: --heads 32), d = 64, r = 7, b = m = 256,
    /// min_seq_len = 4096, uniform sampling, causal and not, forward, backward and forward+backward, flash beside hyper.
    /// </summary>
    public static PlanPreset Paper { get; } = new(
        "paper",
        "the HyperAttention paper's single-layer benchmark (Han et al. 2023, section 4.2)",
        new PlanLayer
        {
            Kernel = "flash,hyper",
            N = "1k,2k,4k,8k,16k,32k,64k,128k",
            Causal = "both",
            Pass = "fwd,bwd,fwdbwd",
            Batch = "1",
            Heads = "12",
            D = "64",
            LshProjections = 7,
            BlockSize = 256,
            Samples = 256,
            MinSeqLen = 4096,
            Sampling = "uniform",
        });

    public static IReadOnlyList<PlanPreset> All { get; } = [Paper];

    /// <summary>The preset named <paramref name="name"/> (case-insensitive), or null for none.</summary>
    /// <exception cref="PlanException">No preset has that name: names it and lists the known ones.</exception>
    public static PlanPreset? Find(string? name)
    {
        if (name is null) return null;
        return All.FirstOrDefault(p => string.Equals(p.Name, name.Trim(), StringComparison.OrdinalIgnoreCase))
            ?? throw new PlanException($"--preset: '{name}' is not a preset; known presets: {string.Join(", ", All.Select(p => p.Name))}.");
    }
}
