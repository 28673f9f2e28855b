using TripletSharp.Distances;
using TripletSharp.Evaluation;
using TripletSharp.Search;
using static TorchSharp.torch;

namespace TripletSharp.Tests.Index;

public class MatcherTests
{
    /// <summary>Index of classes 0–3 (of 6); queries of all 6 classes.</summary>
    private static (EmbeddingIndex Index, Tensor Q, string[] QClass, double[][] G, double[][] Qs, long[] GLabels) Setup(BaseDistance measure, IndexKind kind = IndexKind.Exact)
    {
        var (x, labels, classes, ids) = IndexTestData.Clustered(300, 6, 6, seed: 30);
        var keep = Enumerable.Range(0, 300).Where(i => labels[i] < 4).ToArray();
        var gx = x.index_select(0, tensor(keep.Select(i => (long)i).ToArray()));
        var gl = keep.Select(i => labels[i]).ToArray();
        var index = EmbeddingIndex.Build(gx, gl, classes, keep.Select(i => ids[i]).ToArray(), measure, "fp", kind);
        // Same seed, more rows: the same centres and first 300 rows, then 120 fresh queries around the same centres.
        var (q2, ql2, _, _) = IndexTestData.Clustered(420, 6, 6, seed: 30);
        var qx = q2.narrow(0, 300, 120);
        var qclass = ql2.Skip(300).Select(l => classes[l]).ToArray();
        return (index, qx, qclass, IndexTestData.Rows(gx), IndexTestData.Rows(qx), gl);
    }

    [Theory]
    [InlineData("euclidean", 1)]
    [InlineData("euclidean", 5)]
    [InlineData("cosine", 3)]
    [InlineData("dot", 4)]
    public void Match_AgreesWithAPlainLoop(string measureName, int votes)
    {
        var measure = IndexTestData.Measure(measureName);
        var (index, q, _, g, qs, gl) = Setup(measure);
        using var _ = index;
        // A threshold between the neighbours' values, so that some queries are accepted and some are not.
        var nearest = qs.Select(r => IndexTestData.Ranking(measure, r, g)[0].Value).OrderBy(v => v).ToArray();
        double threshold = (nearest[nearest.Length / 2] + nearest[nearest.Length / 2 + 1]) / 2; // never on a value
        var matcher = new Matcher(index, threshold, votes == 1 ? MatchStrategy.Nearest : MatchStrategy.Vote(votes));
        var results = matcher.Match(q);
        Assert.Equal(qs.Length, results.Length);
        for (int i = 0; i < qs.Length; i++)
        {
            var ranking = IndexTestData.Ranking(measure, qs[i], g);
            var r = results[i];
            Assert.Equal(ranking[0].Position, r.NearestPosition);
            IndexTestData.Near(ranking[0].Value, r.NearestDistance);
            Assert.Equal(index.ItemIds[ranking[0].Position], r.NearestId);
            Assert.Equal(gl[ranking[0].Position], r.NearestLabel);
            // Reference vote: voters within the threshold, most votes, ties to the earlier voter.
            var voters = ranking.Take(votes).Select((t, rank) => (t, rank))
                .Where(v => measure.IsInverted ? v.t.Value >= threshold : v.t.Value <= threshold).ToArray();
            if (voters.Length == 0)
            {
                Assert.False(r.IsKnown);
                Assert.Null(r.ClassName);
                Assert.Equal(0, r.VoteShare);
                continue;
            }
            var win = voters.GroupBy(v => gl[v.t.Position]).OrderByDescending(grp => grp.Count()).ThenBy(grp => grp.Min(v => v.rank)).First();
            Assert.Equal(win.Key, r.Label);
            Assert.Equal(index.ClassNames[(int)win.Key], r.ClassName);
            Assert.Equal((double)win.Count() / votes, r.VoteShare, 12);
        }
        Assert.Contains(results, r => r.IsKnown);
        Assert.Contains(results, r => !r.IsKnown);
    }

    [Fact]
    public void OpenSetFigures_AgreeWithAPlainLoop()
    {
        var measure = new EuclideanDistance();
        var (index, q, qclass, g, qs, gl) = Setup(measure);
        using var _ = index;
        var nearest = qs.Select(r => IndexTestData.Ranking(measure, r, g)[0]).ToArray();
        var sorted = nearest.Select(n => n.Value).OrderBy(v => v).ToArray();
        double threshold = (sorted[70] + sorted[71]) / 2; // never on a value
        var results = new Matcher(index, threshold).Match(q);
        var m = OpenSetEvaluator.Evaluate(index, results, qclass);

        var knownNames = new HashSet<string>(gl.Select(l => index.ClassNames[(int)l]));
        int known = 0, correct = 0, closed = 0, unknown = 0, rejected = 0, wrong = 0, knownRejected = 0;
        var ku = new List<double>();
        var kk = new List<double>();
        for (int i = 0; i < qs.Length; i++)
        {
            var nearestClass = index.ClassNames[(int)gl[nearest[i].Position]];
            bool accept = nearest[i].Value <= threshold;
            if (knownNames.Contains(qclass[i]))
            {
                known++;
                kk.Add(nearest[i].Value);
                if (nearestClass == qclass[i]) closed++;
                if (accept && nearestClass == qclass[i]) correct++;
                else if (accept) wrong++;
                else knownRejected++;
            }
            else
            {
                unknown++;
                ku.Add(nearest[i].Value);
                if (!accept) rejected++;
            }
        }
        double auc = 0;
        foreach (var a in ku)
            foreach (var b in kk)
                auc += a > b ? 1 : a == b ? 0.5 : 0;
        auc /= ku.Count * (double)kk.Count;
        Assert.True(known > 0 && unknown > 0);
        Assert.Equal((120, known, unknown), (m.Queries, m.KnownQueries, m.UnknownQueries));
        Assert.Equal((double)correct / known, m.KnownAccuracy!.Value, 12);
        Assert.Equal((double)rejected / unknown, m.UnknownRejection!.Value, 12);
        Assert.Equal((double)closed / known, m.ClosedSetAccuracy!.Value, 12);
        Assert.Equal(auc, m.UnknownAuroc!.Value, 9);
        Assert.Equal((double)(correct + rejected) / 120, m.OpenSetAccuracy, 12);
        Assert.Equal((correct, wrong, knownRejected, rejected), (m.KnownCorrect, m.KnownWrong, m.KnownRejected, m.UnknownRejected));
    }

    [Fact]
    public void Auroc_CountsTiesAsHalf()
    {
        Assert.Equal(0.5, OpenSetEvaluator.Auroc([1, 1], [1, 1]), 12);
        Assert.Equal(1.0, OpenSetEvaluator.Auroc([2, 3], [1, 1]), 12);
        Assert.Equal(0.75, OpenSetEvaluator.Auroc([2, 1], [1, 1]), 12);
    }

    [Fact]
    public void BadThresholdsAndEmptyQueries()
    {
        var (x, labels, classes, ids) = IndexTestData.Clustered(20, 4, 2, seed: 31);
        using var eu = EmbeddingIndex.Build(x, labels, classes, ids, new EuclideanDistance(), "fp");
        Assert.Throws<ArgumentOutOfRangeException>(() => new Matcher(eu, double.NaN));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Matcher(eu, -0.1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Matcher(eu, double.PositiveInfinity));
        using var dot = EmbeddingIndex.Build(x, labels, classes, ids, new DotProductSimilarity(), "fp");
        Assert.Equal(-0.5, new Matcher(dot, -0.5).Threshold);
        var matcher = new Matcher(eu, 1.0, MatchStrategy.Vote(50));
        Assert.Empty(matcher.Match(zeros(0, 4)));
        Assert.Throws<ArgumentException>(() => OpenSetEvaluator.Evaluate(eu, [], []));
        // vote:K larger than the index: K is clamped to the index size.
        var all = matcher.Match(x.narrow(0, 0, 1));
        Assert.InRange(all[0].VoteShare, 0, 1);
    }

    [Fact]
    public void Strategy_ParsesNearestAndVote()
    {
        Assert.Same(MatchStrategy.Nearest, MatchStrategy.Parse("nearest"));
        Assert.Equal(7, MatchStrategy.Parse("vote:7").Votes);
        Assert.Equal("vote:7", MatchStrategy.Parse("VOTE:7").ToString());
        foreach (var bad in new[] { "vote:0", "vote:", "vote:-1", "majority", "" })
            Assert.Contains("vote:K", Assert.Throws<FormatException>(() => MatchStrategy.Parse(bad)).Message);
    }
}
