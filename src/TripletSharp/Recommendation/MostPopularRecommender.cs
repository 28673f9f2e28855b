namespace TripletSharp.Recommendation;

/// <summary>Baseline: every user gets the items with the most training positives.</summary>
public sealed class MostPopularRecommender : IRecommender
{
    private readonly double[] _counts;

    /// <summary>Counts the training positives of every item.</summary>
    /// <param name="trainPositives">Per user, the training positives.</param>
    /// <param name="itemCount">Catalogue size.</param>
    public MostPopularRecommender(IReadOnlyList<int[]> trainPositives, int itemCount)
    {
        Guard.NotNull(trainPositives, nameof(trainPositives));
        _counts = new double[itemCount];
        foreach (var items in trainPositives)
            foreach (int i in items) _counts[i]++;
    }

    /// <inheritdoc/>
    public string Name => "most_popular";

    /// <inheritdoc/>
    public int[][] Recommend(IReadOnlyList<int> users, int k, IReadOnlyList<int[]> seen) =>
        users.Select(u => ScoreRanking.TopK(_counts, k, seen[u])).ToArray();
}
