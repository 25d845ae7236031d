using System.Reflection;
using HyperBench.Kernels.Backends.Ilgpu.Ptx;

namespace HyperBench.Kernels.Tests;

/// <summary>
/// The offline PTX gate over every kernel the ILGPU backend loads (sm_90, ptxas), and the SASS analysis it rests on,
/// checked on real ptxas output. Needs ptxas and cuobjdump: see <see cref="PtxToolsFixture"/>.
/// </summary>
public sealed class PtxGateTests(PtxToolsFixture fixture) : IClassFixture<PtxToolsFixture>
{
    public static TheoryData<string> CatalogKernels() => new(IlgpuKernelCatalog.All.Select(e => e.Name));

    [Theory]
    [MemberData(nameof(CatalogKernels))]
    public async Task CatalogKernel_Sm90_PassesGate(string name)
    {
        var entry = IlgpuKernelCatalog.All.Single(e => e.Name == name);
        var report = await InspectAsync(entry);
        var verdict = new PtxGate().Check(report);
        Assert.True(verdict.Passed, $"{name}: {string.Join("; ", verdict.Failures)}");
    }

    [Fact]
    public void Catalog_ListsEveryPublicKernelMethod()
    {
        var listed = IlgpuKernelCatalog.All.Select(e => e.Method.IsGenericMethod ? e.Method.GetGenericMethodDefinition() : e.Method).ToHashSet();
        var missing = IlgpuKernelCatalog.KernelClasses
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Static | BindingFlags.DeclaredOnly))
            .Where(m => m.ReturnType == typeof(void) && !listed.Contains(m))
            .Select(m => $"{m.DeclaringType!.Name}.{m.Name}")
            .ToList();
        Assert.True(missing.Count == 0, $"kernels missing from IlgpuKernelCatalog: {string.Join(", ", missing)}");
        Assert.Equal(IlgpuKernelCatalog.All.Count, IlgpuKernelCatalog.All.Select(e => e.Name).Distinct().Count());
    }

    [Fact]
    public async Task NestedLoopKernel_Sm90_InnermostLoopIsTheFfmaLoop()
    {
        var entry = new IlgpuKernelEntry("probe.nested", Probe(nameof(PtxProbeKernels.NestedLoops)), ExplicitlyGrouped: true, IsAttentionTile: true, PtxProbeKernels.Threads);
        var report = await InspectAsync(entry);

        Assert.Equal(0, report.Resources.StackFrameBytes);
        Assert.Equal(PtxProbeKernels.Threads * sizeof(float), report.Resources.SharedBytes);
        Assert.InRange(report.Resources.Registers, 1, 64);
        Assert.Equal(1, report.InnermostLoopCount);
        Assert.Equal(2, report.Whole.Bar);
        Assert.True(report.Whole.Sts >= 1, "the staging store is an STS");
        // The inner loop: a shared-memory dot product, two scalar LDS feeding one FFMA per iteration, no barrier inside.
        var hot = report.HotLoops;
        Assert.True(hot.Ffma >= 1, $"{hot}");
        Assert.True(hot.LdsScalar >= 2 * hot.Ffma, $"{hot}");
        Assert.Equal(0, hot.Bar);
        Assert.Equal(hot, report.HottestLoop);
        // Its mix is what the gate reads: it fails on the FFMA share and the scalar LDS, and on nothing else (no vector
        // shared loads at all leaves the FFMA-per-LDS.128 rule nothing to count).
        var failures = new PtxGate().Check(report).Failures;
        Assert.Equal(2, failures.Count);
        Assert.Contains(failures, f => f.StartsWith("hot loops are", StringComparison.Ordinal) && f.Contains("% FFMA", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("scalar LDS", StringComparison.Ordinal));
    }

    [Fact]
    public async Task NestedLoopKernel_Sm90_LoopsNestAsInTheSource()
    {
        var entry = new IlgpuKernelEntry("probe.nested", Probe(nameof(PtxProbeKernels.NestedLoops)), ExplicitlyGrouped: true, IsAttentionTile: true, PtxProbeKernels.Threads);
        var (_, sass) = await CompileAsync(entry);
        var function = Assert.Single(SassListing.Parse(sass));

        Assert.Equal(2, function.Loops.Count);
        var outer = function.Loops.Single(l => function.Loops.Any(l.Contains));
        var inner = Assert.Single(function.InnermostLoops);
        Assert.True(outer.Contains(inner));
        Assert.True(inner.Instructions[^1].IsBackwardBranch);
        Assert.Equal(inner.Start, inner.Instructions[^1].BranchTarget);
        Assert.Equal(2, outer.Mix.Bar);
        Assert.Contains(function.Instructions, i => i.Opcode == "EXIT");
        Assert.All(function.Instructions.Zip(function.Instructions.Skip(1)), p => Assert.Equal(p.First.Address + 16, p.Second.Address));
    }

    [Fact]
    public async Task LocalArrayKernel_Sm90_FailsGateOnStackAndLocalMemory()
    {
        var entry = new IlgpuKernelEntry("probe.local", Probe(nameof(PtxProbeKernels.LocalArray)), ExplicitlyGrouped: false, IsAttentionTile: false, ThreadsPerBlock: null);
        var report = await InspectAsync(entry);

        Assert.True(report.Resources.StackFrameBytes >= 32 * sizeof(float), $"stack {report.Resources.StackFrameBytes} B");
        Assert.True(report.Whole.Ldl > 0 && report.Whole.Stl > 0, $"{report.Whole}");
        Assert.True(report.ThreadsChosenByDriver);
        var failures = new PtxGate().Check(report).Failures;
        Assert.Contains(failures, f => f.StartsWith("stack frame of", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("LDL", StringComparison.Ordinal));
    }

    private static MethodInfo Probe(string name) => typeof(PtxProbeKernels).GetMethod(name, BindingFlags.Public | BindingFlags.Static)!;

    private async Task<KernelPtxReport> InspectAsync(IlgpuKernelEntry entry)
    {
        var inspector = fixture.Inspector;
        await fixture.Gate.WaitAsync(TestContext.Current.CancellationToken);
        try
        {
            return await inspector.InspectAsync(entry, null, TestContext.Current.CancellationToken);
        }
        finally
        {
            fixture.Gate.Release();
        }
    }

    private async Task<(string Log, string Sass)> CompileAsync(IlgpuKernelEntry entry)
    {
        var inspector = fixture.Inspector;
        string dir = Directory.CreateTempSubdirectory("hyperbench-ptx-test-").FullName;
        await fixture.Gate.WaitAsync(TestContext.Current.CancellationToken);
        try
        {
            await inspector.InspectAsync(entry, dir, TestContext.Current.CancellationToken);
            return (await File.ReadAllTextAsync(Path.Combine(dir, entry.Name + ".ptxas.txt"), TestContext.Current.CancellationToken),
                await File.ReadAllTextAsync(Path.Combine(dir, entry.Name + ".sass"), TestContext.Current.CancellationToken));
        }
        finally
        {
            fixture.Gate.Release();
            Directory.Delete(dir, recursive: true);
        }
    }
}
