using System.Text.Json;
using System.Text.Json.Serialization;

namespace TripletSharp;

/// <summary>The JSON conventions of every file the library writes: snake_case keys, lower-case enum names, indented.</summary>
internal static class JsonDefaults
{
    /// <summary>Run, model and checkpoint files: NaN and infinities allowed as named literals, enum names as one lower-case word.</summary>
    public static JsonSerializerOptions Options { get; } = Create(JsonNumberHandling.AllowNamedFloatingPointLiterals, new LowerCaseNamingPolicy());

    /// <summary>Index and calibration files: numbers must be numbers (a NaN threshold never parses), snake_case enum names.</summary>
    public static JsonSerializerOptions Strict { get; } = Create(JsonNumberHandling.Strict, JsonNamingPolicy.SnakeCaseLower);

    private static JsonSerializerOptions Create(JsonNumberHandling numbers, JsonNamingPolicy enumNames)
    {
        var o = new JsonSerializerOptions
        {
            PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
            WriteIndented = true,
            NumberHandling = numbers,
            DefaultIgnoreCondition = JsonIgnoreCondition.Never,
            ReadCommentHandling = JsonCommentHandling.Skip,
            AllowTrailingCommas = true,
        };
        o.Converters.Add(new JsonStringEnumConverter(enumNames, allowIntegerValues: false));
        o.MakeReadOnly(populateMissingResolver: true);
        return o;
    }

    /// <summary>Enum names as one lower-case word ("ConvNet" → "convnet") so configs read like the CLI values.</summary>
    private sealed class LowerCaseNamingPolicy : JsonNamingPolicy
    {
        public override string ConvertName(string name) => name.ToLowerInvariant();
    }
}
