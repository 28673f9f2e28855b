using static TorchSharp.torch;

namespace TripletSharp.Search;

/// <summary>
/// Open-set matching: each query gets the label of its nearest item (or a vote among the K nearest) when within the
/// threshold, otherwise "unknown". The threshold is in the index measure's units: accept distance ≤ threshold (for the
/// dot similarity: similarity ≥ threshold).
/// </summary>
public sealed class Matcher
{
    /// <summary>Creates a matcher.</summary>
    /// <param name="index">The index to search.</param>
    /// <param name="threshold">Finite; ≥ 0 for distances.</param>
    /// <param name="strategy">Nearest (default) or vote:K.</param>
    public Matcher(EmbeddingIndex index, double threshold, MatchStrategy? strategy = null)
    {
        Guard.NotNull(index, nameof(index));
        CheckThreshold(threshold, index.Measure.IsInverted, nameof(threshold));
        Index = index;
        Threshold = threshold;
        Strategy = strategy ?? MatchStrategy.Nearest;
    }

    /// <summary>The index searched.</summary>
    public EmbeddingIndex Index { get; }

    /// <summary>The acceptance threshold.</summary>
    public double Threshold { get; }

    /// <summary>Nearest or vote:K.</summary>
    public MatchStrategy Strategy { get; }

    /// <summary>Checks a threshold: finite, and ≥ 0 for a distance (a similarity threshold may be negative).</summary>
    internal static void CheckThreshold(double threshold, bool higherIsCloser, string name)
    {
        if (double.IsNaN(threshold) || double.IsInfinity(threshold))
            throw new ArgumentOutOfRangeException(name, threshold, $"'{name}' must be a finite number, got {threshold}.");
        if (!higherIsCloser && threshold < 0)
            throw new ArgumentOutOfRangeException(name, threshold, $"'{name}' must be >= 0 for a distance, got {threshold}.");
    }

    /// <summary>Whether a value of the index measure is within the threshold.</summary>
    public bool Accepts(double distance) => Index.Measure.IsInverted ? distance >= Threshold : distance <= Threshold;

    /// <summary>The decision for every query row (an empty query set gives an empty list).</summary>
    public MatchResult[] Match(Tensor queries)
    {
        var hits = Index.Search(queries, Strategy.Votes);
        var results = new MatchResult[hits.Length];
        for (int i = 0; i < hits.Length; i++) results[i] = Decide(hits[i]);
        return results;
    }

    /// <summary>The decision for one query's neighbours, nearest first (as <see cref="EmbeddingIndex.Search"/> returns them).</summary>
    public MatchResult Decide(IReadOnlyList<SearchHit> neighbours)
    {
        Guard.NotNull(neighbours, nameof(neighbours));
        if (neighbours.Count == 0) throw new ArgumentException($"'{nameof(neighbours)}' is empty.", nameof(neighbours));
        var nearest = neighbours[0];
        int k = Math.Min(Strategy.Votes, neighbours.Count);
        var votes = new Dictionary<long, (int Count, int First)>();
        for (int j = 0; j < k; j++)
        {
            var h = neighbours[j];
            if (!Accepts(h.Distance)) continue;
            votes[h.Label] = votes.TryGetValue(h.Label, out var v) ? (v.Count + 1, v.First) : (1, j);
        }
        if (votes.Count == 0)
            return new MatchResult(null, null, nearest.Distance, nearest.Id, nearest.Position, nearest.Label, 0);
        var win = votes.OrderByDescending(kv => kv.Value.Count).ThenBy(kv => kv.Value.First).First();
        var className = Index.ClassNames[(int)win.Key];
        return new MatchResult(win.Key, className, nearest.Distance, nearest.Id, nearest.Position, nearest.Label, (double)win.Value.Count / k);
    }
}
