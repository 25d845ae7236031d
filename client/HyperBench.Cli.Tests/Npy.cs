using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;

namespace HyperBench.Cli.Tests;

/// <summary>A minimal independent .npy reader (float32, float16, int32; C order) to check what the CLI writes.</summary>
internal static partial class Npy
{
    public static (int[] Shape, float[] Data) Read(string path) => Read<float>(path, "<f4");

    /// <summary>int32 arrays (the --dump of hyper cases).</summary>
    public static (int[] Shape, int[] Data) ReadInt32(string path) => Read<int>(path, "<i4");

    private static (int[] Shape, T[] Data) Read<T>(string path, string descr) where T : unmanaged
    {
        var (shape, bytes, offset) = Load(path, descr);
        var data = MemoryMarshal.Cast<byte, T>(bytes.AsSpan(offset)).ToArray();
        Assert.Equal(shape.Aggregate(1, (a, b) => a * b), data.Length);
        return (shape, data);
    }

    /// <summary>float16 arrays (the --dump inputs of fp16 cases), widened to float with System.Half.</summary>
    public static (int[] Shape, float[] Data) ReadFloat16(string path)
    {
        var (shape, bytes, offset) = Load(path, "<f2");
        var data = new float[(bytes.Length - offset) / 2];
        for (int i = 0; i < data.Length; i++) data[i] = (float)BitConverter.ToHalf(bytes, offset + 2 * i);
        Assert.Equal(shape.Aggregate(1, (a, b) => a * b), data.Length);
        return (shape, data);
    }

    /// <summary>Checks the magic, the header's padding and element type; returns the shape, the bytes and where the data starts.</summary>
    private static (int[] Shape, byte[] Bytes, int Offset) Load(string path, string descr)
    {
        var bytes = File.ReadAllBytes(path);
        Assert.Equal(0x93, bytes[0]);
        Assert.Equal("NUMPY", Encoding.ASCII.GetString(bytes, 1, 5));
        int headerLength = BitConverter.ToUInt16(bytes, 8);
        Assert.Equal(0, (10 + headerLength) % 64);
        string header = Encoding.ASCII.GetString(bytes, 10, headerLength);
        Assert.Contains($"'descr': '{descr}'", header, StringComparison.Ordinal);
        Assert.Contains("'fortran_order': False", header, StringComparison.Ordinal);
        var shape = ShapePattern().Match(header).Groups[1].Value
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(int.Parse).ToArray();
        return (shape, bytes, 10 + headerLength);
    }

    [GeneratedRegex(@"'shape': \(([^)]*)\)")]
    private static partial Regex ShapePattern();
}
