namespace TripletSharp.Recommendation;

/// <summary>Baseline: a random ranking per user (seeded by the seed and the user, so a list is the same in every process).</summary>
public sealed class RandomRecommender : IRecommender
{
    private readonly int _itemCount;
    private readonly int _seed;

    /// <summary>Creates the baseline.</summary>
    public RandomRecommender(int itemCount, int seed)
    {
        Guard.Positive(itemCount, nameof(itemCount));
        _itemCount = itemCount;
        _seed = seed;
    }

    /// <inheritdoc/>
    public string Name => "random";

    /// <inheritdoc/>
    public int[][] Recommend(IReadOnlyList<int> users, int k, IReadOnlyList<int[]> seen) =>
        users.Select(u =>
        {
            var random = new Random(unchecked(_seed * 1_000_003 + u));
            var scores = new double[_itemCount];
            for (int i = 0; i < scores.Length; i++) scores[i] = random.NextDouble();
            return ScoreRanking.TopK(scores, k, seen[u]);
        }).ToArray();
}
