using System.Text.Json;
using System.Text.Json.Serialization;

namespace HyperBench.Kernels.Measurement;

/// <summary>Reports and exports write a status as the word SQL stores, through <see cref="StatusWords"/>, whatever the serializer's options.</summary>
public sealed class StatusWordJsonConverter<TStatus> : JsonConverter<TStatus> where TStatus : struct, Enum
{
    public override TStatus Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        StatusWords.Parse<TStatus>(reader.GetString() ?? "");

    public override void Write(Utf8JsonWriter writer, TStatus value, JsonSerializerOptions options) => writer.WriteStringValue(StatusWords.Word(value));
}
