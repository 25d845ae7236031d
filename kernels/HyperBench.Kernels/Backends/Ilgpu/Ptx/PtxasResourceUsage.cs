using System.Globalization;
using System.Text.RegularExpressions;

namespace HyperBench.Kernels.Backends.Ilgpu.Ptx;

/// <summary>What <c>ptxas -v</c> reports for one entry function.</summary>
public sealed partial record PtxasResourceUsage(int Registers, int StackFrameBytes, int SpillStoreBytes, int SpillLoadBytes, int SharedBytes, int ConstantBytes)
{
    /// <summary>
    /// Parses the lines that follow "Compiling entry function 'NAME'" up to the next function. Throws when the entry or its
    /// register line is missing: a silent zero would pass the gate.
    /// </summary>
    public static PtxasResourceUsage Parse(string log, string entryName)
    {
        var lines = log.Split('\n');
        int start = Array.FindIndex(lines, l => l.Contains($"Compiling entry function '{entryName}'", StringComparison.Ordinal));
        if (start < 0) throw new FormatException($"ptxas output has no entry function '{entryName}'");
        int? stack = null, spillStores = null, spillLoads = null, registers = null;
        int shared = 0, constant = 0;
        for (int i = start + 1; i < lines.Length && !lines[i].Contains("Compiling entry function", StringComparison.Ordinal); i++)
        {
            // Properties of called .func functions are printed under their own name; only the entry's own line counts here.
            if (lines[i].Contains("Function properties for", StringComparison.Ordinal) &&
                !lines[i].TrimEnd().EndsWith(" " + entryName, StringComparison.Ordinal)) { i++; continue; }
            if (Frame().Match(lines[i]) is { Success: true } f)
            {
                stack = Int(f.Groups[1]);
                spillStores = Int(f.Groups[2]);
                spillLoads = Int(f.Groups[3]);
            }
            if (Used().Match(lines[i]) is { Success: true } u)
            {
                registers = Int(u.Groups[1]);
                if (Smem().Match(lines[i]) is { Success: true } s) shared = Int(s.Groups[1]);
                foreach (Match c in Cmem().Matches(lines[i])) constant += Int(c.Groups[1]);
            }
        }
        if (registers is null || stack is null)
            throw new FormatException($"ptxas output for '{entryName}' lacks its register or stack-frame line");
        return new PtxasResourceUsage(registers.Value, stack.Value, spillStores!.Value, spillLoads!.Value, shared, constant);
    }

    public int SpillBytes => SpillStoreBytes + SpillLoadBytes;

    private static int Int(Group g) => int.Parse(g.Value, CultureInfo.InvariantCulture);

    [GeneratedRegex(@"(\d+) bytes stack frame, (\d+) bytes spill stores, (\d+) bytes spill loads")]
    private static partial Regex Frame();

    [GeneratedRegex(@"Used (\d+) registers")]
    private static partial Regex Used();

    [GeneratedRegex(@"(\d+) bytes smem")]
    private static partial Regex Smem();

    [GeneratedRegex(@"(\d+) bytes cmem\[\d+\]")]
    private static partial Regex Cmem();
}
