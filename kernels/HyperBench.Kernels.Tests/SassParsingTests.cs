using HyperBench.Kernels.Backends.Ilgpu.Ptx;

namespace HyperBench.Kernels.Tests;

/// <summary>ptxas -v and cuobjdump text parsing on fixed excerpts (the real-output checks are in <see cref="PtxGateTests"/>).</summary>
public sealed class SassParsingTests
{
    private const string PtxasLog = """
        ptxas info    : 0 bytes gmem
        ptxas info    : Function properties for helper
            24 bytes stack frame, 8 bytes spill stores, 8 bytes spill loads
        ptxas info    : Compiling entry function 'Kernel_Forward' for 'sm_90'
        ptxas info    : Function properties for Kernel_Forward
            640 bytes stack frame, 4 bytes spill stores, 12 bytes spill loads
        ptxas info    : Used 32 registers, 16512 bytes smem, 384 bytes cmem[0], 8 bytes cmem[2]
        ptxas info    : Compiling entry function 'Kernel_Other' for 'sm_90'
        ptxas info    : Function properties for Kernel_Other
            0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
        ptxas info    : Used 16 registers
        """;

    [Fact]
    public void PtxasParse_EntryAmongOthers_ReadsOnlyItsOwnLines()
    {
        var usage = PtxasResourceUsage.Parse(PtxasLog, "Kernel_Forward");

        Assert.Equal(new PtxasResourceUsage(32, 640, 4, 12, 16512, 392), usage);
        Assert.Equal(new PtxasResourceUsage(16, 0, 0, 0, 0, 0), PtxasResourceUsage.Parse(PtxasLog, "Kernel_Other"));
    }

    [Fact]
    public void PtxasParse_UnknownEntry_Throws() =>
        Assert.Throws<FormatException>(() => PtxasResourceUsage.Parse(PtxasLog, "Kernel_Missing"));

    private const string Sass = """
        	code for sm_90
        		Function : Kernel_Probe
        	.headerflags    @"EF_CUDA_SM90 EF_CUDA_PTX_SM(EF_CUDA_SM90)"
                /*0000*/                   LDC R1, c[0x0][0x28] ;                  /* 0x00000a00ff017b82 */
                                                                                   /* 0x000e240000000800 */
                /*0010*/                   LDS.U.128 R4, [R2] ;                    /* 0x0000000002047984 */
                /*0020*/                   FFMA R6, R3, R4, R6 ;                   /* 0x0000000403067223 */
                /*0030*/                   LDS.64 R8, [R2+0x10] ;                  /* 0x0000000002087984 */
                /*0040*/                   FFMA R6, R8, R9, R6 ;                   /* 0x0000000403067223 */
                /*0050*/              @!P0 BRA 0x20 ;                              /* 0xfffffffc00d88947 */
                /*0060*/                   LDS R3, [R2] ;                          /* 0x0000000002037984 */
                /*0070*/               @P1 BRA 0x60 ;                              /* 0xfffffffc00d88947 */
                /*0080*/                   ISETP.GE.AND P0, PT, R5, 0x100, PT ;    /* 0x000001000500780c */
                /*0090*/              @!P0 BRA 0x10 ;                              /* 0xfffffffc00988947 */
                /*00a0*/                   STL [R1], R3 ;                          /* 0x0000000302007986 */
                /*00b0*/                   EXIT ;                                  /* 0x000000000000794d */
                /*00c0*/                   BRA 0xc0;                               /* 0xfffffffc00fc7947 */
                /*00d0*/                   NOP;                                    /* 0x0000000000007918 */
        		..........
        """;

    [Fact]
    public void SassParse_Listing_ReadsPredicatesOpcodesAndTargets()
    {
        var f = Assert.Single(SassListing.Parse(Sass));

        Assert.Equal("Kernel_Probe", f.Name);
        Assert.Equal(14, f.Instructions.Count);
        var bra = f.Instructions.Single(i => i.Address == 0x50);
        Assert.Equal(("@!P0", "BRA", 0x20), (bra.Predicate, bra.Opcode, bra.BranchTarget!.Value));
        Assert.Equal(["U", "128"], f.Instructions[1].Modifiers);
        // The trailing self-branch (BRA to its own address) is padding, not a loop.
        Assert.False(f.Instructions.Single(i => i.Address == 0xc0).IsBackwardBranch);
    }

    [Fact]
    public void SassLoops_TwoInnerLoopsInAnOuter_InnermostAreTheInnerOnes()
    {
        var f = Assert.Single(SassListing.Parse(Sass));

        Assert.Equal([(0x10, 0x90), (0x20, 0x50), (0x60, 0x70)], f.Loops.Select(l => (l.Start, l.End)));
        Assert.Equal([(0x20, 0x50), (0x60, 0x70)], f.InnermostLoops.Select(l => (l.Start, l.End)));
        var hot = InstructionMix.Sum(f.InnermostLoops.Select(l => l.Mix));
        Assert.Equal((6, 2, 0, 1, 1), (hot.Total, hot.Ffma, hot.Lds128, hot.Lds64, hot.LdsScalar));
        // The LDS.U.128 is in the outer loop only; the LDS.64 counts as half a 16-byte load: 2 FFMA / 0.5.
        Assert.Equal(4.0, hot.FfmaPerLds128, 12);
        var whole = InstructionMix.Count(f.Instructions);
        Assert.Equal((13, 1, 0), (whole.Total, whole.Stl, whole.Ldl));
    }

    [Fact]
    public void SassLoops_TwoBackEdgesToOneHeader_OneLoop()
    {
        const string text = """
                Function : K
                /*0000*/                   FFMA R6, R3, R4, R6 ;
                /*0010*/               @P0 BRA 0x0 ;
                /*0020*/                   FFMA R6, R3, R4, R6 ;
                /*0030*/               @P1 BRA 0x0 ;
                /*0040*/                   EXIT ;
            """;
        var f = Assert.Single(SassListing.Parse(text));

        var loop = Assert.Single(f.Loops);
        Assert.Equal((0x0, 0x30, 2), (loop.Start, loop.End, loop.Mix.Ffma));
    }
}
