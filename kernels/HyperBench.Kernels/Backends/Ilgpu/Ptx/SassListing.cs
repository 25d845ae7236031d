using System.Globalization;
using System.Text.RegularExpressions;

namespace HyperBench.Kernels.Backends.Ilgpu.Ptx;

/// <summary>Parses <c>cuobjdump -sass</c> output into functions and instructions.</summary>
public static partial class SassListing
{
    public static IReadOnlyList<SassFunction> Parse(string text)
    {
        var functions = new List<SassFunction>();
        string? name = null;
        var instructions = new List<SassInstruction>();
        foreach (var line in text.Split('\n'))
        {
            if (FunctionHeader().Match(line) is { Success: true } f)
            {
                if (name is not null) functions.Add(new SassFunction(name, instructions));
                name = f.Groups[1].Value.Trim();
                instructions = [];
                continue;
            }
            if (name is null || InstructionLine().Match(line) is not { Success: true } m) continue;
            int address = int.Parse(m.Groups[1].Value, NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            string predicate = m.Groups[2].Value.Trim();
            string opcode = m.Groups[3].Value;
            string operands = m.Groups[4].Value.Trim();
            int? target = null;
            if (opcode == "BRA" || opcode.StartsWith("BRA.", StringComparison.Ordinal))
            {
                var hex = HexOperand().Matches(operands);
                if (hex.Count > 0) target = int.Parse(hex[^1].Groups[1].Value, NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            }
            instructions.Add(new SassInstruction(address, predicate.Length > 0 ? predicate : null, opcode, operands, target));
        }
        if (name is not null) functions.Add(new SassFunction(name, instructions));
        return functions;
    }

    [GeneratedRegex(@"^\s*Function\s*:\s*(\S+)")]
    private static partial Regex FunctionHeader();

    // "        /*01d0*/              @!P0 BRA 0x140 ;      /* 0xfffffffc00d88947 */"
    [GeneratedRegex(@"^\s*/\*([0-9a-fA-F]+)\*/\s+(@!?U?P[T0-9]+\s+)?([A-Z][A-Z0-9_]*(?:\.[A-Za-z0-9_]+)*)\s*([^;]*);")]
    private static partial Regex InstructionLine();

    [GeneratedRegex(@"\b0x([0-9a-fA-F]+)\b")]
    private static partial Regex HexOperand();
}
