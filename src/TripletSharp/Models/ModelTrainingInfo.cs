using System.Text.Json;
using System.Text.Json.Nodes;
using TripletSharp.Evaluation;

namespace TripletSharp.Models;

/// <summary>
/// What a model folder says about the training that produced it (the <c>training</c> section of <c>model.json</c>),
/// read once into types: the distance it was trained and evaluated with, the best epoch and that epoch's metrics.
/// </summary>
public sealed record ModelTrainingInfo
{
    /// <summary>The distance name the model was trained with ("euclidean" when the file does not say).</summary>
    public string Distance { get; init; } = "euclidean";

    /// <summary>1-based epoch whose weights these are; null when unknown.</summary>
    public int? BestEpoch { get; init; }

    /// <summary>Test metrics of that epoch; null when unknown.</summary>
    public RetrievalMetrics? Metrics { get; init; }

    /// <summary>The typed view of a <c>training</c> section; missing or malformed entries take the defaults.</summary>
    internal static ModelTrainingInfo From(JsonObject? training)
    {
        if (training is null) return new ModelTrainingInfo();
        string distance = training["options"] is JsonObject o && o["distance"] is JsonValue v && v.TryGetValue<string>(out var name) ? name : "euclidean";
        int? best = training["best_epoch"] is JsonValue b && b.TryGetValue<int>(out var e) ? e : null;
        RetrievalMetrics? metrics = null;
        if (training["metrics"] is JsonObject m)
        {
            try { metrics = RetrievalMetrics.FromJson(m.ToJsonString()); }
            catch (JsonException) { metrics = null; } // free-form section: a malformed value only loses the typed view
        }
        return new ModelTrainingInfo { Distance = distance, BestEpoch = best, Metrics = metrics };
    }
}
