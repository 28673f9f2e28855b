using TripletSharp.Evaluation;

namespace TripletSharp.Tests.Recommendation;

/// <summary>Ranking metrics against a hand-worked case and a plain double-precision reference written the other way round (from the relevant items' ranks).</summary>
public class RankingEvaluatorTests
{
    [Fact]
    public void HandWorkedCase()
    {
        // List 3,1,4,5 with relevant {1,5}, K = 3: one hit at rank 2.
        var m = RankingEvaluator.Evaluate([[3, 1, 4, 5]], [[1, 5]], catalogueSize: 10, k: 3);
        Assert.Equal(0.5, m.Recall, 12);
        Assert.Equal((1 / Math.Log2(3)) / (1 + 1 / Math.Log2(3)), m.Ndcg, 12);
        Assert.Equal(0.5 / 2, m.Map, 12);
        Assert.Equal(1.0, m.HitRate, 12);
        Assert.Equal(0.5, m.Mrr, 12);
        Assert.Equal(0.3, m.Coverage, 12);
    }

    [Fact]
    public void NoHitAndAllHits()
    {
        var m = RankingEvaluator.Evaluate([[0, 1], [2, 3]], [[9], [2, 3]], catalogueSize: 4, k: 2);
        Assert.Equal(0.5, m.Recall, 12);
        Assert.Equal(0.5, m.Ndcg, 12);
        Assert.Equal(0.5, m.Map, 12);
        Assert.Equal(0.5, m.HitRate, 12);
        Assert.Equal(0.5, m.Mrr, 12);
        Assert.Equal(1.0, m.Coverage, 12);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(5)]
    [InlineData(20)]
    public void MatchesAReferenceOnRandomLists(int k)
    {
        var random = new Random(k);
        const int items = 40;
        var ranked = new List<int[]>();
        var relevant = new List<int[]>();
        for (int u = 0; u < 50; u++)
        {
            ranked.Add(Enumerable.Range(0, items).OrderBy(_ => random.Next()).Take(k).ToArray());
            relevant.Add(Enumerable.Range(0, items).OrderBy(_ => random.Next()).Take(1 + random.Next(6)).ToArray());
        }
        var m = RankingEvaluator.Evaluate(ranked, relevant, items, k);
        double recall = 0, ndcg = 0, map = 0, hit = 0, mrr = 0;
        for (int u = 0; u < ranked.Count; u++)
        {
            // 1-based ranks of the relevant items found in the top k.
            var ranks = relevant[u].Select(i => Array.IndexOf(ranked[u], i) + 1).Where(r => r > 0).Order().ToArray();
            recall += ranks.Length / (double)relevant[u].Length;
            double ideal = Enumerable.Range(1, Math.Min(k, relevant[u].Length)).Sum(r => 1 / Math.Log(r + 1, 2));
            ndcg += ranks.Sum(r => 1 / Math.Log(r + 1, 2)) / ideal;
            map += ranks.Select((r, n) => (n + 1) / (double)r).Sum() / Math.Min(k, relevant[u].Length);
            hit += ranks.Length > 0 ? 1 : 0;
            mrr += ranks.Length > 0 ? 1.0 / ranks[0] : 0;
        }
        Assert.Equal(recall / 50, m.Recall, 12);
        Assert.Equal(ndcg / 50, m.Ndcg, 12);
        Assert.Equal(map / 50, m.Map, 12);
        Assert.Equal(hit / 50, m.HitRate, 12);
        Assert.Equal(mrr / 50, m.Mrr, 12);
        Assert.Equal(ranked.SelectMany(r => r).Distinct().Count() / (double)items, m.Coverage, 12);
    }

    [Fact]
    public void RefusesAUserWithoutRelevantItems()
    {
        Assert.Throws<ArgumentException>(() => RankingEvaluator.Evaluate([[1]], [[]], 3, 1));
        Assert.Throws<ArgumentException>(() => RankingEvaluator.Evaluate([[1]], [], 3, 1));
    }
}
