using System.Text.Json;
using System.Text.Json.Nodes;

namespace TripletSharp.Evaluation;

/// <summary>Retrieval metrics with query = reference (self excluded by index), as in Musgrave et al. 2020 and PML's AccuracyCalculator.</summary>
public sealed record RetrievalMetrics(
    double PrecisionAt1,
    double RPrecision,
    double MapAtR,
    double RecallAt1,
    double RecallAt2,
    double RecallAt4,
    double RecallAt8,
    double Nmi,
    double KnnAccuracy,
    long QueryCount)
{
    /// <summary>The metrics under their <c>metrics.json</c> keys, in a fixed order.</summary>
    public IReadOnlyDictionary<string, double> ToDictionary() => new Dictionary<string, double>
    {
        ["precision_at_1"] = PrecisionAt1,
        ["r_precision"] = RPrecision,
        ["map_at_r"] = MapAtR,
        ["recall_at_1"] = RecallAt1,
        ["recall_at_2"] = RecallAt2,
        ["recall_at_4"] = RecallAt4,
        ["recall_at_8"] = RecallAt8,
        ["nmi"] = Nmi,
        ["knn_accuracy"] = KnnAccuracy,
    };

    /// <summary>
    /// What "relevant" meant when the metrics are not single-label: <see cref="Mining.ItemRelation.Name"/> (<c>multi-label</c>
    /// for shared labels, <c>custom</c> for a user rule); null for single labels. Written to <c>metrics.json</c> as
    /// <c>"labels"</c> after the metrics, only when set.
    /// </summary>
    public string? Labels { get; init; }

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>The metrics as the JSON object of <c>metrics.json</c>: the <see cref="ToDictionary"/> keys in order, a NaN (for example NMI when it is off) as null.</summary>
    public JsonObject ToJsonNode()
    {
        var node = new JsonObject();
        foreach (var (k, v) in ToDictionary()) node[k] = double.IsFinite(v) ? JsonValue.Create(v) : null;
        if (Labels is not null) node["labels"] = Labels;
        return node;
    }

    /// <summary>The text of <c>metrics.json</c>: <see cref="ToJsonNode"/> indented, with a final newline.</summary>
    public string ToJson() => ToJsonNode().ToJsonString(Indented) + "\n";

    /// <summary>
    /// Reads the text of <c>metrics.json</c> (or any JSON object with its keys; other keys are ignored). A null or
    /// missing value becomes NaN; <see cref="QueryCount"/> is not stored there and reads as 0.
    /// </summary>
    /// <exception cref="JsonException">The text is not a JSON object, or a value is not a number or null.</exception>
    public static RetrievalMetrics FromJson(string json)
    {
        Guard.NotNull(json, nameof(json));
        var node = JsonNode.Parse(json) as JsonObject ?? throw new JsonException("metrics must be a JSON object.");
        double Get(string key)
        {
            var v = node[key];
            if (v is null) return double.NaN;
            if (v is JsonValue value && value.TryGetValue<double>(out var d)) return d;
            throw new JsonException($"'{key}' must be a number or null, got {v.ToJsonString()}.");
        }
        return new RetrievalMetrics(
            Get("precision_at_1"), Get("r_precision"), Get("map_at_r"), Get("recall_at_1"), Get("recall_at_2"),
            Get("recall_at_4"), Get("recall_at_8"), Get("nmi"), Get("knn_accuracy"), 0)
        {
            Labels = node["labels"] is JsonValue l && l.TryGetValue<string>(out var text) ? text : null,
        };
    }
}
