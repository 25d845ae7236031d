namespace HyperBench.Kernels.Backends.Ilgpu.Ptx;

/// <summary>
/// SASS instruction counts that decide a SIMT attention kernel's speed: the FFMA share, how many FFMA each shared-memory
/// load feeds, and any local-memory traffic. Counts are static (instructions in the code), not executed.
/// </summary>
public sealed record InstructionMix(
    int Total, int Ffma, int Fmul, int Fadd, int Hmma,
    int LdsScalar, int Lds64, int Lds128, int Ldg128, int LdgOther, int Sts,
    int Ldl, int Stl, int Shfl, int Mufu, int Bar)
{
    public static InstructionMix Empty { get; } = new(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);

    /// <summary>Counts <paramref name="instructions"/>; NOPs (alignment padding) are not counted in <see cref="Total"/>.</summary>
    public static InstructionMix Count(IEnumerable<SassInstruction> instructions)
    {
        int total = 0, ffma = 0, fmul = 0, fadd = 0, hmma = 0, lds = 0, lds64 = 0, lds128 = 0, ldg128 = 0, ldg = 0, sts = 0, ldl = 0, stl = 0, shfl = 0, mufu = 0, bar = 0;
        foreach (var i in instructions)
        {
            string op = i.BaseOpcode;
            if (op == "NOP") continue;
            total++;
            bool wide128 = i.Modifiers.Contains("128"), wide64 = i.Modifiers.Contains("64");
            switch (op)
            {
                case "FFMA": ffma++; break;
                case "FMUL": fmul++; break;
                case "FADD": fadd++; break;
                case "HMMA": hmma++; break;
                case "LDS" when wide128: lds128++; break;
                case "LDS" when wide64: lds64++; break;
                case "LDS": lds++; break;
                case "LDG" when wide128: ldg128++; break;
                case "LDG": ldg++; break;
                case "STS": sts++; break;
                case "LDL": ldl++; break;
                case "STL": stl++; break;
                case "SHFL": shfl++; break;
                case "MUFU": mufu++; break;
                case "BAR": bar++; break;
            }
        }
        return new InstructionMix(total, ffma, fmul, fadd, hmma, lds, lds64, lds128, ldg128, ldg, sts, ldl, stl, shfl, mufu, bar);
    }

    public static InstructionMix operator +(InstructionMix a, InstructionMix b) => new(
        a.Total + b.Total, a.Ffma + b.Ffma, a.Fmul + b.Fmul, a.Fadd + b.Fadd, a.Hmma + b.Hmma,
        a.LdsScalar + b.LdsScalar, a.Lds64 + b.Lds64, a.Lds128 + b.Lds128, a.Ldg128 + b.Ldg128, a.LdgOther + b.LdgOther, a.Sts + b.Sts,
        a.Ldl + b.Ldl, a.Stl + b.Stl, a.Shfl + b.Shfl, a.Mufu + b.Mufu, a.Bar + b.Bar);

    /// <summary>FFMA as a fraction of all counted instructions (0 when there are none).</summary>
    public double FfmaFraction => Total == 0 ? 0 : (double)Ffma / Total;

    /// <summary>FFMA per 16-byte shared load, an LDS.64 counting as half of one; infinity when there are no vector shared loads.</summary>
    public double FfmaPerLds128 => Lds128 + Lds64 / 2.0 is var loads && loads > 0 ? Ffma / loads : double.PositiveInfinity;

    public int LocalAccesses => Ldl + Stl;

    public static InstructionMix Sum(IEnumerable<InstructionMix> mixes) => mixes.Aggregate(Empty, (a, b) => a + b);
}
