namespace TripletSharp.Recommendation;

/// <summary>
/// Baseline: item-based k-NN over co-occurrence. Items i and j are similar by the cosine of their user columns,
/// c_ij / √(n_i n_j) (c_ij: users with both as training positives, n_i: users with i); a user's score for item i is
/// the sum of its similarities to the user's training positives. All neighbours are used (no truncation).
/// </summary>
public sealed class ItemKnnRecommender : IRecommender
{
    private readonly IReadOnlyList<int[]> _positives;
    private readonly int[][] _usersOf;
    private readonly double[] _inverseRoot;

    /// <summary>Indexes the training positives.</summary>
    /// <param name="trainPositives">Per user, the training positives.</param>
    /// <param name="itemCount">Catalogue size.</param>
    public ItemKnnRecommender(IReadOnlyList<int[]> trainPositives, int itemCount)
    {
        Guard.NotNull(trainPositives, nameof(trainPositives));
        _positives = trainPositives;
        var usersOf = Enumerable.Range(0, itemCount).Select(_ => new List<int>()).ToArray();
        for (int u = 0; u < trainPositives.Count; u++)
            foreach (int i in trainPositives[u].Distinct()) usersOf[i].Add(u);
        _usersOf = usersOf.Select(l => l.ToArray()).ToArray();
        _inverseRoot = _usersOf.Select(l => l.Length == 0 ? 0.0 : 1.0 / Math.Sqrt(l.Length)).ToArray();
    }

    /// <inheritdoc/>
    public string Name => "item_knn";

    /// <inheritdoc/>
    public int[][] Recommend(IReadOnlyList<int> users, int k, IReadOnlyList<int[]> seen)
    {
        var result = new int[users.Count][];
        Parallel.For(0, users.Count, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, x => result[x] = ScoreRanking.TopK(Scores(users[x]), k, seen[users[x]]));
        return result;
    }

    /// <summary>score_i = (1/√n_i) Σ_v [i ∈ v] t_v with t_v = Σ_{j ∈ pos(u) ∩ pos(v)} 1/√n_j: the same sum, through the users.</summary>
    internal double[] Scores(int user)
    {
        var weight = new Dictionary<int, double>();
        foreach (int j in _positives[user])
            foreach (int v in _usersOf[j])
                weight[v] = weight.GetValueOrDefault(v) + _inverseRoot[j];
        var scores = new double[_usersOf.Length];
        foreach (var (v, t) in weight.OrderBy(p => p.Key))
            foreach (int i in _positives[v]) scores[i] += t;
        for (int i = 0; i < scores.Length; i++) scores[i] *= _inverseRoot[i];
        return scores;
    }
}
