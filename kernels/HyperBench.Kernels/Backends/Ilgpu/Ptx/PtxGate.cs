using System.Globalization;

namespace HyperBench.Kernels.Backends.Ilgpu.Ptx;

/// <summary>
/// Pass/fail rules over a <see cref="KernelPtxReport"/>. Every kernel: no stack frame, no spills, no LDL/STL, static shared
/// memory within CUDA's 48 KB, occupancy at or above the floor. SIMT attention tiles, in their innermost loops: FFMA share,
/// FFMA per 16-byte shared load, and no scalar shared loads. Tensor-core attention tiles: HMMA in their innermost loops (their
/// fragment loads are 4- and 8-byte by the mma layout, and their FLOPs are not FFMA, so the SIMT loop rules do not apply).
/// </summary>
public sealed class PtxGate(PtxGateThresholds thresholds)
{
    public PtxGate() : this(PtxGateThresholds.Default)
    {
    }

    public PtxGateThresholds Thresholds { get; } = thresholds;

    public PtxGateVerdict Check(KernelPtxReport report)
    {
        var t = Thresholds;
        var r = report.Resources;
        var failures = new List<string>();
        if (r.StackFrameBytes > t.MaxStackFrameBytes)
            failures.Add($"stack frame of {r.StackFrameBytes} B (limit {t.MaxStackFrameBytes} B): per-thread arrays live in local memory");
        if (r.SpillBytes > t.MaxSpillBytes)
            failures.Add($"{r.SpillStoreBytes} B spill stores + {r.SpillLoadBytes} B spill loads (limit {t.MaxSpillBytes} B)");
        if (report.Whole.LocalAccesses > 0)
            failures.Add($"{report.Whole.Ldl} LDL + {report.Whole.Stl} STL in the SASS: local-memory traffic");
        if (r.SharedBytes > t.MaxStaticSharedBytes)
            failures.Add($"{r.SharedBytes} B of static shared memory (limit {t.MaxStaticSharedBytes} B)");
        if (report.Occupancy.Fraction < t.MinOccupancy)
            failures.Add($"occupancy {Percent(report.Occupancy.Fraction)} at {report.ThreadsPerBlock} threads, {r.Registers} registers " +
                $"(floor {Percent(t.MinOccupancy)}; limited by {report.Occupancy.Limiter})");

        if (report.IsAttentionTile && report.IsTensorCore)
        {
            if (report.InnermostLoopCount == 0)
                failures.Add("no loop found in the SASS: the hot-loop checks cannot apply");
            else if (report.HotLoops.Hmma < t.MinHotLoopHmma)
                failures.Add($"{report.HotLoops.Hmma} HMMA in the hot loops ({report.Whole.Hmma} in the kernel; floor {t.MinHotLoopHmma}): the products do not run on tensor cores");
        }
        else if (report.IsAttentionTile)
        {
            var hot = report.HotLoops;
            if (report.InnermostLoopCount == 0)
                failures.Add("no loop found in the SASS: the hot-loop checks cannot apply");
            else
            {
                if (hot.FfmaFraction < t.MinHotLoopFfmaFraction)
                    failures.Add($"hot loops are {Percent(hot.FfmaFraction)} FFMA ({hot.Ffma} of {hot.Total}; floor {Percent(t.MinHotLoopFfmaFraction)})");
                if (hot.FfmaPerLds128 < t.MinFfmaPerLds128)
                    failures.Add($"hot loops have {hot.FfmaPerLds128.ToString("F1", CultureInfo.InvariantCulture)} FFMA per LDS.128 " +
                        $"({hot.Ffma} FFMA, {hot.Lds128} LDS.128, {hot.Lds64} LDS.64; floor {t.MinFfmaPerLds128.ToString(CultureInfo.InvariantCulture)})");
                if (hot.LdsScalar > t.MaxHotLoopScalarLds)
                    failures.Add($"{hot.LdsScalar} scalar LDS in the hot loops (limit {t.MaxHotLoopScalarLds}): use 16-byte shared loads");
            }
        }
        return new PtxGateVerdict(report.Name, failures);
    }

    private static string Percent(double fraction) => (fraction * 100).ToString("F1", CultureInfo.InvariantCulture) + "%";
}
