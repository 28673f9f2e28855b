namespace TripletSharp.Evaluation;

/// <summary>
/// Scores ranked recommendation lists against held-out relevant items (<see cref="RankingMetrics"/>). Sums run in
/// double precision in user order, so the numbers do not depend on threads.
/// </summary>
public static class RankingEvaluator
{
    /// <summary>Evaluates the first <paramref name="k"/> entries of every user's list.</summary>
    /// <param name="ranked">Per evaluated user, item indices best first (at least <paramref name="k"/>, fewer only when the catalogue is smaller); items the user has already seen must already be left out.</param>
    /// <param name="relevant">Per evaluated user (same order), the held-out relevant items (non-empty, distinct).</param>
    /// <param name="catalogueSize">Number of items that can be recommended (for coverage).</param>
    /// <param name="k">List length K ≥ 1.</param>
    public static RankingMetrics Evaluate(IReadOnlyList<int[]> ranked, IReadOnlyList<int[]> relevant, int catalogueSize, int k)
    {
        Guard.NotNull(ranked, nameof(ranked));
        Guard.NotNull(relevant, nameof(relevant));
        Guard.Positive(k, nameof(k));
        Guard.Positive(catalogueSize, nameof(catalogueSize));
        if (ranked.Count != relevant.Count) throw new ArgumentException($"'{nameof(ranked)}' has {ranked.Count} users and '{nameof(relevant)}' {relevant.Count}; give one list per user in both.", nameof(relevant));
        double recall = 0, ndcg = 0, map = 0, hits = 0, mrr = 0;
        var covered = new HashSet<int>();
        for (int u = 0; u < ranked.Count; u++)
        {
            var rel = relevant[u].ToHashSet();
            if (rel.Count == 0) throw new ArgumentException($"user {u} has no relevant item; evaluate only users with held-out positives.", nameof(relevant));
            var list = ranked[u];
            int n = Math.Min(k, list.Length), found = 0;
            double dcg = 0, ap = 0, rr = 0;
            for (int r = 0; r < n; r++)
            {
                covered.Add(list[r]);
                if (!rel.Contains(list[r])) continue;
                found++;
                dcg += 1.0 / Math.Log2(r + 2);
                ap += (double)found / (r + 1);
                if (rr == 0) rr = 1.0 / (r + 1);
            }
            int ideal = Math.Min(k, rel.Count);
            double idcg = 0;
            for (int r = 0; r < ideal; r++) idcg += 1.0 / Math.Log2(r + 2);
            recall += (double)found / rel.Count;
            ndcg += dcg / idcg;
            map += ap / ideal;
            hits += found > 0 ? 1 : 0;
            mrr += rr;
        }
        int users = ranked.Count;
        double Mean(double s) => users == 0 ? double.NaN : s / users;
        return new RankingMetrics(k, users, Mean(recall), Mean(ndcg), Mean(map), Mean(hits), Mean(mrr), (double)covered.Count / catalogueSize);
    }
}
