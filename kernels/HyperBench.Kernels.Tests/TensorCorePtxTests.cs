using HyperBench.Kernels.Backends.Ilgpu.Ptx;

namespace HyperBench.Kernels.Tests;

/// <summary>
/// The tensor-core kernels' SASS (sm_90, ptxas): every mma.sync is an HMMA of the intended type, their number matches the
/// products written in the source, and nothing of the CPU emulation (its loops of exchange loads) reaches the GPU code.
/// </summary>
public sealed class TensorCorePtxTests(PtxToolsFixture fixture) : IClassFixture<PtxToolsFixture>
{
    [Theory]
    // Static HMMA count = the S loop body (4 key tiles; 3xTF32: x 2 k-steps of 8 x 3 products) + the written-out P V products
    // (2 steps of 16 keys x d/8 output tiles; 3xTF32: 4 steps of 8 keys x d/8 x 3).
    [InlineData("mma.forward.bf16.d64", "HMMA.16816.F32.BF16", 4, 20, 8)]
    [InlineData("mma.forward.fp16.d64", "HMMA.16816.F32", 4, 20, 8)]
    [InlineData("mma.forward.tf32x3.d64", "HMMA.1688.F32.TF32", 24, 120, 8)]
    [InlineData("mma.forward.bf16.d128", "HMMA.16816.F32.BF16", 4, 36, 8)]
    [InlineData("mma.forward.fp16.d128", "HMMA.16816.F32", 4, 36, 8)]
    [InlineData("mma.forward.tf32x3.d128", "HMMA.1688.F32.TF32", 24, 216, 8)]
    // Backward: the hottest loop is the S^T / dP^T loop (16-bit d 64: 4; 3xTF32: 12; d 128, one product per warp: 2); all = that
    // + the dQ loop (2; 3xTF32 6) + dV and dK written out (8 tiles each; 3xTF32: 2 k-steps x 8 x 3 each). No shuffles at all.
    [InlineData("mma.backward.bf16.d64", "HMMA.16816.F32.BF16", 4, 22, 0)]
    [InlineData("mma.backward.fp16.d64", "HMMA.16816.F32", 4, 22, 0)]
    [InlineData("mma.backward.tf32x3.d64", "HMMA.1688.F32.TF32", 12, 114, 0)]
    [InlineData("mma.backward.bf16.d128", "HMMA.16816.F32.BF16", 2, 20, 0)]
    [InlineData("mma.backward.fp16.d128", "HMMA.16816.F32", 2, 20, 0)]
    // 3xTF32 at d 128: the S^T, dP^T and dQ loops 2 x 3 each (dQ in two passes of 16 columns), dV and dK 2 k-steps x 8 x 3 each.
    [InlineData("mma.backward.tf32x3.d128", "HMMA.1688.F32.TF32", 6, 114, 0)]
    public async Task TensorCoreKernel_Sm90_HmmaOfTheRightTypeOncePerProduct(string name, string opcode, int hotHmma, int totalHmma, int shuffles)
    {
        var entry = IlgpuKernelCatalog.All.Single(e => e.Name == name);
        var inspector = fixture.Inspector;
        string dir = Directory.CreateTempSubdirectory("hyperbench-tc-test-").FullName;
        await fixture.Gate.WaitAsync(TestContext.Current.CancellationToken);
        try
        {
            var report = await inspector.InspectAsync(entry, dir, TestContext.Current.CancellationToken);
            var sass = SassListing.Parse(await File.ReadAllTextAsync(Path.Combine(dir, name + ".sass"), TestContext.Current.CancellationToken));
            var hmma = sass.SelectMany(f => f.Instructions).Where(i => i.BaseOpcode == "HMMA").ToList();

            Assert.Equal(totalHmma, hmma.Count);
            Assert.All(hmma, i => Assert.Equal(opcode, i.Opcode));
            Assert.Equal(hotHmma, report.HottestLoop!.Hmma);
            // The only shuffles are the forward softmax's (row max and row sums, two rows, two steps each): none from an emulation.
            Assert.Equal(shuffles, report.Whole.Shfl);
        }
        finally
        {
            fixture.Gate.Release();
            Directory.Delete(dir, recursive: true);
        }
    }
}
