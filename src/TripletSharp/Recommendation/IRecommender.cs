namespace TripletSharp.Recommendation;

/// <summary>Anything that ranks items for users: the trained <see cref="CmlModel"/> and the baselines.</summary>
public interface IRecommender
{
    /// <summary>Short name used in metrics.json and the console (e.g. <c>cml</c>, <c>most_popular</c>).</summary>
    string Name { get; }

    /// <summary>For each user in <paramref name="users"/>, the <paramref name="k"/> best items (fewer when the catalogue runs out) that are not in that user's <paramref name="seen"/> list, best first.</summary>
    /// <param name="users">User indices.</param>
    /// <param name="k">List length.</param>
    /// <param name="seen">Per user index (all users), the items to leave out.</param>
    int[][] Recommend(IReadOnlyList<int> users, int k, IReadOnlyList<int[]> seen);
}
