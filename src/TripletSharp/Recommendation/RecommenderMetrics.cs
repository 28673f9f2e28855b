using TripletSharp.Evaluation;

namespace TripletSharp.Recommendation;

/// <summary>One recommender's ranking metrics at every K of the evaluation.</summary>
/// <param name="Name">The recommender (<see cref="IRecommender.Name"/>).</param>
/// <param name="Metrics">One entry per K, ascending.</param>
public sealed record RecommenderMetrics(string Name, IReadOnlyList<RankingMetrics> Metrics)
{
    /// <summary>The metrics at <paramref name="k"/>.</summary>
    public RankingMetrics At(int k) => Metrics.First(m => m.K == k);
}
