using System.Text;
using System.Text.RegularExpressions;

namespace HyperBench.Cli.Tests;

/// <summary>A minimal independent .npy reader (float32, float16, int32; C order) to check what the CLI writes.</summary>
internal static partial class Npy
{
    public static (int[] Shape, float[] Data) Read(string path)
    {
        var bytes = File.ReadAllBytes(path);
        Assert.Equal(0x93, bytes[0]);
        Assert.Equal("NUMPY", Encoding.ASCII.GetString(bytes, 1, 5));
        int headerLength = BitConverter.ToUInt16(bytes, 8);
        Assert.Equal(0, (10 + headerLength) % 64);
        string header = Encoding.ASCII.GetString(bytes, 10, headerLength);
        Assert.Contains("'descr': '<f4'", header, StringComparison.Ordinal);
        Assert.Contains("'fortran_order': False", header, StringComparison.Ordinal);
        var shape = ShapePattern().Match(header).Groups[1].Value
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(int.Parse).ToArray();
        var data = new float[(bytes.Length - 10 - headerLength) / 4];
        Buffer.BlockCopy(bytes, 10 + headerLength, data, 0, data.Length * 4);
        Assert.Equal(shape.Aggregate(1, (a, b) => a * b), data.Length);
        return (shape, data);
    }

    /// <summary>int32 arrays (the --dump of hyper cases).</summary>
    public static (int[] Shape, int[] Data) ReadInt32(string path)
    {
        var bytes = File.ReadAllBytes(path);
        int headerLength = BitConverter.ToUInt16(bytes, 8);
        string header = Encoding.ASCII.GetString(bytes, 10, headerLength);
        Assert.Contains("'descr': '<i4'", header, StringComparison.Ordinal);
        var shape = ShapePattern().Match(header).Groups[1].Value
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(int.Parse).ToArray();
        var data = new int[(bytes.Length - 10 - headerLength) / 4];
        Buffer.BlockCopy(bytes, 10 + headerLength, data, 0, data.Length * 4);
        Assert.Equal(shape.Aggregate(1, (a, b) => a * b), data.Length);
        return (shape, data);
    }

    /// <summary>float16 arrays (the --dump inputs of fp16 cases), widened to float with System.Half.</summary>
    public static (int[] Shape, float[] Data) ReadFloat16(string path)
    {
        var bytes = File.ReadAllBytes(path);
        int headerLength = BitConverter.ToUInt16(bytes, 8);
        string header = Encoding.ASCII.GetString(bytes, 10, headerLength);
        Assert.Contains("'descr': '<f2'", header, StringComparison.Ordinal);
        var shape = ShapePattern().Match(header).Groups[1].Value
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(int.Parse).ToArray();
        var data = new float[(bytes.Length - 10 - headerLength) / 2];
        for (int i = 0; i < data.Length; i++) data[i] = (float)BitConverter.ToHalf(bytes, 10 + headerLength + 2 * i);
        Assert.Equal(shape.Aggregate(1, (a, b) => a * b), data.Length);
        return (shape, data);
    }

    [GeneratedRegex(@"'shape': \(([^)]*)\)")]
    private static partial Regex ShapePattern();
}
