using TripletSharp.Data;
using TripletSharp.Evaluation;

namespace TripletSharp.Recommendation;

/// <summary>
/// Evaluates recommenders on the held-out positives of a split: each evaluated user's list leaves out every item the
/// user saw in training, and <see cref="RankingEvaluator"/> scores it at every K.
/// </summary>
public static class RecommendationEvaluator
{
    /// <summary>The K values of a run: 10 and 50.</summary>
    public static IReadOnlyList<int> DefaultKs { get; } = [10, 50];

    /// <summary>The baselines of a run, on the same split: most popular, random and item k-NN.</summary>
    public static IReadOnlyList<IRecommender> Baselines(InteractionsSplit split, int seed)
    {
        Guard.NotNull(split, nameof(split));
        int items = split.Data.ItemCount;
        return [new MostPopularRecommender(split.TrainPositives, items), new RandomRecommender(items, seed), new ItemKnnRecommender(split.TrainPositives, items)];
    }

    /// <summary>Scores one recommender at every K in <paramref name="ks"/> (default <see cref="DefaultKs"/>).</summary>
    public static RecommenderMetrics Evaluate(IRecommender recommender, InteractionsSplit split, IReadOnlyList<int>? ks = null)
    {
        Guard.NotNull(recommender, nameof(recommender));
        Guard.NotNull(split, nameof(split));
        ks ??= DefaultKs;
        var users = split.EvaluatedUsers;
        var lists = recommender.Recommend(users, ks.Max(), split.Seen);
        var relevant = users.Select(u => split.TestPositives[u]).ToArray();
        return new RecommenderMetrics(recommender.Name, ks.Order().Select(k => RankingEvaluator.Evaluate(lists, relevant, split.Data.ItemCount, k)).ToArray());
    }
}
