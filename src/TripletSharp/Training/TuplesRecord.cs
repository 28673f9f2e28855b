using System.Text.Json;
using System.Text.Json.Nodes;

namespace TripletSharp.Training;

/// <summary>
/// What a tuple run was trained from, kept in its run folder's <c>tuples.json</c> (<see cref="RunFolder.TuplesRecordPath"/>):
/// the tuples file (absolute path and SHA-256 of its bytes), the extra negatives mined in each batch and the share of
/// tuples held out. A resume must give the same (<see cref="RunFolder.CheckOrRecordTuples"/>).
/// </summary>
/// <param name="Tuples">Absolute path of the tuples file.</param>
/// <param name="Sha256">SHA-256 of the file's bytes, lower-case hex.</param>
/// <param name="TupleNegatives">The extra negatives (a name of <see cref="Components.ComponentRegistry.TupleNegativesNames"/>).</param>
/// <param name="TupleTestFraction">The share of tuples held out.</param>
public sealed record TuplesRecord(string Tuples, string Sha256, string TupleNegatives, double TupleTestFraction)
{
    /// <summary>The record of a run training from the tuples file <paramref name="path"/> (read here to hash it).</summary>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static TuplesRecord Of(string path, string tupleNegatives, double tupleTestFraction)
    {
        Guard.NotNull(path, nameof(path));
        Guard.NotNull(tupleNegatives, nameof(tupleNegatives));
        return new TuplesRecord(Path.GetFullPath(path), Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(path))), tupleNegatives, tupleTestFraction);
    }

    /// <summary>The text of <c>tuples.json</c>: one compact JSON object, as it has been written since tuple runs existed.</summary>
    public string ToJson() => new JsonObject
    {
        ["tuples"] = Tuples,
        ["sha256"] = Sha256,
        ["tuple_negatives"] = TupleNegatives,
        ["tuple_test_fraction"] = TupleTestFraction,
    }.ToJsonString();

    /// <summary>Reads the text of <c>tuples.json</c>.</summary>
    /// <exception cref="JsonException">Not such an object (a field missing or of the wrong type).</exception>
    public static TuplesRecord FromJson(string json)
    {
        Guard.NotNull(json, nameof(json));
        var node = JsonNode.Parse(json) as JsonObject ?? throw new JsonException("not a JSON object.");
        T Get<T>(string key) => node[key] is JsonValue v && v.TryGetValue<T>(out var value) ? value
            : throw new JsonException($"field '{key}' is {node[key]?.ToJsonString() ?? "missing"}, expected a {(typeof(T) == typeof(double) ? "number" : "string")}.");
        return new TuplesRecord(Get<string>("tuples"), Get<string>("sha256"), Get<string>("tuple_negatives"), Get<double>("tuple_test_fraction"));
    }
}
