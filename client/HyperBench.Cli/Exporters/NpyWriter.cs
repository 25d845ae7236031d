using System.Runtime.InteropServices;
using System.Text;

namespace HyperBench.Cli.Exporters;

/// <summary>Writes little-endian float32, float16 (and int32) arrays in NumPy's .npy format, version 1.0 (readable by numpy.load and torch).</summary>
public static class NpyWriter
{
    public static void Write(string path, ReadOnlySpan<float> data, IReadOnlyList<int> shape) =>
        Write(path, MemoryMarshal.AsBytes(data), data.Length, "<f4", shape);

    /// <summary>IEEE half arrays given as their bit patterns (fp16 inputs of --dump; NumPy has no bfloat16).</summary>
    public static void WriteHalf(string path, ReadOnlySpan<ushort> bits, IReadOnlyList<int> shape) =>
        Write(path, MemoryMarshal.AsBytes(bits), bits.Length, "<f2", shape);

    /// <summary>int32 arrays (row orders and sampled indices of --dump).</summary>
    public static void Write(string path, ReadOnlySpan<int> data, IReadOnlyList<int> shape) =>
        Write(path, MemoryMarshal.AsBytes(data), data.Length, "<i4", shape);

    private static void Write(string path, ReadOnlySpan<byte> bytes, int length, string descr, IReadOnlyList<int> shape)
    {
        long count = 1;
        foreach (int s in shape) count *= s;
        if (count != length) throw new ArgumentException($"shape ({string.Join(", ", shape)}) holds {count} elements, data has {length}.", nameof(shape));
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("the .npy writer assumes a little-endian host");

        string dims = shape.Count == 1 ? $"{shape[0]}," : string.Join(", ", shape);
        string dict = $"{{'descr': '{descr}', 'fortran_order': False, 'shape': ({dims}), }}";
        // Magic (6) + version (2) + header length (2) + header, padded with spaces and ending in '\n', a multiple of 64 bytes.
        int unpadded = 10 + dict.Length + 1;
        int padding = (64 - unpadded % 64) % 64;
        string header = dict + new string(' ', padding) + "\n";

        using var stream = File.Create(path);
        stream.Write([0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0]);
        stream.Write(BitConverter.GetBytes((ushort)header.Length));
        stream.Write(Encoding.ASCII.GetBytes(header));
        stream.Write(bytes);
    }
}
