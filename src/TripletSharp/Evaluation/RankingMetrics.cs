namespace TripletSharp.Evaluation;

/// <summary>
/// Top-K ranking metrics over the evaluated users (means over users), and the catalogue coverage of their lists.
/// </summary>
/// <param name="K">List length.</param>
/// <param name="Users">Users evaluated (each with at least one held-out relevant item).</param>
/// <param name="Recall">|relevant ∩ top K| / |relevant|.</param>
/// <param name="Ndcg">DCG of the top K (binary gains, 1/log2(rank + 1)) over the ideal DCG of min(K, |relevant|) hits.</param>
/// <param name="Map">Σ over relevant ranks r ≤ K of precision@r, divided by min(K, |relevant|).</param>
/// <param name="HitRate">Share of users with at least one relevant item in the top K.</param>
/// <param name="Mrr">1 / rank of the first relevant item in the top K (0 when none).</param>
/// <param name="Coverage">Distinct items in any user's top K / catalogue size.</param>
public sealed record RankingMetrics(int K, int Users, double Recall, double Ndcg, double Map, double HitRate, double Mrr, double Coverage);
