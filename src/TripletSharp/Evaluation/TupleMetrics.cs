using System.Text.Json.Nodes;
using TorchSharp;
using TripletSharp.Distances;
using static TorchSharp.torch;

namespace TripletSharp.Evaluation;

/// <summary>
/// The score of explicit tuples on a model's embeddings: for triplets the triplet accuracy (<see cref="Evaluation.TripletAccuracy"/>),
/// for pairs the verification metrics (ROC AUC, TAR at FAR 1e-3, 10-fold accuracy). A tuple run writes the score of its
/// held-out tuples into <c>metrics.json</c> under <c>"tuples"</c> (<see cref="ToJsonNode"/>); <c>triplet eval --tuples</c>
/// prints the same object.
/// </summary>
public sealed record TupleMetrics
{
    /// <summary>Number of tuples scored.</summary>
    public int Count { get; init; }

    /// <summary>Triplets: the share with d_ap &lt; d_an (ties count as wrong); NaN for pairs or when there is no triplet.</summary>
    public double TripletAccuracy { get; init; } = double.NaN;

    /// <summary>Pairs: the verification metrics; null for triplets.</summary>
    public VerificationMetrics? Verification { get; init; }

    /// <summary>Whether the tuples were pairs (a, b, same) rather than triplets.</summary>
    public bool IsPairs => Verification is not null;

    /// <summary>Where the tuples came from, in words (a file, or the share held out of one); written as <c>"tuples"</c> when set.</summary>
    public string? Source { get; init; }

    /// <summary>Scores triplets: rows of <paramref name="embeddings"/> (see <see cref="Evaluation.TripletAccuracy.Compute"/>).</summary>
    /// <exception cref="ArgumentException">Bad embeddings, arrays of different lengths, or a row outside the embeddings.</exception>
    public static TupleMetrics OfTriplets(Tensor embeddings, IReadOnlyList<int> anchors, IReadOnlyList<int> positives, IReadOnlyList<int> negatives, BaseDistance? distance = null)
    {
        Guard.NotNull(anchors, nameof(anchors));
        return new TupleMetrics { Count = anchors.Count, TripletAccuracy = Evaluation.TripletAccuracy.Compute(embeddings, anchors, positives, negatives, distance) };
    }

    /// <summary>Scores pairs: rows <paramref name="first"/>[i] and <paramref name="second"/>[i] of <paramref name="embeddings"/>, same or not by <paramref name="same"/>[i].</summary>
    /// <exception cref="ArgumentException">Bad embeddings, arrays of different lengths, or a row outside the embeddings.</exception>
    public static TupleMetrics OfPairs(Tensor embeddings, IReadOnlyList<int> first, IReadOnlyList<int> second, IReadOnlyList<bool> same, BaseDistance? distance = null)
    {
        Guard.Embeddings(embeddings);
        Guard.Rows(first, embeddings.shape[0], nameof(first));
        Guard.Rows(second, embeddings.shape[0], nameof(second));
        Guard.NotNull(same, nameof(same));
        if (second.Count != first.Count || same.Count != first.Count)
            throw new ArgumentException($"The pair arrays differ in length ({first.Count}, {second.Count}, {same.Count}).", nameof(second));
        using var scope = torch.NewDisposeScope();
        Tensor Take(IReadOnlyList<int> rows) => embeddings.index_select(0, torch.tensor(rows.Select(r => (long)r).ToArray(), ScalarType.Int64, device: embeddings.device));
        var v = new VerificationEvaluator(distance ?? new EuclideanDistance()).EvaluatePairs(Take(first), Take(second), same.ToArray());
        return new TupleMetrics { Count = first.Count, Verification = v };
    }

    /// <summary>
    /// The score as the JSON object of <c>metrics.json</c>'s <c>"tuples"</c>: <c>kind</c> (<c>triplets</c> or <c>pairs</c>),
    /// then <c>triplet_accuracy</c> and <c>triplet_count</c>, or <c>roc_auc</c>, <c>tar_at_far_1e-3</c>, <c>accuracy</c>
    /// (null when there is none: see <see cref="VerificationMetrics.HasAccuracy"/>) and <c>pair_count</c>; then
    /// <c>tuples</c> (<see cref="Source"/>) when set. A value that cannot be computed is null.
    /// </summary>
    public JsonObject ToJsonNode()
    {
        var node = new JsonObject();
        if (Verification is { } v)
        {
            node["kind"] = "pairs";
            node["roc_auc"] = Finite(v.RocAuc);
            node["tar_at_far_1e-3"] = Finite(v.TarAtFar1e3);
            node["accuracy"] = v.HasAccuracy ? Finite(v.BestAccuracy) : null;
            node["pair_count"] = v.PairCount;
        }
        else
        {
            node["kind"] = "triplets";
            node["triplet_accuracy"] = Finite(TripletAccuracy);
            node["triplet_count"] = Count;
        }
        if (Source is not null) node["tuples"] = Source;
        return node;
    }

    private static JsonNode? Finite(double v) => double.IsFinite(v) ? JsonValue.Create(v) : null;
}
