using TorchSharp;
using TripletSharp.Distances;
using static TorchSharp.torch;

namespace TripletSharp.Evaluation;

/// <summary>Anchor–positive and anchor–negative distances measured on the test split after one epoch.</summary>
/// <param name="Epoch">Epoch the distances belong to.</param>
/// <param name="AnchorPositive">Raw d_ap values (the report bins them).</param>
/// <param name="AnchorNegative">Raw d_an values (the report bins them).</param>
public sealed record EpochDistances(int Epoch, float[] AnchorPositive, float[] AnchorNegative)
{
    /// <summary>Items sampled by default (every pair of them is measured).</summary>
    public const int DefaultMaxItems = 2000;

    /// <summary>
    /// The one d_ap / d_an sampler: <paramref name="distance"/> over every same-class and different-class pair of a
    /// seeded sample of at most <paramref name="maxItems"/> items (all of them when there are fewer), each kind then
    /// thinned to at most <paramref name="maxValues"/> values (seeded with <paramref name="seed"/> + 1 and + 2).
    /// </summary>
    /// <param name="embeddings">N×D embeddings.</param>
    /// <param name="labels">Class of every item.</param>
    /// <param name="distance">The measure.</param>
    /// <param name="epoch">Epoch to record.</param>
    /// <param name="maxItems">Most items sampled.</param>
    /// <param name="seed">Seed of the item sample.</param>
    /// <param name="maxValues">Most values kept per kind; all when null.</param>
    public static EpochDistances Sample(Tensor embeddings, IReadOnlyList<long> labels, BaseDistance distance, int epoch,
        int maxItems = DefaultMaxItems, int seed = 0, int? maxValues = null)
    {
        Guard.NotNull(embeddings, nameof(embeddings));
        Guard.NotNull(labels, nameof(labels));
        Guard.NotNull(distance, nameof(distance));
        Guard.Positive(maxItems, nameof(maxItems));
        if (maxValues is { } mv) Guard.Positive(mv, nameof(maxValues));
        using var scope = torch.NewDisposeScope();
        using var _ = torch.no_grad();
        int n = labels.Count;
        var rows = Enumerable.Range(0, n).ToArray();
        if (n > maxItems)
        {
            new Random(seed).Shuffle(rows);
            rows = rows[..maxItems];
            Array.Sort(rows);
        }
        var idx = torch.tensor(rows.Select(r => (long)r).ToArray(), device: embeddings.device);
        var values = distance.Compute(embeddings.index_select(0, idx)).to_type(ScalarType.Float32).cpu().data<float>().ToArray();
        int m = rows.Length;
        var ap = new List<float>();
        var an = new List<float>();
        for (int i = 0; i < m; i++)
            for (int j = i + 1; j < m; j++)
                (labels[rows[i]] == labels[rows[j]] ? ap : an).Add(values[i * m + j]);
        return new EpochDistances(epoch, Thin(ap, maxValues, seed + 1), Thin(an, maxValues, seed + 2));
    }

    private static float[] Thin(List<float> values, int? maxValues, int seed)
    {
        var a = values.ToArray();
        if (maxValues is not { } max || a.Length <= max) return a;
        new Random(seed).Shuffle(a);
        return a[..max];
    }
}
